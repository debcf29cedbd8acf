//! Connection pools and migrations (each connection's settings: [`super::settings`]).

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::checkpoint::Checkpointer;
use super::lanes::{Lane, Lanes};
use super::settings::{pg_statement_timeout, sqlite_path, SqlitePragmas, READ_CACHE_KIB, WRITE_CACHE_KIB};
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
    /// How long a request's database work may take before it answers 503 (PostgreSQL
    /// also cancels the statement); `None`: no limit.
    pub query_timeout: Option<Duration>,
}

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;
type PgPool = Pool<ConnectionManager<PgConnection>>;

/// The application's database handle; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pools: Pools,
    lanes: Lanes,
    query_timeout: Option<Duration>,
    /// SQLite: checkpoints the WAL while any clone lives.
    _checkpointer: Option<Arc<Checkpointer>>,
}

#[derive(Clone)]
enum Pools {
    /// SQLite allows one writer at a time: a single-connection write pool queues writers
    /// in the process instead of letting them collide on the file lock.
    Sqlite { read: SqlitePool, write: SqlitePool },
    /// Writes, and reads that must see them, go to `pool` (the primary); other reads to
    /// `replica` when there is one.
    Pg { pool: PgPool, replica: Option<PgPool> },
}

fn pg_pool(url: &str, settings: &DbSettings, role: &str) -> Result<PgPool, String> {
    Pool::builder()
        .max_size(settings.pool_size.max(2))
        .connection_timeout(settings.acquire_timeout)
        .connection_customizer(Box::new(pg_statement_timeout(settings.query_timeout)))
        .build(ConnectionManager::<PgConnection>::new(url))
        .map_err(|e| format!("cannot connect to PostgreSQL ({role}): {e}"))
}

impl Db {
    /// Opens the pools and applies pending migrations.
    pub fn connect(settings: &DbSettings) -> Result<Db, String> {
        let mut checkpointer = None;
        let pools = match Backend::from_url(&settings.url) {
            Backend::Sqlite => {
                let path = sqlite_path(&settings.url).to_owned();
                let pragmas = |cache_kib, temp_store| {
                    Box::new(SqlitePragmas {
                        busy_timeout_ms: settings.acquire_timeout.as_millis(),
                        cache_kib,
                        temp_store,
                    })
                };
                let build = |size: u32, cache_kib: u32, temp_store: &'static str| {
                    // A SQLite connection is a file handle that cannot go stale: no
                    // `SELECT 1` before each request.
                    Pool::builder()
                        .max_size(size)
                        .test_on_check_out(false)
                        .connection_timeout(settings.acquire_timeout)
                        .connection_customizer(pragmas(cache_kib, temp_store))
                        .build(ConnectionManager::<SqliteConnection>::new(path.clone()))
                        .map_err(|e| format!("cannot open SQLite database {path}: {e}"))
                };
                // The writer first: it creates the file and switches it to WAL. Inside a
                // transaction each multi-row write keeps a journal of the pages it
                // changes, to undo itself alone; past 64 KiB SQLite wrote it to a
                // temporary file, some 7% of an import's time. The writer keeps its
                // temporary files in memory (the pragma cannot change in a transaction).
                let write = build(1, WRITE_CACHE_KIB, "MEMORY")?;
                let read = build(settings.pool_size.max(1), READ_CACHE_KIB, "DEFAULT")?;
                checkpointer = Some(Arc::new(Checkpointer::start(&path)?));
                Pools::Sqlite { read, write }
            }
            Backend::Postgres => {
                Pools::Pg { pool: pg_pool(&settings.url, settings, "primary")?, replica: None }
            }
        };
        // As many places for work as connections for it: SQLite has one writer.
        let writers = match pools {
            Pools::Sqlite { .. } => 1,
            Pools::Pg { .. } => settings.pool_size,
        };
        let lanes = Lanes::new(settings.pool_size, writers, settings.acquire_timeout);
        let db = Db { pools, lanes, query_timeout: settings.query_timeout, _checkpointer: checkpointer };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Pg { .. } => Backend::Postgres,
        }
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, String> {
        let applied = match &self.pools {
            Pools::Sqlite { write, .. } => {
                let mut c = write.get().map_err(|e| e.to_string())?;
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
            }
            Pools::Pg { pool, .. } => {
                let mut c = pool.get().map_err(|e| e.to_string())?;
                // Migrations may outlast a request's limit; the connection gets the limit
                // back before it returns to the pool.
                c.batch_execute("SET statement_timeout = 0").map_err(|e| e.to_string())?;
                let ran = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
                pg_statement_timeout(self.query_timeout).on_acquire(&mut c).map_err(|e| e.to_string())?;
                ran
            }
        };
        applied.map_err(|e| format!("migration failed: {e}"))
    }

    /// Sends reads that need not see the latest writes to a PostgreSQL read replica (a
    /// pool of its own, sized like the primary's). Its schema is the primary's, by
    /// replication: no migrations run there.
    pub fn with_replica(self, url: &str, settings: &DbSettings) -> Result<Db, String> {
        match self.pools {
            Pools::Pg { pool, .. } => {
                let replica = Some(pg_pool(url, settings, "read replica")?);
                Ok(Db { pools: Pools::Pg { pool, replica }, ..self })
            }
            Pools::Sqlite { .. } => Err("a read replica (DATABASE_READ_URL) needs PostgreSQL".into()),
        }
    }

    /// True when reads may go to a replica.
    pub fn has_replica(&self) -> bool {
        matches!(self.pools, Pools::Pg { replica: Some(_), .. })
    }

    /// The same database with every read on the primary: for requests that must see
    /// their own writes.
    pub fn on_primary(&self) -> Db {
        match &self.pools {
            Pools::Pg { pool, .. } => {
                Db { pools: Pools::Pg { pool: pool.clone(), replica: None }, ..self.clone() }
            }
            Pools::Sqlite { .. } => self.clone(),
        }
    }

    /// Runs `f` on a read connection (the replica's, when there is one), synchronously
    /// (call from blocking contexts).
    pub fn read_blocking<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let mut c: PooledConnection<_> = read.get()?;
                f(&mut Conn::Sqlite(&mut c))
            }
            Pools::Pg { pool, replica } => {
                let mut c = replica.as_ref().unwrap_or(pool).get()?;
                f(&mut Conn::Pg(&mut c))
            }
        }
    }

    /// Runs `f` on one read connection (the replica's, when there is one) inside one
    /// read-only transaction, synchronously: every read of `f` sees the database as it
    /// was at its first. SQLite's transaction is deferred and only reads: in WAL mode it
    /// takes no lock a writer waits for.
    pub fn snapshot_blocking<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match &self.pools {
            Pools::Sqlite { read, .. } => {
                let mut c = read.get()?;
                c.transaction(|c| f(&mut Conn::Sqlite(c)))
            }
            Pools::Pg { pool, replica } => {
                let mut c = replica.as_ref().unwrap_or(pool).get()?;
                c.build_transaction().read_only().repeatable_read().run(|c| f(&mut Conn::Pg(c)))
            }
        }
    }

    /// How long a request's database work may take (`None`: no limit).
    pub fn query_timeout(&self) -> Option<Duration> {
        self.query_timeout
    }

    /// Runs `f` in a write transaction, synchronously. On SQLite the transaction starts
    /// with `BEGIN IMMEDIATE`, so it waits for the write lock up front instead of failing
    /// when a read transaction upgrades.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let mut c = write.get()?;
                c.immediate_transaction(|c| f(&mut Conn::Sqlite(c)))
            }
            Pools::Pg { pool, .. } => {
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
        self.limited(Lane::Read, self.query_timeout, move || db.read_blocking(f)).await
    }

    /// Runs `f` in one write transaction on the blocking thread pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Conn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        self.limited(Lane::Write, self.query_timeout, move || db.write_blocking(f)).await
    }

    /// Runs `job` on the blocking pool once `lane` has a place for it; past `limit` the
    /// request answers 503 instead of waiting on (PostgreSQL cancels the statement
    /// itself; SQLite finishes it unseen, still holding its place). Failures of the
    /// database are counted for `/metrics`.
    async fn limited<T: Send + 'static>(
        &self,
        lane: Lane,
        limit: Option<Duration>,
        job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let lanes = self.lanes.clone();
        let running = async move {
            let place = lanes.enter(lane).await?;
            actix_web::web::block(move || {
                let done = job();
                drop(place);
                done
            })
            .await?
        };
        let result = match limit {
            None => running.await,
            Some(limit) => match actix_web::rt::time::timeout(limit, running).await {
                Ok(done) => done,
                Err(_) => Err(ApiError::Unavailable("the database did not answer in time".into())),
            },
        };
        if let Err(e) = &result {
            crate::metrics::count_db_error(e);
        }
        result
    }

    /// True when a connection can be had and answers a trivial query, all within `limit`.
    pub async fn ready(&self, limit: Duration) -> bool {
        let db = self.clone();
        let ping = move || {
            let select_1 = |c: &mut Conn| crate::on_backend!(c, c => c.batch_execute("SELECT 1").map_err(ApiError::from));
            match &db.pools {
                Pools::Sqlite { read, .. } => select_1(&mut Conn::Sqlite(&mut *read.get_timeout(limit)?)),
                Pools::Pg { pool, replica } => {
                    select_1(&mut Conn::Pg(&mut *pool.get_timeout(limit)?))?;
                    match replica {
                        Some(replica) => select_1(&mut Conn::Pg(&mut *replica.get_timeout(limit)?)),
                        None => Ok(()),
                    }
                }
            }
        };
        self.limited(Lane::Read, Some(limit), ping).await.is_ok()
    }

    /// Connections of each pool: (pool, in use, idle).
    pub fn pool_usage(&self) -> Vec<(&'static str, u32, u32)> {
        let usage = |name, state: diesel::r2d2::State| {
            (name, state.connections - state.idle_connections, state.idle_connections)
        };
        match &self.pools {
            Pools::Sqlite { read, write } => vec![usage("read", read.state()), usage("write", write.state())],
            Pools::Pg { pool, replica } => {
                let mut pools = vec![usage("main", pool.state())];
                pools.extend(replica.as_ref().map(|r| usage("replica", r.state())));
                pools
            }
        }
    }
}
