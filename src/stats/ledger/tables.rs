//! Writes flows into `stat_daily` and keeps `stat_monthly` the running totals of them.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;

use super::daily::add_daily;
use super::{with_rollups, Contribution, Flows, StatKey};
use crate::db::bulk::rows_per_statement;
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{stat_keys, stat_monthly};

/// Records the change of contributions from `before` to `after` (of one unit, or of
/// many summed), in their keys and in the rollup keys they add up into.
///
/// Flows are summed per (key, day) for `stat_daily`, written with multi-row upserts, and
/// per (key, month) for `stat_monthly`: each key's running totals then take one UPDATE
/// per month it changed in, over the months up to the next, rather than one per flow
/// over every month up to the horizon.
pub fn settle(conn: &mut Conn, before: &Contribution, after: &Contribution) -> Result<(), ApiError> {
    let mut delta: Contribution = after.clone();
    for (k, f) in before {
        *delta.entry(*k).or_default() -= *f;
    }
    settle_rolled_up(conn, &with_rollups(&delta))
}

/// [`settle`] of a change already summed into the rollup keys too (by [`with_rollups`]),
/// without zero flows: a bulk write sums it batch by batch on another thread.
pub fn settle_rolled_up(conn: &mut Conn, delta: &Contribution) -> Result<(), ApiError> {
    if delta.is_empty() {
        return Ok(());
    }
    // Writers of the statistics take turns: a new key, rows before a key's first month
    // and a new horizon month are inserted by whoever comes first, and on PostgreSQL two
    // transactions would otherwise both insert them. SQLite has one writer already.
    if let Conn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7261001)").execute(*c)?;
    }
    let mut ids: BTreeMap<StatKey, i64> = BTreeMap::new();
    for (key, _) in delta.keys() {
        if !ids.contains_key(key) {
            ids.insert(*key, key_id(conn, *key)?);
        }
    }
    let daily: Vec<(i64, NaiveDate, Flows)> =
        delta.iter().map(|((key, day), f)| (ids[key], *day, *f)).collect();
    add_daily(conn, &daily)?;

    let mut by_month: BTreeMap<(i64, NaiveDate), Flows> = BTreeMap::new();
    for ((key, day), f) in delta {
        *by_month.entry((ids[key], month_start(*day))).or_default() += *f;
    }
    let latest = by_month.keys().map(|(_, month)| *month).max().expect("not empty");
    let horizon = match horizon(conn)? {
        None => latest,
        Some(h) if h < latest => {
            extend_horizon(conn, h, latest)?;
            latest
        }
        Some(h) => h,
    };
    let key_ids: Vec<i64> = ids.values().copied().collect();
    let firsts = first_months(conn, &key_ids)?;
    let mut new_rows = Vec::new();
    let mut updates = Vec::new();
    for id in key_ids {
        let changes = by_month.range((id, NaiveDate::MIN)..=(id, NaiveDate::MAX)).map(|((_, m), f)| (*m, *f));
        plan_key(id, changes, firsts.get(&id).copied(), horizon, &mut new_rows, &mut updates);
    }
    for chunk in new_rows.chunks(rows_per_statement(8)) {
        on_backend!(conn, c => diesel::insert_into(stat_monthly::table).values(chunk).execute(c))?;
    }
    for (id, from, to, f) in updates {
        let target = stat_monthly::table
            .filter(stat_monthly::key_id.eq(id))
            .filter(stat_monthly::month.ge(from))
            .filter(stat_monthly::month.le(to));
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

/// A key's monthly running totals take `changes` (per month, in month order): months
/// before the key's `first` row get new rows holding the changes summed up to them; rows
/// from `first` to the horizon take, month range by month range, the sum of the changes
/// up to the range's start (ranges as (key, from, to, flows)).
fn plan_key(
    id: i64,
    changes: impl Iterator<Item = (NaiveDate, Flows)>,
    first: Option<NaiveDate>,
    horizon: NaiveDate,
    new_rows: &mut Vec<MonthlyRow>,
    updates: &mut Vec<(i64, NaiveDate, NaiveDate, Flows)>,
) {
    // Existing rows start at `first`; with none, every month to the horizon is new.
    let existing = first.unwrap_or(horizon.checked_add_months(Months::new(1)).expect("date in range"));
    let mut changes = changes.peekable();
    let mut total = Flows::default();
    let mut starts: Vec<(NaiveDate, Flows)> = Vec::new();
    while let Some((month, f)) = changes.next() {
        total += f;
        let next = changes.peek().map(|(m, _)| *m);
        // New rows from this change's month to the next change or the first existing row.
        let new_until = next.map_or(existing, |n| n.min(existing));
        new_rows.extend(monthly_rows(id, months(month, prior(new_until)), total));
        let from = month.max(existing);
        if from <= horizon && next.is_none_or(|n| n > from) {
            match starts.last_mut() {
                Some((start, flows)) if *start == from => *flows = total,
                _ => starts.push((from, total)),
            }
        }
    }
    for (i, (from, f)) in starts.iter().enumerate() {
        let to = starts.get(i + 1).map_or(horizon, |(next, _)| prior(*next));
        if !f.is_zero() {
            updates.push((id, *from, to, *f));
        }
    }
}

/// The month before `month`.
fn prior(month: NaiveDate) -> NaiveDate {
    month.checked_sub_months(Months::new(1)).expect("date in range")
}

/// The first month of each key's monthly rows, for the keys that have any.
fn first_months(conn: &mut Conn, ids: &[i64]) -> Result<BTreeMap<i64, NaiveDate>, ApiError> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(rows_per_statement(1)) {
        let query = stat_monthly::table
            .filter(stat_monthly::key_id.eq_any(chunk))
            .group_by(stat_monthly::key_id)
            .select((stat_monthly::key_id, diesel::dsl::min(stat_monthly::month)));
        let found: Vec<(i64, Option<NaiveDate>)> = on_backend!(conn, c => query.load(c))?;
        out.extend(found.into_iter().filter_map(|(id, m)| Some((id, m?))));
    }
    Ok(out)
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
