//! Connection pools, per-connection settings and migrations.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::Conn;
use crate::error::ApiError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs name PostgreSQL; anything else is a SQLite
    /// file path, with or without a `sqlite://` prefix.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbSettings {
    pub url: String,
    /// Read connections (PostgreSQL: all connections).
    pub pool_size: u32,
    /// How long a request waits for a free connection (and SQLite for a lock).
    pub acquire_timeout: Duration,
}

fn pg_pool(url: &str, settings: &DbSettings, role: &str) -> Result<PgPool, String> {
    Pool::builder()
        .max_size(settings.pool_size.max(2))
        .connection_timeout(settings.acquire_timeout)
        .build(ConnectionManager::<PgConnection>::new(url))
        .map_err(|e| format!("cannot connect to PostgreSQL ({role}): {e}"))
}

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;
type PgPool = Pool<ConnectionManager<PgConnection>>;

/// The application's database handle; cheap to clone.
#[derive(Clone)]
pub enum Db {
    /// SQLite allows one writer at a time: a single-connection write pool queues writers
    /// in the process instead of letting them collide on the file lock.
    Sqlite { read: SqlitePool, write: SqlitePool },
    /// Writes, and reads that must see them, go to `pool` (the primary); other reads to
    /// `replica` when there is one.
    Pg { pool: PgPool, replica: Option<PgPool> },
}

#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout_ms: u128,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first, so that the pragmas below wait for a lock instead of failing.
        // synchronous=FULL: a commit the API acknowledged survives a power loss too.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;",
            self.busy_timeout_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

impl Db {
    /// Opens the pools and applies pending migrations.
    pub fn connect(settings: &DbSettings) -> Result<Db, String> {
        let db = match Backend::from_url(&settings.url) {
            Backend::Sqlite => {
                let path = sqlite_path(&settings.url).to_owned();
                let pragmas =
                    || Box::new(SqlitePragmas { busy_timeout_ms: settings.acquire_timeout.as_millis() });
                let build = |size: u32| {
                    Pool::builder()
                        .max_size(size)
                        .connection_timeout(settings.acquire_timeout)
                        .connection_customizer(pragmas())
                        .build(ConnectionManager::<SqliteConnection>::new(path.clone()))
                        .map_err(|e| format!("cannot open SQLite database {path}: {e}"))
                };
                // The writer first: it creates the file and switches it to WAL.
                let write = build(1)?;
                let read = build(settings.pool_size.max(1))?;
                Db::Sqlite { read, write }
            }
            Backend::Postgres => Db::Pg { pool: pg_pool(&settings.url, settings, "primary")?, replica: None },
        };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Pg { .. } => Backend::Postgres,
        }
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, String> {
        let applied = match self {
            Db::Sqlite { write, .. } => {
                let mut c = write.get().map_err(|e| e.to_string())?;
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
            }
            Db::Pg { pool, .. } => {
                let mut c = pool.get().map_err(|e| e.to_string())?;
                c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len())
            }
        };
        applied.map_err(|e| format!("migration failed: {e}"))
    }

    /// Sends reads that need not see the latest writes to a PostgreSQL read replica (a
    /// pool of its own, sized like the primary's). Its schema is the primary's, by
    /// replication: no migrations run there.
    pub fn with_replica(self, url: &str, settings: &DbSettings) -> Result<Db, String> {
        match self {
            Db::Pg { pool, .. } => {
                Ok(Db::Pg { pool, replica: Some(pg_pool(url, settings, "read replica")?) })
            }
            Db::Sqlite { .. } => Err("a read replica (DATABASE_READ_URL) needs PostgreSQL".into()),
        }
    }

    /// True when reads may go to a replica.
    pub fn has_replica(&self) -> bool {
        matches!(self, Db::Pg { replica: Some(_), .. })
    }

    /// The same database with every read on the primary: for requests that must see
    /// their own writes.
    pub fn on_primary(&self) -> Db {
        match self {
            Db::Pg { pool, .. } => Db::Pg { pool: pool.clone(), replica: None },
            sqlite => sqlite.clone(),
        }
    }

    /// Runs `f` on a read connection (the replica's, when there is one), synchronously
    /// (call from blocking contexts).
    pub fn read_blocking<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match self {
            Db::Sqlite { read, .. } => {
                let mut c: PooledConnection<_> = read.get()?;
                f(&mut Conn::Sqlite(&mut c))
            }
            Db::Pg { pool, replica } => {
                let mut c = replica.as_ref().unwrap_or(pool).get()?;
                f(&mut Conn::Pg(&mut c))
            }
        }
    }

    /// Runs `f` in a write transaction, synchronously. On SQLite the transaction starts
    /// with `BEGIN IMMEDIATE`, so it waits for the write lock up front instead of failing
    /// when a read transaction upgrades.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match self {
            Db::Sqlite { write, .. } => {
                let mut c = write.get()?;
                c.immediate_transaction(|c| f(&mut Conn::Sqlite(c)))
            }
            Db::Pg { pool, .. } => {
                let mut c = pool.get()?;
                c.transaction(|c| f(&mut Conn::Pg(c)))
            }
        }
    }

    /// Runs read-only database work on actix's blocking thread pool, off the workers.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.read_blocking(f)).await?
    }

    /// Runs `f` in one write transaction on the blocking thread pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(f)).await?
    }

    /// True when a connection (of the primary, and of the replica if any) can be checked
    /// out and answers a trivial query.
    pub fn ping(&self) -> bool {
        let answers = |db: &Db| {
            db.read_blocking(
                |c| crate::on_backend!(c, c => c.batch_execute("SELECT 1").map_err(ApiError::from)),
            )
            .is_ok()
        };
        answers(&self.on_primary()) && (!self.has_replica() || answers(self))
    }
}
