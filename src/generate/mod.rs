//! `coop-registry generate`: fills an empty database with a synthetic national register
//! for benchmarks — 60 test provinces of 11 districts each, the cooperatives asked for
//! and, drawn among them, unions (one for 95 cooperatives) and cooperative groups (four
//! for 95) over every sector, registered 1998–2024, with capital, member and location
//! histories (ten entries per cooperative and union unless asked otherwise),
//! dissolutions and alliance admissions, and the statistics tables the ledger would hold
//! for them.
//!
//! Everything is written with multi-row INSERTs in transactions of about 50,000 rows;
//! the statistics are summed in memory from each unit's [`Life`](crate::stats::ledger::Life)
//! and written by [`crate::stats::rebuild`]. A million units take a few minutes.

mod names;
pub mod plan;
mod rows;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::db::bulk::{db_error, in_transaction, ROWS_PER_TRANSACTION};
use crate::db::{Backend, Conn, Db, DbSettings};
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{cooperative_groups, districts, organizations, provinces, stat_keys};
use crate::stats::rebuild::{write_contributions_reporting, FlowMap};
use plan::Planner;
pub use rows::write_units;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Cooperatives (unions and cooperative groups come on top of them).
    pub cooperatives: usize,
    /// Capital, member and location entries of each cooperative and union together.
    pub history: usize,
    pub seed: u64,
    /// Print progress and phase times to stderr.
    pub progress: bool,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub cooperatives: usize,
    /// Cooperatives and unions.
    pub organizations: i64,
    pub groups: i64,
    pub capital_entries: usize,
    pub member_entries: usize,
    pub location_entries: usize,
    pub stat_keys: usize,
    pub stat_daily: usize,
    pub stat_monthly: usize,
}

/// Units planned and written per transaction (about 50,000 rows with their histories).
const UNITS_PER_CHUNK: usize = ROWS_PER_TRANSACTION / 10;

/// Applies the migrations, then generates into the database at `url` over a connection
/// of its own (outside any pool, so each chunk commits on its own).
pub fn run(url: &str, options: &Options) -> Result<Generated, String> {
    let settings = DbSettings {
        url: url.to_owned(),
        pool_size: 1,
        acquire_timeout: Duration::from_secs(30),
        query_timeout: None,
    };
    drop(Db::connect(&settings)?);
    let fail = |e: ApiError| format!("generating failed: {e}");
    match Backend::from_url(url) {
        Backend::Sqlite => {
            let path = crate::db::sqlite_path(url);
            let mut c = SqliteConnection::establish(path).map_err(|e| format!("cannot open {path}: {e}"))?;
            // No fsync while generating (a failed run leaves a database to delete anyway);
            // the final checkpoint syncs everything. A large cache keeps the indexes in
            // memory.
            c.batch_execute(
                "PRAGMA busy_timeout = 30000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = OFF;
                 PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -524288;
                 PRAGMA temp_store = MEMORY;",
            )
            .map_err(|e| e.to_string())?;
            generate(&mut Conn::Sqlite(&mut c), options).map_err(fail)
        }
        Backend::Postgres => {
            let mut c =
                PgConnection::establish(url).map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
            generate(&mut Conn::Pg(&mut c), options).map_err(fail)
        }
    }
}

struct Progress {
    on: bool,
    started: Instant,
}

impl Progress {
    fn say(&self, message: std::fmt::Arguments) {
        if self.on {
            eprintln!("[{:8.1} s] {message}", self.started.elapsed().as_secs_f64());
        }
    }
}

/// Generates into an empty register on `conn` (not inside a transaction: it commits as
/// it goes).
pub fn generate(conn: &mut Conn, options: &Options) -> Result<Generated, ApiError> {
    let progress = Progress { on: options.progress, started: Instant::now() };
    let (organizations, groups, keys): (i64, i64, i64) = on_backend!(conn, c => (
        organizations::table.count().get_result(c).map_err(db_error)?,
        cooperative_groups::table.count().get_result(c).map_err(db_error)?,
        stat_keys::table.count().get_result(c).map_err(db_error)?,
    ));
    if organizations > 0 || groups > 0 || keys > 0 {
        return Err(ApiError::Conflict {
            detail: format!(
                "the register is not empty ({organizations} cooperatives and unions, {groups} cooperative \
                 groups, {keys} statistics keys); generate fills an empty database only"
            ),
            errors: vec![],
        });
    }

    let started = Instant::now();
    let (provinces, districts) = in_transaction(conn, write_reference_data)?;
    progress.say(format_args!(
        "reference data: {provinces} provinces, {districts} districts added in {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let mut out = Generated::default();
    let mut planner = Planner::new(options.seed, options.history);
    let mut flows = FlowMap::new();
    let (mut planning, mut writing, mut summing) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let target = options.cooperatives;
    let mut next_report = target / 10;
    while planner.cooperatives() < target {
        let t = Instant::now();
        let mut units = Vec::with_capacity(UNITS_PER_CHUNK);
        while units.len() < UNITS_PER_CHUNK && planner.cooperatives() < target {
            units.push(planner.next_unit());
        }
        planning += t.elapsed();

        let t = Instant::now();
        let rows = in_transaction(conn, |conn| write_units(conn, &units))?;
        out.capital_entries += rows.0;
        out.member_entries += rows.1;
        out.location_entries += rows.2;
        writing += t.elapsed();

        let t = Instant::now();
        for unit in &units {
            for (k, f) in unit.life().contribution() {
                *flows.entry(k).or_default() += f;
            }
        }
        summing += t.elapsed();

        let done = planner.cooperatives();
        if done >= next_report || done == target {
            progress.say(format_args!(
                "cooperatives: {done}/{target} ({:.0}%), {:.0} units/s",
                100.0 * done as f64 / target as f64,
                (planner.organizations() + planner.groups()) as f64 / started.elapsed().as_secs_f64()
            ));
            next_report += target / 10;
        }
    }
    out.cooperatives = planner.cooperatives();
    out.organizations = planner.organizations();
    out.groups = planner.groups();
    if let Conn::Pg(c) = conn {
        // Units the API registers later take ids after these.
        for table in ["organizations", "cooperative_groups"] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            ))
            .execute(*c)
            .map_err(db_error)?;
        }
    }
    progress.say(format_args!(
        "units written: {} cooperatives and unions, {} groups, {} capital, {} member, {} location \
         entries (planning {:.1} s, inserting {:.1} s, summing statistics {:.1} s)",
        out.organizations,
        out.groups,
        out.capital_entries,
        out.member_entries,
        out.location_entries,
        planning.as_secs_f64(),
        writing.as_secs_f64(),
        summing.as_secs_f64()
    ));

    let written = write_contributions_reporting(conn, &flows, &mut |table, rows, took| {
        progress.say(format_args!("{table}: {rows} rows in {:.1} s", took.as_secs_f64()))
    })?;
    out.stat_keys = written.keys;
    out.stat_daily = written.daily;
    out.stat_monthly = written.monthly;
    drop(flows);

    let t = Instant::now();
    match conn {
        // Fresh statistics for the planner, as autovacuum would gather them, and the
        // visibility map for index-only scans.
        Conn::Pg(c) => c.batch_execute("VACUUM ANALYZE").map_err(db_error)?,
        // Fold the write-ahead log into the database file, on disk.
        Conn::Sqlite(c) => c
            .batch_execute("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(db_error)?,
    }
    progress.say(format_args!(
        "{} in {:.1} s; done",
        if conn.backend() == Backend::Postgres { "VACUUM ANALYZE" } else { "WAL checkpoint" },
        t.elapsed().as_secs_f64()
    ));
    Ok(out)
}

fn day_1997() -> NaiveDate {
    NaiveDate::from_ymd_opt(1997, 1, 1).expect("valid date")
}

/// The test provinces and their districts (those not there yet); returns how many were
/// added.
pub fn write_reference_data(conn: &mut Conn) -> Result<(usize, usize), ApiError> {
    let first = provinces::table.find(plan::FIRST_PROVINCE).select(provinces::id);
    if on_backend!(conn, c => first.first::<i64>(c).optional().map_err(db_error)?).is_some() {
        return Ok((0, 0));
    }
    let ids: Vec<i64> = (0..plan::PROVINCES).map(plan::province_id).collect();
    let province_rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                provinces::id.eq(*id),
                provinces::code.eq(plan::province_code(*id)),
                provinces::name.eq(plan::province_name(*id)),
                provinces::kind.eq("province"),
                provinces::valid_from.eq(day_1997()),
            )
        })
        .collect();
    let district_rows: Vec<_> = ids
        .iter()
        .flat_map(|p| (1..=plan::DISTRICTS_PER_PROVINCE).map(move |k| (*p, k)))
        .map(|(p, k)| {
            let id = plan::district_id(p, k);
            (
                districts::id.eq(id),
                districts::province_id.eq(p),
                districts::code.eq(format!("{}-{k:02}", plan::province_code(p))),
                districts::name.eq(plan::district_name(id)),
                districts::kind.eq(if k == 1 { "city" } else { "district" }),
                districts::valid_from.eq(day_1997()),
            )
        })
        .collect();
    on_backend!(conn, c => {
        diesel::insert_into(provinces::table).values(&province_rows).execute(c).map_err(db_error)?;
        diesel::insert_into(districts::table).values(&district_rows).execute(c).map_err(db_error)?;
    });
    Ok((province_rows.len(), district_rows.len()))
}
