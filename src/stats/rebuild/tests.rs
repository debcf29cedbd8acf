//! The bulk write compared with the incremental ledger and with a recount.

use chrono::{Days, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;

use super::*;
use crate::db::bulk::in_transaction;
use crate::db::{Db, DbSettings};
use crate::generate::plan::{self, Unit};
use crate::generate::{self, Options};
use crate::rng::Rng;
use crate::stats::ledger::{settle, Contribution};
use crate::stats::queries::{totals_as_of, Scope};

const COOPERATIVES: usize = 300;
const SEED: u64 = 2024;

fn options(cooperatives: usize) -> Options {
    Options { cooperatives, history: plan::HISTORY_ENTRIES, seed: 1, progress: false }
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A migrated, empty SQLite database in `dir`, and a connection to it.
fn empty_db(dir: &tempfile::TempDir, name: &str) -> (String, SqliteConnection) {
    let url = dir.path().join(name).to_str().unwrap().to_owned();
    let settings = DbSettings {
        url: url.clone(),
        pool_size: 1,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: None,
    };
    drop(Db::connect(&settings).unwrap());
    let mut c = SqliteConnection::establish(&url).unwrap();
    c.batch_execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF;").unwrap();
    (url, c)
}

/// The totals per key at the end of `day`, counted from the units' facts directly.
fn recount(units: &[Unit], day: NaiveDate) -> BTreeMap<StatKey, Flows> {
    let mut out: BTreeMap<StatKey, Flows> = BTreeMap::new();
    for u in units {
        let key_at = |at: NaiveDate| {
            let l = u.locations.iter().rev().find(|l| l.from <= at).unwrap_or(&u.locations[0]);
            StatKey {
                kind: u.kind.key(),
                province_id: l.province_id,
                district_key: l.district_id,
                sector_id: u.sector_id,
            }
        };
        let alive = |at: NaiveDate| at >= u.registered && u.dissolved.is_none_or(|end| at < end);
        if u.registered <= day {
            out.entry(key_at(u.registered)).or_default().registered += 1;
        }
        if alive(day) {
            let capital = u.capital.iter().rev().find(|c| c.0 <= day).map_or(0, |c| c.1);
            let members = u.members.iter().rev().find(|m| m.0 <= day).map_or(0, |m| m.1);
            let f = out.entry(key_at(day)).or_default();
            f.active += 1;
            f.capital += capital;
            f.members += i64::from(members);
        }
        if let Some(end) = u.dissolved.filter(|end| *end <= day) {
            let last_day_alive = if end == u.registered { end } else { end - Days::new(1) };
            out.entry(key_at(last_day_alive)).or_default().dissolved += 1;
        }
        if let Some((admitted, _)) = u.admitted.as_ref().filter(|a| a.0 <= day && alive(a.0)) {
            out.entry(key_at(*admitted)).or_default().admitted += 1;
        }
    }
    out.retain(|_, f| !f.is_zero());
    out
}

/// `totals` summed into their district's (`level` 0), province's (1) or the nation's (2)
/// rollup keys.
fn rolled_up(totals: &BTreeMap<StatKey, Flows>, level: usize) -> BTreeMap<StatKey, Flows> {
    let mut out: BTreeMap<StatKey, Flows> = BTreeMap::new();
    for (key, flows) in totals {
        *out.entry(key.rollups()[level]).or_default() += *flows;
    }
    nonzero(out)
}

fn nonzero(mut totals: BTreeMap<StatKey, Flows>) -> BTreeMap<StatKey, Flows> {
    totals.retain(|_, f| !f.is_zero());
    totals
}

fn check_dates() -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = [
        "1997-12-31",
        "1998-01-01",
        "1998-01-31",
        "2000-02-29",
        "2015-03-01",
        "2023-12-31",
        "2024-01-01",
        "2026-05-31",
        "2026-06-30",
        "2026-07-15",
        "2031-01-01",
    ]
    .iter()
    .map(|s| d(s))
    .collect();
    let mut rng = Rng::new(99);
    while dates.len() < 32 {
        dates.push(rng.day(d("1998-01-01"), d("2026-06-30")));
    }
    dates
}

type Table = Vec<(String, i64, i64, i64, NaiveDate, i64, i64, i64, i64, i64, i64)>;

/// `stat_daily` and `stat_monthly` with keys spelled out (ids differ between builds).
fn tables(c: &mut SqliteConnection) -> (Table, Table) {
    let key = (stat_keys::kind, stat_keys::province_id, stat_keys::district_key, stat_keys::sector_id);
    let mut daily: Table = stat_daily::table
        .inner_join(stat_keys::table)
        .select((
            key.0,
            key.1,
            key.2,
            key.3,
            stat_daily::day,
            stat_daily::active,
            stat_daily::capital,
            stat_daily::members,
            stat_daily::registered,
            stat_daily::dissolved,
            stat_daily::admitted,
        ))
        .load(c)
        .unwrap();
    let mut monthly: Table = stat_monthly::table
        .inner_join(stat_keys::table)
        .select((
            key.0,
            key.1,
            key.2,
            key.3,
            stat_monthly::month,
            stat_monthly::active,
            stat_monthly::capital,
            stat_monthly::members,
            stat_monthly::registered,
            stat_monthly::dissolved,
            stat_monthly::admitted,
        ))
        .load(c)
        .unwrap();
    daily.sort();
    monthly.sort();
    (daily, monthly)
}

#[test]
fn generated_statistics_match_a_recount_and_the_incremental_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let (url, mut bulk) = empty_db(&dir, "bulk.db");
    let options = Options { seed: SEED, ..options(COOPERATIVES) };
    let generated = generate::run(&url, &options).unwrap();
    let units = plan::plan(COOPERATIVES, SEED, plan::HISTORY_ENTRIES);
    assert_eq!(generated.cooperatives, COOPERATIVES);
    assert_eq!(generated.organizations + generated.groups, units.len() as i64);
    let history = generated.capital_entries + generated.member_entries + generated.location_entries;
    assert_eq!(history, plan::HISTORY_ENTRIES * generated.organizations as usize);
    assert!(generated.stat_daily > 1_000 && generated.stat_monthly > generated.stat_daily);
    // Every name's tails are written with it (the second search tier reads them).
    let tails: usize = units
        .iter()
        .filter(|u| !u.is_group())
        .map(|u| crate::organizations::tails::tails(&plan::name_key(&u.name)).count())
        .sum();
    let stored: i64 = crate::schema::name_tails::table.count().get_result(&mut bulk).unwrap();
    assert_eq!(stored as usize, tails);
    assert!(tails > generated.organizations as usize, "names of several words");

    // Totals as of any day, per unit key and in the rollup keys, nationally and for a
    // province, equal a recount.
    let conn = &mut Conn::Sqlite(&mut bulk);
    let province = plan::province_id(7);
    for day in check_dates() {
        let units_now = recount(&units, day);
        let national = nonzero(totals_as_of(conn, day, &Scope::default()).unwrap());
        assert_eq!(national, rolled_up(&units_now, 2), "national rollup as of {day}");
        let by_district = Scope { by_district: true, ..Scope::default() };
        let districts = nonzero(totals_as_of(conn, day, &by_district).unwrap());
        assert_eq!(districts, rolled_up(&units_now, 0), "district rollups as of {day}");
        let mut expected = units_now.clone();
        expected.retain(|k, _| k.province_id == province);
        let scope = Scope { provinces: Some(vec![province]), ..Scope::default() };
        let got = nonzero(totals_as_of(conn, day, &scope).unwrap());
        assert_eq!(got, rolled_up(&expected, 1), "province rollup as of {day}");
        // A place of districts reads the units' keys.
        let listed: Vec<i64> = expected.keys().map(|k| k.district_key).collect();
        let scope = Scope { districts: Some(listed), ..scope };
        assert_eq!(nonzero(totals_as_of(conn, day, &scope).unwrap()), expected, "province as of {day}");
    }
    assert!(!recount(&units, d("2026-06-30")).is_empty());

    // The tables are those the ledger writes when the units are recorded one by one.
    let (_, mut incremental) = empty_db(&dir, "incremental.db");
    let conn = &mut Conn::Sqlite(&mut incremental);
    in_transaction(conn, |conn| {
        generate::write_reference_data(conn)?;
        generate::write_units(conn, &units)?;
        for u in &units {
            settle(conn, &Contribution::new(), &u.life().contribution())?;
        }
        Ok(())
    })
    .unwrap();
    let (bulk_daily, bulk_monthly) = tables(&mut bulk);
    let (daily, monthly) = tables(&mut incremental);
    assert_eq!(bulk_daily.len(), daily.len());
    assert!(bulk_daily == daily, "stat_daily differs");
    assert_eq!(bulk_monthly.len(), monthly.len());
    assert!(bulk_monthly == monthly, "stat_monthly differs");
}

#[test]
fn refuses_tables_that_are_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut c) = empty_db(&dir, "x.db");
    let conn = &mut Conn::Sqlite(&mut c);
    let key = StatKey { kind: "cooperative", province_id: 1, district_key: 101, sector_id: 1 };
    let mut flows = FlowMap::new();
    flows.insert((key, d("2020-01-05")), Flows { active: 1, registered: 1, ..Flows::default() });
    flows.insert((key, d("2020-03-05")), Flows { active: -1, dissolved: 1, ..Flows::default() });
    write_contributions(conn, &flows).unwrap();
    let months: i64 = stat_monthly::table.count().get_result(&mut c).unwrap();
    assert_eq!(months, 3 * 4, "January to March, of the key and its three rollups");
    let conn = &mut Conn::Sqlite(&mut c);
    assert!(matches!(write_contributions(conn, &flows), Err(ApiError::Conflict { .. })));
    let refused = generate::run(dir.path().join("x.db").to_str().unwrap(), &options(10));
    assert!(refused.is_err_and(|e| e.contains("not empty")));
    let none: i64 = crate::schema::organizations::table.count().get_result(&mut c).unwrap();
    assert_eq!(none, 0, "nothing written");
}

#[test]
fn generates_into_an_empty_register_only() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = empty_db(&dir, "twice.db");
    generate::run(&url, &options(20)).unwrap();
    let again = generate::run(&url, &options(20));
    assert!(again.is_err_and(|e| e.contains("the register is not empty (")));
}
