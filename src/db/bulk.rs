//! Writing many rows outside a request: Diesel batch inserts in statements of bounded
//! size and transactions of bounded length (the generator, the statistics' bulk write),
//! and the helpers they share. Bulk writes inside a request bind flat values instead
//! (see [`super::rows`]).

use diesel::prelude::*;

use super::rows::VALUES_PER_STATEMENT;
use super::Conn;
use crate::error::ApiError;

/// Rows committed per transaction (when the caller has none open; inside the caller's
/// transaction these are savepoints).
pub const ROWS_PER_TRANSACTION: usize = 50_000;

/// Rows per multi-row statement for a table of `columns` columns (at most 2,000), within
/// the bound values a statement takes (see [`VALUES_PER_STATEMENT`]).
pub fn rows_per_statement(columns: usize) -> usize {
    (VALUES_PER_STATEMENT / columns.max(1)).clamp(1, 2_000)
}

/// A database error with its message kept (the API's mapping hides it from clients).
pub fn db_error(e: diesel::result::Error) -> ApiError {
    ApiError::Internal(format!("database error: {e}"))
}

/// Runs `f` in a transaction (a savepoint if one is open already).
pub fn in_transaction<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match conn {
        Conn::Sqlite(c) => c.transaction(|c| f(&mut Conn::Sqlite(c))),
        Conn::Pg(c) => c.transaction(|c| f(&mut Conn::Pg(c))),
    }
}

/// Writes `rows` with one multi-row INSERT per `per_statement` rows, committing every
/// [`ROWS_PER_TRANSACTION`] rows; returns how many were written.
pub fn insert_all<R>(
    conn: &mut Conn,
    rows: impl IntoIterator<Item = R>,
    per_statement: usize,
    insert: impl Fn(&mut Conn, &[R]) -> Result<usize, diesel::result::Error>,
) -> Result<usize, ApiError> {
    let mut written = 0;
    let mut pending = Vec::with_capacity(ROWS_PER_TRANSACTION);
    let mut flush = |conn: &mut Conn, pending: &mut Vec<R>| -> Result<(), ApiError> {
        in_transaction(conn, |conn| {
            for chunk in pending.chunks(per_statement) {
                insert(conn, chunk).map_err(db_error)?;
            }
            Ok(())
        })?;
        written += pending.len();
        pending.clear();
        Ok(())
    };
    for row in rows {
        pending.push(row);
        if pending.len() == ROWS_PER_TRANSACTION {
            flush(conn, &mut pending)?;
        }
    }
    if !pending.is_empty() {
        flush(conn, &mut pending)?;
    }
    Ok(written)
}
