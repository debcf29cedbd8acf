//! Reads of the statistics tables: totals per key as of the end of a day.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, Months, NaiveDate};
use diesel::prelude::*;

use super::ledger::{horizon, month_start, Flows, StatKey};
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
}

type KeyRow = (i64, String, i64, i64, i64);
type FlowRow = (i64, i64, i64, i64, i64, i64, i64);

fn static_kind(kind: &str) -> &'static str {
    match kind {
        "union" => "union",
        "group" => "group",
        _ => "cooperative",
    }
}

/// The totals of every key in scope at the end of `day`: the month totals at the end of
/// `day` when it ends a month, else at the end of the month before (at most the last
/// month with data), plus the days after it.
///
/// The keys in scope are read first and their rows then fetched by key id, so a province
/// reads its own few hundred keys' rows rather than filtering a whole month of rows.
pub fn totals_as_of(
    conn: &mut Conn,
    day: NaiveDate,
    scope: &Scope,
) -> Result<BTreeMap<StatKey, Flows>, ApiError> {
    let mut totals = BTreeMap::new();
    let Some(horizon) = horizon(conn)? else {
        return Ok(totals);
    };
    let next_month = month_start(day).checked_add_months(Months::new(1)).expect("date in range");
    let month_ends = next_month - Days::new(1) == day;
    let months_back = if month_ends { 1 } else { 2 };
    let snapshot =
        next_month.checked_sub_months(Months::new(months_back)).expect("date in range").min(horizon);
    let snapshot_end = snapshot.checked_add_months(Months::new(1)).expect("date in range") - Days::new(1);

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
        if let Some(p) = &scope.provinces {
            keys = keys.filter(stat_keys::province_id.eq_any(p));
        }
        if let Some(d) = &scope.districts {
            keys = keys.filter(stat_keys::district_key.eq_any(d));
        }
        keys.load(c)?
    });
    if keys.is_empty() {
        return Ok(totals);
    }
    let scoped = scope.provinces.is_some() || scope.districts.is_some();
    let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
    let keys: HashMap<i64, StatKey> = keys
        .into_iter()
        .map(|(id, kind, province_id, district_key, sector_id)| {
            (id, StatKey { kind: static_kind(&kind), province_id, district_key, sector_id })
        })
        .collect();

    let rows: Vec<FlowRow> = on_backend!(conn, c => {
        let mut monthly = stat_monthly::table
            .filter(stat_monthly::month.eq(snapshot))
            .select((
                stat_monthly::key_id,
                stat_monthly::active,
                stat_monthly::capital,
                stat_monthly::members,
                stat_monthly::registered,
                stat_monthly::dissolved,
                stat_monthly::admitted,
            ))
            .into_boxed();
        if scoped {
            monthly = monthly.filter(stat_monthly::key_id.eq_any(&ids));
        }
        let mut rows: Vec<FlowRow> = monthly.load(c)?;
        if snapshot_end < day {
            let mut daily = stat_daily::table
                .filter(stat_daily::day.gt(snapshot_end))
                .filter(stat_daily::day.le(day))
                .select((
                    stat_daily::key_id,
                    stat_daily::active,
                    stat_daily::capital,
                    stat_daily::members,
                    stat_daily::registered,
                    stat_daily::dissolved,
                    stat_daily::admitted,
                ))
                .into_boxed();
            if scoped {
                daily = daily.filter(stat_daily::key_id.eq_any(&ids));
            }
            rows.extend(daily.load::<FlowRow>(c)?);
        }
        rows
    });
    for (key_id, active, capital, members, registered, dissolved, admitted) in rows {
        if let Some(key) = keys.get(&key_id) {
            *totals.entry(*key).or_default() +=
                Flows { active, capital, members, registered, dissolved, admitted };
        }
    }
    Ok(totals)
}

/// Sums the totals of the keys that `keep` selects.
pub fn sum_where(totals: &BTreeMap<StatKey, Flows>, keep: impl Fn(&StatKey) -> bool) -> Flows {
    let mut sum = Flows::default();
    for (key, flows) in totals {
        if keep(key) {
            sum += *flows;
        }
    }
    sum
}
