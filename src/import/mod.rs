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

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
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
/// Rows are checked in batches on other threads, against reference data read once, while
/// this one writes the batches checked so far with multi-row statements (until a row has
/// a problem); their audit entries are made from the values written, and the statistics
/// take the whole import as one change.
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
    let records: Vec<csv::Result<csv::StringRecord>> = reader.records().collect();
    let rows = records.len();
    if rows == 0 {
        return Err(ApiError::invalid("body", "the file has a header but no rows"));
    }
    let file = File { columns: &columns, lookup: &lookup, kind, at: store::now(), records: &records };
    let action = format!("{}.import", kind.as_str());
    let ids = std::thread::scope(|scope| -> Result<Vec<i64>, ApiError> {
        let checked = file.check_in_background(scope, dry_run);
        let (written, to_audit) = mpsc::channel::<(Vec<i64>, Vec<NewOrganizationRow>)>();
        // The audit entries and the statistics' change are made from the rows written
        // alone: another core makes them while this one writes the next batches.
        let audit = scope.spawn(|| made_from_written(to_audit, &lookup, actor, &action, kind));
        let mut phase = Instant::now();
        let outcome = write_in_file_order(conn, &file, checked, (!dry_run).then_some(&written));
        drop(written);
        tracing::debug!(took = ?phase.elapsed(), "import: rows checked and written");
        phase = Instant::now();
        let made = audit
            .join()
            .map_err(|_| ApiError::Internal("the thread making the audit entries panicked".into()))?;
        tracing::debug!(took = ?phase.elapsed(), "import: audit entries made (after the writes)");
        let ids = outcome?;
        if dry_run {
            return Ok(ids);
        }
        let (entries, change) = made?;
        phase = Instant::now();
        ledger::settle_rolled_up(conn, &change)?;
        tracing::debug!(took = ?phase.elapsed(), "import: statistics settled");
        phase = Instant::now();
        for batch in entries {
            audit::write_entries(conn, &batch)?;
        }
        tracing::debug!(took = ?phase.elapsed(), "import: audit entries written");
        Ok(ids)
    })?;
    Ok(ImportReport { dry_run, rows, imported: ids.len(), ids, ignored_columns })
}

/// The audit entries of the batches written (`ids`, rows) that `written` brings, and the
/// statistics' change they make, summed with its rollups.
fn made_from_written<'a>(
    written: mpsc::Receiver<(Vec<i64>, Vec<NewOrganizationRow>)>,
    lookup: &Lookup,
    actor: &'a Actor,
    action: &'a str,
    kind: OrgKind,
) -> Result<(Vec<audit::Entries<'a>>, ledger::Contribution), ApiError> {
    let mut change = ledger::Contribution::new();
    let mut entries = Vec::new();
    for (ids, rows) in written {
        let mut batch = ledger::Contribution::new();
        for row in &rows {
            for (key, flows) in create::life(row).contribution() {
                *batch.entry(key).or_default() += flows;
            }
        }
        // The rollups of a sum are the sum of the rollups.
        for (key, flows) in ledger::with_rollups(&batch) {
            *change.entry(key).or_default() += flows;
        }
        let views = ids
            .into_iter()
            .zip(rows)
            .map(|(id, row)| {
                let view = create::view(&lookup.catalog, id, row).ok_or_else(|| {
                    ApiError::Internal(format!("record {id} names a unit not in the catalog"))
                })?;
                Ok((audit::Object::Organization(kind, id), view))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        entries.push(audit::creations(actor, action, views)?);
    }
    change.retain(|_, flows| !flows.is_zero());
    Ok((entries, change))
}

/// Rows per batch: what the checkers hand the writer, and the writer the audit.
const BATCH: usize = 2_000;

/// The rows of a batch, each read into a row to write or what is wrong with it, with
/// its line in the file.
type Checked = Vec<(usize, Result<NewOrganizationRow, Vec<ApiError>>)>;

/// An import file and what its rows are read against.
struct File<'a> {
    columns: &'a [Column],
    lookup: &'a Lookup,
    kind: OrgKind,
    at: chrono::NaiveDateTime,
    records: &'a [csv::Result<csv::StringRecord>],
}

impl<'a> File<'a> {
    /// Checks the batches on other threads, as many as the writing leaves cores for (all
    /// of them in a dry run), and sends each with its number as it is done.
    fn check_in_background<'scope>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        dry_run: bool,
    ) -> mpsc::Receiver<(usize, Checked)>
    where
        'a: 'scope,
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let checkers = if dry_run { cores } else { cores.saturating_sub(1).max(1) };
        let (done, checked) = mpsc::sync_channel(2 * checkers);
        let next = Arc::new(AtomicUsize::new(0));
        for _ in 0..checkers {
            let (done, next) = (done.clone(), Arc::clone(&next));
            scope.spawn(move || loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = self.records.chunks(BATCH).nth(n) else { break };
                // The writer stopped (it failed): nothing waits for the rest.
                if done.send((n, self.check(n * BATCH, batch))).is_err() {
                    break;
                }
            });
        }
        checked
    }

    /// The rows of the batch whose first record is the file's `first`th.
    fn check(&self, first: usize, batch: &[csv::Result<csv::StringRecord>]) -> Checked {
        batch
            .iter()
            .enumerate()
            .map(|(i, record)| {
                // Line 1 is the header.
                let line = first + i + 2;
                let outcome = match record {
                    Ok(row) => read_row(self.columns, self.lookup, row).and_then(|input| {
                        create::prepare(&self.lookup.catalog, self.kind, input, self.at).map_err(|e| vec![e])
                    }),
                    Err(e) => Err(vec![ApiError::invalid("row", format!("cannot be read: {e}"))]),
                };
                (line, outcome)
            })
            .collect()
    }
}

/// Takes the checked batches in file order and, while no row has a problem, writes each
/// (unless `written` is `None`: a dry run) and hands it on to `written`. After a problem
/// it goes on checking, to report every bad row, and writes nothing more: the caller's
/// transaction rolls back what was written. The ids written.
fn write_in_file_order(
    conn: &mut Conn,
    file: &File,
    checked: mpsc::Receiver<(usize, Checked)>,
    written: Option<&mpsc::Sender<(Vec<i64>, Vec<NewOrganizationRow>)>>,
) -> Result<Vec<i64>, ApiError> {
    let mut problems: Vec<(usize, FieldError)> = Vec::new();
    let report = |problems: &mut Vec<_>, line: usize, errors: Vec<ApiError>| {
        for e in errors.into_iter().flat_map(field_errors) {
            let column = columns::header_of(file.columns, &e.field);
            problems.push((line, row_error(line, &column, e.message)));
        }
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut ids = Vec::new();
    let mut early: BTreeMap<usize, Checked> = BTreeMap::new();
    let mut next = 0;
    for (n, batch) in checked {
        early.insert(n, batch);
        while let Some(batch) = early.remove(&next) {
            next += 1;
            let mut rows = Vec::with_capacity(batch.len());
            for (line, outcome) in batch {
                match outcome {
                    Ok(row) => rows.push((line, row)),
                    Err(errors) => report(&mut problems, line, errors),
                }
            }
            // A number is free if no earlier row of the file took it and the register
            // lacks it.
            let unseen =
                rows.iter().map(|(_, r)| r.registration_number.as_str()).filter(|n| !seen.contains(*n));
            let taken = create::taken_numbers(conn, unseen)?;
            for (line, row) in &rows {
                let number = &row.registration_number;
                if taken.contains(number) || !seen.insert(number.clone()) {
                    report(&mut problems, *line, vec![create::number_taken(number)]);
                }
            }
            let Some(written) = written.filter(|_| problems.is_empty()) else { continue };
            let rows: Vec<NewOrganizationRow> = rows.into_iter().map(|(_, row)| row).collect();
            let batch_ids = create::write(conn, &rows)?;
            ids.extend_from_slice(&batch_ids);
            // The audit thread ends only on an error, which the caller reports.
            let _ = written.send((batch_ids, rows));
        }
    }
    if problems.is_empty() {
        return Ok(ids);
    }
    problems.sort_by_key(|(line, _)| *line);
    let count = problems.len();
    let mut errors: Vec<FieldError> = problems.into_iter().take(MAX_LISTED).map(|(_, e)| e).collect();
    if count > errors.len() {
        errors.push(FieldError::new("rows", format!("… {} more problems not listed", count - errors.len())));
    }
    Err(ApiError::Validation(errors))
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

/// The fields the API's input requires, as its schema (derived from the type) lists them.
fn required_fields() -> &'static [String] {
    static REQUIRED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    REQUIRED.get_or_init(|| match <NewOrganization as utoipa::PartialSchema>::schema() {
        utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(object)) => object.required,
        _ => Vec::new(),
    })
}

/// Whether `error` names `field`.
fn names(error: &ApiError, field: &str) -> bool {
    matches!(error, ApiError::Validation(errors) if errors.iter().any(|e| e.field == field))
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
    // Every empty required cell, not only the first that deserializing would name.
    for field in required_fields() {
        if !fields.contains_key(field) && !errors.iter().any(|e| names(e, field)) {
            errors.push(ApiError::invalid(field, "is required"));
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
