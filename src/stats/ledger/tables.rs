//! Writes flows into `stat_daily` and keeps `stat_monthly` the running totals of them.

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::{with_rollups, Contribution, Flows, StatKey};
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{stat_daily, stat_keys, stat_monthly};

/// Records the change of one unit's contribution from `before` to `after`, in the unit's
/// keys and in the rollup keys they add up into.
pub fn settle(conn: &mut Conn, before: &Contribution, after: &Contribution) -> Result<(), ApiError> {
    let mut delta: Contribution = after.clone();
    for (k, f) in before {
        *delta.entry(*k).or_default() -= *f;
    }
    let delta = with_rollups(&delta);
    if delta.is_empty() {
        return Ok(());
    }
    // Writers of the statistics take turns: a new key, rows before a key's first month
    // and a new horizon month are inserted by whoever comes first, and on PostgreSQL two
    // transactions would otherwise both insert them. SQLite has one writer already.
    if let Conn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7261001)").execute(*c)?;
    }
    for ((key, day), flows) in delta {
        add_flows(conn, key, day, flows)?;
    }
    Ok(())
}

pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}

fn months(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    std::iter::successors(Some(from), |m| m.checked_add_months(Months::new(1))).take_while(move |m| *m <= to)
}

fn key_id(conn: &mut Conn, key: StatKey) -> Result<i64, ApiError> {
    let find = stat_keys::table
        .filter(stat_keys::kind.eq(key.kind))
        .filter(stat_keys::province_id.eq(key.province_id))
        .filter(stat_keys::district_key.eq(key.district_key))
        .filter(stat_keys::sector_id.eq(key.sector_id))
        .select(stat_keys::id);
    if let Some(id) = on_backend!(conn, c => find.first::<i64>(c).optional())? {
        return Ok(id);
    }
    Ok(on_backend!(conn, c => diesel::insert_into(stat_keys::table)
        .values((
            stat_keys::kind.eq(key.kind),
            stat_keys::province_id.eq(key.province_id),
            stat_keys::district_key.eq(key.district_key),
            stat_keys::sector_id.eq(key.sector_id),
        ))
        .returning(stat_keys::id)
        .get_result(c))?)
}

/// The latest month the monthly totals reach.
pub fn horizon(conn: &mut Conn) -> Result<Option<NaiveDate>, ApiError> {
    Ok(on_backend!(conn, c => stat_monthly::table.select(diesel::dsl::max(stat_monthly::month)).first(c))?)
}

fn monthly_rows(key_id: i64, months: impl Iterator<Item = NaiveDate>, f: Flows) -> Vec<MonthlyRow> {
    months
        .map(|month| MonthlyRow {
            key_id,
            month,
            active: f.active,
            capital: f.capital,
            members: f.members,
            registered: f.registered,
            dissolved: f.dissolved,
            admitted: f.admitted,
        })
        .collect()
}

#[derive(Insertable)]
#[diesel(table_name = stat_monthly)]
struct MonthlyRow {
    key_id: i64,
    month: NaiveDate,
    active: i64,
    capital: i64,
    members: i64,
    registered: i64,
    dissolved: i64,
    admitted: i64,
}

fn add_flows(conn: &mut Conn, key: StatKey, day: NaiveDate, f: Flows) -> Result<(), ApiError> {
    let id = key_id(conn, key)?;
    on_backend!(conn, c => diesel::insert_into(stat_daily::table)
        .values((
            stat_daily::key_id.eq(id),
            stat_daily::day.eq(day),
            stat_daily::active.eq(f.active),
            stat_daily::capital.eq(f.capital),
            stat_daily::members.eq(f.members),
            stat_daily::registered.eq(f.registered),
            stat_daily::dissolved.eq(f.dissolved),
            stat_daily::admitted.eq(f.admitted),
        ))
        .on_conflict((stat_daily::key_id, stat_daily::day))
        .do_update()
        .set((
            stat_daily::active.eq(stat_daily::active + excluded(stat_daily::active)),
            stat_daily::capital.eq(stat_daily::capital + excluded(stat_daily::capital)),
            stat_daily::members.eq(stat_daily::members + excluded(stat_daily::members)),
            stat_daily::registered.eq(stat_daily::registered + excluded(stat_daily::registered)),
            stat_daily::dissolved.eq(stat_daily::dissolved + excluded(stat_daily::dissolved)),
            stat_daily::admitted.eq(stat_daily::admitted + excluded(stat_daily::admitted)),
        ))
        .execute(c))?;

    let month = month_start(day);
    let horizon = match horizon(conn)? {
        None => month,
        Some(h) if h < month => {
            extend_horizon(conn, h, month)?;
            month
        }
        Some(h) => h,
    };
    let first: Option<NaiveDate> = on_backend!(conn, c => stat_monthly::table
        .filter(stat_monthly::key_id.eq(id))
        .select(diesel::dsl::min(stat_monthly::month))
        .first(c))?;
    // Months before the key's first row get new rows holding just this change; rows from
    // then on (up to the horizon) take it on top of what they hold.
    let (new_until, update_from) = match first {
        None => (Some(horizon), None),
        Some(first) if month < first => (first.checked_sub_months(Months::new(1)), Some(first)),
        Some(_) => (None, Some(month)),
    };
    if let Some(until) = new_until {
        let rows = monthly_rows(id, months(month, until), f);
        on_backend!(conn, c => diesel::insert_into(stat_monthly::table).values(&rows).execute(c))?;
    }
    if let Some(from) = update_from {
        let target =
            stat_monthly::table.filter(stat_monthly::key_id.eq(id)).filter(stat_monthly::month.ge(from));
        on_backend!(conn, c => diesel::update(target)
            .set((
                stat_monthly::active.eq(stat_monthly::active + f.active),
                stat_monthly::capital.eq(stat_monthly::capital + f.capital),
                stat_monthly::members.eq(stat_monthly::members + f.members),
                stat_monthly::registered.eq(stat_monthly::registered + f.registered),
                stat_monthly::dissolved.eq(stat_monthly::dissolved + f.dissolved),
                stat_monthly::admitted.eq(stat_monthly::admitted + f.admitted),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Carries every key's totals forward month by month from `from` to `to`.
fn extend_horizon(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<(), ApiError> {
    use diesel::sql_types::Date;
    let mut previous = from;
    for month in months(from, to).skip(1) {
        let copy = stat_monthly::table.filter(stat_monthly::month.eq(previous)).select((
            stat_monthly::key_id,
            month.into_sql::<Date>(),
            stat_monthly::active,
            stat_monthly::capital,
            stat_monthly::members,
            stat_monthly::registered,
            stat_monthly::dissolved,
            stat_monthly::admitted,
        ));
        on_backend!(conn, c => diesel::insert_into(stat_monthly::table)
            .values(copy)
            .into_columns((
                stat_monthly::key_id,
                stat_monthly::month,
                stat_monthly::active,
                stat_monthly::capital,
                stat_monthly::members,
                stat_monthly::registered,
                stat_monthly::dissolved,
                stat_monthly::admitted,
            ))
            .execute(c))?;
        previous = month;
    }
    Ok(())
}
