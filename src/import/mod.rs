//! Bulk import of cooperatives (or unions) from a provincial spreadsheet saved as CSV.
//!
//! Columns are found by name, in English (the API's field names) or Vietnamese ("Tên
//! HTX", "Ngày đăng ký", "Vốn điều lệ", …), ignoring case and diacritics; other columns
//! (say "STT") are ignored and reported. Provinces, districts and sectors may be given
//! by id, code or name; dates as 2024-05-02 or 02/05/2024; amounts with thousands
//! separators. Every row is then read into the very `NewOrganization` of the API and
//! checked by the same rules as a registration through the API
//! ([`create::prepare`]). An import is all or nothing: one bad row and nothing is
//! written, and the report names every bad row and column. A dry run checks everything
//! and writes nothing.

pub mod columns;
pub mod routes;

use std::collections::HashSet;
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Actor;
use crate::db::{self, Conn};
use crate::domain::OrgKind;
use crate::error::{ApiError, FieldError};
use crate::extract::{parse_json, validate};
use crate::organizations::create;
use crate::organizations::input::NewOrganization;
use crate::organizations::model::NewOrganizationRow;
use crate::organizations::store;
use crate::stats::ledger;
use columns::{Column, Lookup};

/// At most this many problems are listed; the count says how many there were.
const MAX_LISTED: usize = 1000;

/// What an import did, or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Nothing was written: the rows were only checked.
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Records written (0 for a dry run).
    pub imported: usize,
    /// Ids of the records written, in row order.
    pub ids: Vec<i64>,
    /// Header cells that name no known column and were ignored.
    pub ignored_columns: Vec<String>,
}

/// One problem: a row (its line in the file, the header being line 1) and column.
fn row_error(line: usize, column: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(format!("row {line}, {column}"), message)
}

/// Reads, checks and (unless `dry_run`) writes the rows of `csv`, in the caller's
/// transaction: on any problem it returns a 422 listing them, and the caller's
/// transaction must roll back.
///
/// Every row is checked before anything is written, against reference data read once;
/// then the records go in with multi-row statements, their audit entries are made from
/// the values written, and the statistics take the whole import as one change.
pub fn import(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    csv: &[u8],
    dry_run: bool,
) -> Result<ImportReport, ApiError> {
    db::with_bulk_cache(conn, |conn| import_rows(conn, actor, kind, csv, dry_run))
}

fn import_rows(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    csv: &[u8],
    dry_run: bool,
) -> Result<ImportReport, ApiError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(csv);
    let headers = reader
        .headers()
        .map_err(|e| ApiError::bad_request("body", format!("the CSV header cannot be read: {e}")))?
        .clone();
    let (columns, ignored_columns) = columns::map_headers(&headers)?;
    let lookup = Lookup::load(conn)?;
    let at = store::now();
    let mut phase = Instant::now();
    let mut lap = |what: &str| {
        tracing::debug!(took = ?phase.elapsed(), "import: {what}");
        phase = Instant::now();
    };

    let mut problems: Vec<(usize, FieldError)> = Vec::new();
    let mut report = |line: usize, errors: Vec<ApiError>| {
        for e in errors.into_iter().flat_map(field_errors) {
            let column = columns::header_of(&columns, &e.field);
            problems.push((line, row_error(line, &column, e.message)));
        }
    };
    let records: Vec<csv::Result<csv::StringRecord>> = reader.records().collect();
    let rows = records.len();
    if rows == 0 {
        return Err(ApiError::invalid("body", "the file has a header but no rows"));
    }
    let mut checked: Vec<(usize, NewOrganizationRow)> = Vec::with_capacity(rows);
    for (line, outcome) in check_rows(&columns, &lookup, kind, at, &records) {
        match outcome {
            Ok(row) => checked.push((line, row)),
            Err(errors) => report(line, errors),
        }
    }
    drop(records);
    lap("rows read and checked");
    // A number is free if the register lacks it and no earlier row of the file took it.
    let taken = create::taken_numbers(conn, checked.iter().map(|(_, r)| r.registration_number.as_str()))?;
    let mut seen = HashSet::new();
    for (line, row) in &checked {
        let number = row.registration_number.as_str();
        if taken.contains(number) || !seen.insert(number) {
            report(*line, vec![create::number_taken(number)]);
        }
    }
    lap("registration numbers checked");
    if !problems.is_empty() {
        problems.sort_by_key(|(line, _)| *line);
        let count = problems.len();
        let mut errors: Vec<FieldError> = problems.into_iter().take(MAX_LISTED).map(|(_, e)| e).collect();
        if count > errors.len() {
            errors.push(FieldError::new(
                "rows",
                format!("… {} more problems not listed", count - errors.len()),
            ));
        }
        return Err(ApiError::Validation(errors));
    }
    if dry_run {
        return Ok(ImportReport { dry_run, rows, imported: 0, ids: vec![], ignored_columns });
    }

    let records: Vec<NewOrganizationRow> = checked.into_iter().map(|(_, row)| row).collect();
    let ids = create::write(conn, &records)?;
    lap("records written");
    let mut contributions = ledger::Contribution::new();
    for row in &records {
        for (key, flows) in create::life(row).contribution() {
            *contributions.entry(key).or_default() += flows;
        }
    }
    lap("statistics summed");
    // The audit entries are text made from the rows alone: another core makes them
    // while this one settles the statistics.
    let action = format!("{}.import", kind.as_str());
    let (settled, entries) = std::thread::scope(|scope| {
        let entries = scope.spawn(|| {
            let views = ids
                .iter()
                .zip(records)
                .map(|(id, row)| {
                    let view = create::view(&lookup.catalog, *id, row).ok_or_else(|| {
                        ApiError::Internal(format!("record {id} names a unit not in the catalog"))
                    })?;
                    Ok((audit::Object::Organization(kind, *id), view))
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            audit::creations(actor, &action, views)
        });
        let settled = ledger::settle(conn, &ledger::Contribution::new(), &contributions);
        (settled, entries.join().expect("making the audit entries panicked"))
    });
    settled?;
    lap("statistics settled, audit entries made");
    audit::write_entries(conn, &entries?)?;
    lap("audit entries written");
    Ok(ImportReport { dry_run, rows, imported: ids.len(), ids, ignored_columns })
}

/// Every record read into a row to write, or what is wrong with it, with its line in
/// the file, in file order. The records are split among the machine's cores: checking
/// is some 15% of an import, and it needs nothing but the reference data.
fn check_rows(
    columns: &[Column],
    lookup: &Lookup,
    kind: OrgKind,
    at: chrono::NaiveDateTime,
    records: &[csv::Result<csv::StringRecord>],
) -> Vec<(usize, Result<NewOrganizationRow, Vec<ApiError>>)> {
    let check = |first: usize, part: &[csv::Result<csv::StringRecord>]| {
        part.iter()
            .enumerate()
            .map(|(i, record)| {
                // Line 1 is the header.
                let line = first + i + 2;
                let outcome = match record {
                    Ok(row) => read_row(columns, lookup, row).and_then(|input| {
                        create::prepare(&lookup.catalog, kind, input, at).map_err(|e| vec![e])
                    }),
                    Err(e) => Err(vec![ApiError::invalid("row", format!("cannot be read: {e}"))]),
                };
                (line, outcome)
            })
            .collect::<Vec<_>>()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part_len = records.len().div_ceil(cores).max(1_000);
    std::thread::scope(|scope| {
        let parts: Vec<_> = records
            .chunks(part_len)
            .enumerate()
            .map(|(n, part)| scope.spawn(move || check(n * part_len, part)))
            .collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().expect("checking a part of the file panicked"))
            .collect()
    })
}

/// The problems an error names, as field errors.
fn field_errors(e: ApiError) -> Vec<FieldError> {
    match e {
        ApiError::Validation(errors)
        | ApiError::BadRequest { errors, .. }
        | ApiError::Conflict { errors, .. }
            if !errors.is_empty() =>
        {
            errors
        }
        other => vec![FieldError::new("row", other.problem().detail)],
    }
}

/// A row as the API's input, or what is wrong with it.
fn read_row(
    columns: &[Column],
    lookup: &Lookup,
    row: &csv::StringRecord,
) -> Result<NewOrganization, Vec<ApiError>> {
    let mut fields = Map::new();
    let mut errors = Vec::new();
    // The registration date first: units are looked up as they were on that day.
    let day = columns::registration_day(columns, row);
    for column in columns {
        let cell = row.get(column.index).unwrap_or("").trim();
        if cell.is_empty() {
            continue;
        }
        match column.field.value(cell, lookup, &fields, day) {
            Ok(value) => {
                fields.insert(column.field.api_name().to_owned(), value);
            }
            Err(message) => errors.push(ApiError::invalid(column.field.api_name(), message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let body =
        serde_json::to_vec(&Value::Object(fields)).map_err(|e| vec![ApiError::Internal(e.to_string())])?;
    let input: NewOrganization = parse_json(&body).map_err(|e| vec![e])?;
    validate(&input).map_err(|e| vec![e])?;
    Ok(input)
}
