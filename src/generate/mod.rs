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

pub mod plan;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::db::bulk::{db_error, in_transaction, insert_all, rows_per_statement, ROWS_PER_TRANSACTION};
use crate::db::{Backend, Conn, Db, DbSettings};
use crate::error::ApiError;
use crate::on_backend;
use crate::organizations::tails;
use crate::schema::{
    capital_entries, cooperative_groups, districts, location_entries, member_entries, organizations,
    provinces, stat_keys,
};
use crate::stats::rebuild::{write_contributions_reporting, FlowMap};
use plan::{Kind, Planner, Unit};

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

fn at_eight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(8, 0, 0).expect("valid time"))
}

#[derive(Insertable)]
#[diesel(table_name = organizations)]
#[diesel(treat_none_as_default_value = false)]
struct OrganizationRow<'a> {
    id: i64,
    kind: &'static str,
    registration_number: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    abbreviation: Option<&'a str>,
    name_key: &'a str,
    search_text: String,
    sector_id: i64,
    province_id: i64,
    district_id: Option<i64>,
    address: &'a str,
    legal_representative: &'a str,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    registration_date: NaiveDate,
    status: &'static str,
    dissolution_date: Option<NaiveDate>,
    charter_capital: i64,
    member_count: i32,
    alliance_admission_date: Option<NaiveDate>,
    alliance_batch: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = capital_entries)]
#[diesel(treat_none_as_default_value = false)]
struct CapitalRow {
    organization_id: i64,
    effective_date: NaiveDate,
    charter_capital: i64,
    note: Option<&'static str>,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = member_entries)]
#[diesel(treat_none_as_default_value = false)]
struct MemberRow {
    organization_id: i64,
    effective_date: NaiveDate,
    member_count: i32,
    note: Option<&'static str>,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = location_entries)]
#[diesel(treat_none_as_default_value = false)]
struct LocationRow<'a> {
    organization_id: i64,
    effective_date: NaiveDate,
    province_id: i64,
    district_id: Option<i64>,
    address: &'a str,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = cooperative_groups)]
#[diesel(treat_none_as_default_value = false)]
struct GroupRow<'a> {
    id: i64,
    name: &'a str,
    name_key: String,
    search_text: String,
    sector_id: i64,
    province_id: i64,
    district_id: Option<i64>,
    address: Option<&'a str>,
    representative: Option<&'a str>,
    founding_date: NaiveDate,
    member_count: i32,
    status: &'static str,
    dissolution_date: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

fn status(u: &Unit) -> &'static str {
    if u.dissolved.is_some() {
        "dissolved"
    } else {
        "active"
    }
}

/// The row of unit `u`, whose name's key is `name_key`.
fn organization_row<'a>(u: &'a Unit, name_key: &'a str) -> OrganizationRow<'a> {
    let search_text = format!("{name_key} {}", plan::name_key(&u.registration_number));
    let location = u.location();
    OrganizationRow {
        id: u.id,
        kind: u.kind.key(),
        registration_number: &u.registration_number,
        name: &u.name,
        name_en: None,
        abbreviation: None,
        name_key,
        search_text,
        sector_id: u.sector_id,
        province_id: location.province_id,
        district_id: Some(location.district_id),
        address: &location.address,
        legal_representative: &u.representative,
        phone: u.phone.as_deref(),
        email: None,
        registration_date: u.registered,
        status: status(u),
        dissolution_date: u.dissolved,
        charter_capital: u.capital_now(),
        member_count: u.members_now(),
        alliance_admission_date: u.admitted.as_ref().map(|a| a.0),
        alliance_batch: u.admitted.as_ref().map(|a| a.1.as_str()),
        created_at: at_eight(u.registered),
        updated_at: at_eight(u.last_change()),
        version: u.version(),
    }
}

fn group_row(u: &Unit) -> GroupRow<'_> {
    let name_key = plan::name_key(&u.name);
    let location = u.location();
    GroupRow {
        id: u.id,
        name: &u.name,
        search_text: name_key.clone(),
        name_key,
        sector_id: u.sector_id,
        province_id: location.province_id,
        district_id: Some(location.district_id),
        address: Some(&location.address),
        representative: Some(&u.representative),
        founding_date: u.registered,
        member_count: u.members_now(),
        status: status(u),
        dissolution_date: u.dissolved,
        created_at: at_eight(u.registered),
        updated_at: at_eight(u.last_change()),
        version: u.version(),
    }
}

/// Notes of history entries after the registration, as the demo writes them.
fn change_note(grew: bool, capital: bool) -> Option<&'static str> {
    Some(match (capital, grew) {
        (true, true) => "Tăng vốn điều lệ theo nghị quyết Đại hội thành viên",
        (true, false) => "Giảm vốn điều lệ do thành viên rút vốn góp",
        (false, true) => "Kết nạp thành viên mới",
        (false, false) => "Thành viên ra khỏi hợp tác xã",
    })
}

/// Writes the units (not their statistics); returns the capital, member and location
/// entries written.
pub fn write_units(conn: &mut Conn, units: &[Unit]) -> Result<(usize, usize, usize), ApiError> {
    let organizations: Vec<&Unit> = units.iter().filter(|u| !u.is_group()).collect();
    let groups = units.iter().filter(|u| u.kind == Kind::Group).map(group_row);
    let keys: Vec<(i64, String)> = organizations.iter().map(|u| (u.id, plan::name_key(&u.name))).collect();
    let rows: Vec<OrganizationRow> =
        organizations.iter().zip(&keys).map(|(u, (_, key))| organization_row(u, key)).collect();
    for chunk in rows.chunks(rows_per_statement(25)) {
        on_backend!(conn, c => diesel::insert_into(organizations::table).values(chunk).execute(c))
            .map_err(db_error)?;
    }
    tails::write(
        conn,
        rows.iter().map(|row| tails::Filed {
            id: row.id,
            name_key: row.name_key,
            kind: row.kind,
            status: row.status,
            sector_id: row.sector_id,
            province_id: row.province_id,
            district_id: row.district_id,
            registration_date: row.registration_date,
        }),
    )?;
    insert_all(
        conn,
        groups,
        rows_per_statement(16),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(cooperative_groups::table).values(rows).execute(c)),
    )?;
    let capital = organizations.iter().flat_map(|u| {
        u.capital.iter().enumerate().map(|(i, (day, amount))| CapitalRow {
            organization_id: u.id,
            effective_date: *day,
            charter_capital: *amount,
            note: if i == 0 { None } else { change_note(*amount >= u.capital[i - 1].1, true) },
            recorded_at: at_eight(*day),
        })
    });
    let capital = insert_all(
        conn,
        capital,
        rows_per_statement(5),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(capital_entries::table).values(rows).execute(c)),
    )?;
    let members = organizations.iter().flat_map(|u| {
        u.members.iter().enumerate().map(|(i, (day, count))| MemberRow {
            organization_id: u.id,
            effective_date: *day,
            member_count: *count,
            note: if i == 0 { None } else { change_note(*count >= u.members[i - 1].1, false) },
            recorded_at: at_eight(*day),
        })
    });
    let members = insert_all(
        conn,
        members,
        rows_per_statement(5),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(member_entries::table).values(rows).execute(c)),
    )?;
    let locations = organizations.iter().flat_map(|u| {
        u.locations.iter().map(|l| LocationRow {
            organization_id: u.id,
            effective_date: l.from,
            province_id: l.province_id,
            district_id: Some(l.district_id),
            address: &l.address,
            recorded_at: at_eight(l.from),
        })
    });
    let locations = insert_all(
        conn,
        locations,
        rows_per_statement(6),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(location_entries::table).values(rows).execute(c)),
    )?;
    Ok((capital, members, locations))
}
