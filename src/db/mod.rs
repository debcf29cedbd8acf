//! Database access over SQLite (embedded default) and PostgreSQL (production).
//!
//! Queries are written once and compiled for each backend by [`on_backend!`]: the macro
//! expands a block once per native connection type, so every query keeps the full feature
//! set of its backend (RETURNING, upserts, backend-specific SQL) and a `match` is needed
//! only where the SQL really differs. Diesel's `MultiConnection` derive was the other
//! option; its shared backend type lacks upserts and raw typed SQL, which the statistics
//! and search code need.

pub mod bulk;
mod checkpoint;
mod lanes;
mod pool;
pub mod rows;
mod settings;
pub mod sql;

pub use pool::{Backend, Db, DbSettings};
pub use settings::{sqlite_path, with_bulk_cache};

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

/// Bytes SQLite has allocated in this process, all connections together.
pub fn sqlite_memory_used() -> i64 {
    // SAFETY: reads SQLite's own allocation counter; callable at any time, from any thread.
    unsafe { libsqlite3_sys::sqlite3_memory_used() }
}

/// Puts SQLite in its multi-thread mode: no mutex around each call on a connection. The
/// pools hand a connection to one thread at a time (Diesel's connection is not `Sync`),
/// which is all that mode asks; the lock and unlock SQLite otherwise takes around every
/// column read were some 8% of the instructions of an export. SQLite takes the mode only
/// before it initializes and its configuration is not thread-safe: call this first thing
/// in `main`, before any other thread runs (if a connection was opened before, SQLite
/// refuses and stays in its serialized mode).
pub fn sqlite_one_thread_per_connection() {
    // SAFETY: a call with this option takes no further argument; the caller ensures no
    // other thread uses SQLite meanwhile.
    unsafe {
        libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD);
    }
}

/// A checked-out connection to whichever backend the database URL named.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

impl Conn<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Pg(_) => Backend::Postgres,
        }
    }
}

/// Runs `$body` with `$c` bound to the native connection (`&mut SqliteConnection` or
/// `&mut PgConnection`); the body is compiled once per backend.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite(inner) => {
                let $c: &mut ::diesel::sqlite::SqliteConnection = &mut **inner;
                $body
            }
            $crate::db::Conn::Pg(inner) => {
                let $c: &mut ::diesel::pg::PgConnection = &mut **inner;
                $body
            }
        }
    };
}

/// Runs `f` inside a savepoint of the caller's transaction and rolls back whatever it
/// wrote: the checks a change would meet, without the change.
pub fn dry_run<T>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, crate::error::ApiError>,
) -> Result<T, crate::error::ApiError> {
    use diesel::connection::SimpleConnection;
    on_backend!(conn, c => c.batch_execute("SAVEPOINT dry_run"))?;
    let outcome = f(conn);
    on_backend!(conn, c => c.batch_execute("ROLLBACK TO SAVEPOINT dry_run; RELEASE SAVEPOINT dry_run"))?;
    outcome
}
