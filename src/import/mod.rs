//! Bulk import of cooperatives (or unions) from a provincial spreadsheet saved as CSV.
//!
//! Columns are found by name, in English (the API's field names) or Vietnamese ("Tên
//! HTX", "Ngày đăng ký", "Vốn điều lệ", …), ignoring case and diacritics; other columns
//! (say "STT") are ignored and reported. Provinces, districts and sectors may be given
//! by id, code or name; dates as 2024-05-02 or 02/05/2024; amounts with thousands
//! separators. Every row is then read into the very `NewOrganization` of the API and
//! written through the same store, so it meets the same rules. An import is all or
//! nothing: one bad row and nothing is written, and the report names every bad row and
//! column. A dry run checks everything and writes nothing.

pub mod columns;
pub mod routes;

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Actor;
use crate::db::{savepoint, Conn};
use crate::domain::OrgKind;
use crate::error::{ApiError, FieldError};
use crate::extract::{parse_json, validate};
use crate::organizations::input::NewOrganization;
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
pub fn import(
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

    let mut errors = Vec::new();
    let mut problems = 0usize;
    let mut ids = Vec::new();
    let mut contributions = ledger::Contribution::new();
    let mut rows = 0;
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        rows += 1;
        let row = match record {
            Ok(r) => r,
            Err(e) => {
                problems += 1;
                errors.push(row_error(line, "row", format!("cannot be read: {e}")));
                continue;
            }
        };
        match read_row(&columns, &lookup, &row)
            .and_then(|input| write_row(conn, actor, kind, input).map_err(|e| vec![e]))
        {
            Ok((id, contribution)) => {
                ids.push(id);
                for (key, flows) in contribution {
                    *contributions.entry(key).or_default() += flows;
                }
            }
            Err(row_errors) => {
                for e in row_errors.into_iter().flat_map(field_errors) {
                    problems += 1;
                    let column = columns::header_of(&columns, &e.field);
                    errors.push(row_error(line, &column, e.message));
                }
            }
        }
        if errors.len() > MAX_LISTED {
            errors.truncate(MAX_LISTED);
        }
    }
    if rows == 0 {
        return Err(ApiError::invalid("body", "the file has a header but no rows"));
    }
    if problems > 0 {
        if problems > errors.len() {
            errors.push(FieldError::new(
                "rows",
                format!("… {} more problems not listed", problems - errors.len()),
            ));
        }
        return Err(ApiError::Validation(errors));
    }
    // The statistics take the whole import as one change.
    ledger::settle(conn, &ledger::Contribution::new(), &contributions)?;
    let imported = if dry_run { 0 } else { ids.len() };
    Ok(ImportReport { dry_run, rows, imported, ids: if dry_run { vec![] } else { ids }, ignored_columns })
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

/// Writes one row; a refused row leaves nothing behind (its savepoint rolls back).
fn write_row(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    input: NewOrganization,
) -> Result<(i64, ledger::Contribution), ApiError> {
    savepoint(conn, |conn| {
        let id = store::insert(conn, kind, input)?;
        audit::created(
            conn,
            actor,
            &format!("{}.import", kind.as_str()),
            audit::Object::Organization(kind, id),
        )?;
        Ok((id, ledger::organization_life(conn, id)?.contribution()))
    })
}
