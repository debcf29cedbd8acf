//! Per-connection settings: SQLite's pragmas and page caches (with the larger cache of a
//! bulk write), PostgreSQL's statement timeout, and where a SQLite URL's file is.

use std::time::Duration;

use std::time::Instant;

use diesel::connection::{Connection, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::CustomizeConnection;
use diesel::sqlite::SqliteConnection;

use super::Conn;
use crate::error::ApiError;

#[derive(Debug)]
pub(super) struct SqlitePragmas {
    pub(super) busy_timeout_ms: u128,
    /// Page cache of the connection, in KiB.
    pub(super) cache_kib: u32,
    /// Where temporary tables, sorts and statement journals live: `DEFAULT` or `MEMORY`.
    pub(super) temp_store: &'static str,
}

/// SQLite's default page cache (2 MiB) serves readers.
pub(super) const READ_CACHE_KIB: u32 = 2 * 1024;
/// The one writer's page cache between bulk writes. A cache keeps every page it has held
/// up to its size, so a larger one only made the server's memory grow with the pages
/// the writes of a long run touched.
pub(super) const WRITE_CACHE_KIB: u32 = 8 * 1024;
/// The page cache of a bulk write. An import of 100,000 rows dirties some 200 MB; with
/// 64 MiB the cache spilled pages to the WAL and read them back when an index touched
/// them again, and the import took 0.3–0.5 s more (5.2–5.4 s against 4.7–5.0 s). The
/// pages are freed when the bulk write ends (see [`with_bulk_cache`]); a bulk write holds
/// at most this much while it runs.
pub(super) const BULK_CACHE_KIB: u32 = 256 * 1024;

/// Runs `f` (a bulk write) with SQLite's page cache raised to [`BULK_CACHE_KIB`], and
/// gives the connection its own cache size back after, which frees the pages past it.
pub fn with_bulk_cache<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    let Conn::Sqlite(c) = conn else {
        return f(conn);
    };
    let own: i64 =
        diesel::select(sql::<BigInt>("(SELECT cache_size FROM pragma_cache_size())")).get_result(*c)?;
    c.batch_execute(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))?;
    let out = f(conn);
    if let Conn::Sqlite(c) = conn {
        c.batch_execute(&format!("PRAGMA cache_size = {own}"))?;
    }
    out
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first, so that the pragmas below wait for a lock instead of failing.
        // synchronous=FULL: a commit the API acknowledged survives a power loss too.
        // wal_autocheckpoint=0: the WAL is checkpointed by a thread of its own
        // (`Checkpointer`), not by the commit that fills it.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -{};
             PRAGMA temp_store = {};
             PRAGMA wal_autocheckpoint = 0;",
            self.busy_timeout_ms, self.cache_kib, self.temp_store
        ))
        .map_err(diesel::r2d2::Error::QueryError)?;
        trace_statements(conn);
        Ok(())
    }
}

/// Makes PostgreSQL cancel a statement that outlives the request's time limit, so a
/// timed-out request does not leave its query running.
#[derive(Debug)]
pub(super) struct PgStatementTimeout {
    ms: u128,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for PgStatementTimeout {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!("SET statement_timeout = {}", self.ms))
            .map_err(diesel::r2d2::Error::QueryError)?;
        trace_statements(conn);
        Ok(())
    }
}

/// The target that logs every statement with its time (at TRACE):
/// `RUST_LOG=coop_registry::sql=trace` shows what a request ran and what each took.
pub const SQL_TARGET: &str = "coop_registry::sql";

/// Logs the connection's statements when [`SQL_TARGET`] is enabled as the connection is
/// made; otherwise the connection carries no hook at all.
fn trace_statements(conn: &mut impl Connection) {
    if !tracing::enabled!(target: SQL_TARGET, tracing::Level::TRACE) {
        return;
    }
    let mut started = None;
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| match event {
        InstrumentationEvent::StartQuery { .. } => started = Some(Instant::now()),
        InstrumentationEvent::FinishQuery { query, error, .. } => {
            let ms = started.take().map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
            tracing::trace!(target: SQL_TARGET, ms, error = error.map(tracing::field::display), "{query}");
        }
        _ => {}
    });
}

/// The file of a SQLite database URL (`sqlite://path`, `sqlite:path` or a bare path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

pub(super) fn pg_statement_timeout(limit: Option<Duration>) -> PgStatementTimeout {
    // 0 is PostgreSQL's "no limit".
    PgStatementTimeout { ms: limit.map_or(0, |t| t.as_millis().max(1)) }
}

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    use diesel::{Connection, RunQueryDsl};

    use super::*;

    fn cache_size(c: &mut SqliteConnection) -> i64 {
        diesel::select(sql::<BigInt>("(SELECT cache_size FROM pragma_cache_size())")).get_result(c).unwrap()
    }

    #[test]
    fn a_bulk_write_raises_the_page_cache_and_gives_it_back() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        c.batch_execute("PRAGMA cache_size = -1234").unwrap();
        let inside = with_bulk_cache(&mut Conn::Sqlite(&mut c), |conn| match conn {
            Conn::Sqlite(c) => Ok(cache_size(c)),
            Conn::Pg(_) => unreachable!(),
        });
        assert_eq!(inside.unwrap(), -i64::from(BULK_CACHE_KIB));
        assert_eq!(cache_size(&mut c), -1234);
        // Also after a failed bulk write.
        let failed: Result<(), ApiError> =
            with_bulk_cache(&mut Conn::Sqlite(&mut c), |_| Err(ApiError::Internal("boom".into())));
        assert!(failed.is_err());
        assert_eq!(cache_size(&mut c), -1234);
    }
}
