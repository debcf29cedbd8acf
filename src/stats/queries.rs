//! Reads of the statistics tables: totals per key as of the end of a day.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, Months, NaiveDate};
use diesel::prelude::*;

use super::ledger::{horizon, month_start, Flows, StatKey, ALL_DISTRICTS, ALL_SECTORS, NATION};
use crate::db::sql::AnyOf;
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{stat_daily, stat_keys, stat_monthly};

/// Which keys a statistic covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Province ids (a unit and those merged into it); `None` is every province.
    pub provinces: Option<Vec<i64>>,
    /// District ids; `None` is every district.
    pub districts: Option<Vec<i64>>,
    /// Totals per district (the district rollup keys) rather than per sector of the
    /// province or nation (their rollup keys).
    pub by_district: bool,
}

type KeyRow = (i64, String, i64, i64, i64);
type FlowRow = (i64, NaiveDate, i64, i64, i64, i64, i64, i64);
pub type Totals = BTreeMap<StatKey, Flows>;

fn static_kind(kind: &str) -> &'static str {
    match kind {
        "union" => "union",
        "group" => "group",
        _ => "cooperative",
    }
}

/// What "as of `day`" reads: the month totals at the end of `snapshot` (the month of
/// `day` when it ends a month, else the month before, at most the horizon) plus the daily
/// flows from `daily_from` (the first of `day`'s month) to `day`.
struct Cut {
    day: NaiveDate,
    snapshot: NaiveDate,
    /// `None` when no daily flows are added (none lie past the horizon's month).
    daily_from: Option<NaiveDate>,
}

fn cut(day: NaiveDate, horizon: NaiveDate) -> Cut {
    let next_month = month_start(day).checked_add_months(Months::new(1)).expect("date in range");
    let month_ends = next_month - Days::new(1) == day;
    let wanted =
        next_month.checked_sub_months(Months::new(if month_ends { 1 } else { 2 })).expect("date in range");
    let snapshot = wanted.min(horizon);
    let daily_from = (snapshot == wanted && !month_ends).then(|| month_start(day));
    Cut { day, snapshot, daily_from }
}

/// The totals of every key in scope at the end of `day`.
pub fn totals_as_of(conn: &mut Conn, day: NaiveDate, scope: &Scope) -> Result<Totals, ApiError> {
    Ok(totals_at(conn, &[day], scope)?.pop().unwrap_or_default())
}

/// The totals of every key in scope at the end of each of `days`, in their order: one
/// query for all the month totals, one per distinct range of daily flows (the days that
/// do not end a month: for a series of period ends, at most its first and last).
///
/// The keys in scope are read first and their rows then fetched by key id, so a place
/// reads its own keys' rows rather than filtering a whole month of rows.
pub fn totals_at(conn: &mut Conn, days: &[NaiveDate], scope: &Scope) -> Result<Vec<Totals>, ApiError> {
    let mut out = vec![Totals::new(); days.len()];
    let Some(horizon) = horizon(conn)? else {
        return Ok(out);
    };
    let keys: Vec<KeyRow> = on_backend!(conn, c => {
        let mut keys = stat_keys::table
            .select((
                stat_keys::id,
                stat_keys::kind,
                stat_keys::province_id,
                stat_keys::district_key,
                stat_keys::sector_id,
            ))
            .into_boxed();
        if let Some(d) = &scope.districts {
            // The units' keys: a district's figures are still wanted per sector.
            keys = keys.filter(AnyOf::new("stat_keys.district_key", d)).filter(stat_keys::sector_id.ne(ALL_SECTORS));
        } else if scope.by_district {
            keys = keys.filter(stat_keys::sector_id.eq(ALL_SECTORS));
        } else {
            keys = keys.filter(stat_keys::district_key.eq(ALL_DISTRICTS));
            if scope.provinces.is_none() {
                keys = keys.filter(stat_keys::province_id.eq(NATION));
            }
        }
        if let Some(p) = &scope.provinces {
            keys = keys.filter(AnyOf::new("stat_keys.province_id", p));
        }
        keys.load(c)?
    });
    if keys.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
    let keys: HashMap<i64, StatKey> = keys
        .into_iter()
        .map(|(id, kind, province_id, district_key, sector_id)| {
            (id, StatKey { kind: static_kind(&kind), province_id, district_key, sector_id })
        })
        .collect();

    let cuts: Vec<Cut> = days.iter().map(|d| cut(*d, horizon)).collect();
    let mut months: Vec<NaiveDate> = cuts.iter().map(|c| c.snapshot).collect();
    months.sort();
    months.dedup();
    // Day ranges rather than lists of days, so that each key's rows are one index range.
    let mut ranges: Vec<(NaiveDate, NaiveDate)> =
        cuts.iter().filter_map(|c| c.daily_from.map(|from| (from, c.day))).collect();
    ranges.sort();
    ranges.dedup();

    let monthly: Vec<FlowRow> = on_backend!(conn, c => stat_monthly::table
        .filter(AnyOf::new("stat_monthly.month", &months))
        .filter(AnyOf::new("stat_monthly.key_id", &ids))
        .select((
            stat_monthly::key_id,
            stat_monthly::month,
            stat_monthly::active,
            stat_monthly::capital,
            stat_monthly::members,
            stat_monthly::registered,
            stat_monthly::dissolved,
            stat_monthly::admitted,
        ))
        .load(c))?;
    let mut daily: Vec<FlowRow> = Vec::new();
    for (from, to) in ranges {
        daily.extend(on_backend!(conn, c => stat_daily::table
            .filter(stat_daily::day.between(from, to))
            .filter(AnyOf::new("stat_daily.key_id", &ids))
            .select((
                stat_daily::key_id,
                stat_daily::day,
                stat_daily::active,
                stat_daily::capital,
                stat_daily::members,
                stat_daily::registered,
                stat_daily::dissolved,
                stat_daily::admitted,
            ))
            .load::<FlowRow>(c))?);
    }
    let mut add = |rows: Vec<FlowRow>, applies: &dyn Fn(&Cut, NaiveDate) -> bool| {
        for (key_id, date, active, capital, members, registered, dissolved, admitted) in rows {
            let Some(key) = keys.get(&key_id) else { continue };
            let flows = Flows { active, capital, members, registered, dissolved, admitted };
            for (cut, totals) in cuts.iter().zip(out.iter_mut()) {
                if applies(cut, date) {
                    *totals.entry(*key).or_default() += flows;
                }
            }
        }
    };
    add(monthly, &|cut, month| cut.snapshot == month);
    add(daily, &|cut, day| cut.daily_from.is_some_and(|from| from <= day) && day <= cut.day);
    Ok(out)
}

/// Sums the totals of the keys that `keep` selects.
pub fn sum_where(totals: &Totals, keep: impl Fn(&StatKey) -> bool) -> Flows {
    let mut sum = Flows::default();
    for (key, flows) in totals {
        if keep(key) {
            sum += *flows;
        }
    }
    sum
}
