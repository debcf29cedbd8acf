//! Reads of the statistics tables: totals per key as of the end of a day.

use std::collections::BTreeMap;

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

type Row = (String, i64, i64, i64, i64, i64, i64, i64, i64, i64);

fn static_kind(kind: &str) -> &'static str {
    match kind {
        "union" => "union",
        "group" => "group",
        _ => "cooperative",
    }
}

/// The totals of every key in scope at the end of `day`: the month totals at the end of
/// the month before (or of the last month with data) plus the days after it.
pub fn totals_as_of(
    conn: &mut Conn,
    day: NaiveDate,
    scope: &Scope,
) -> Result<BTreeMap<StatKey, Flows>, ApiError> {
    let mut totals = BTreeMap::new();
    let Some(horizon) = horizon(conn)? else {
        return Ok(totals);
    };
    let previous_month = month_start(day).checked_sub_months(Months::new(1)).expect("date in range");
    let snapshot = previous_month.min(horizon);
    let snapshot_end = snapshot.checked_add_months(Months::new(1)).expect("date in range") - Days::new(1);
    let provinces = scope.provinces.clone();
    let districts = scope.districts.clone();

    let rows: Vec<Row> = on_backend!(conn, c => {
        let mut monthly = stat_monthly::table
            .inner_join(stat_keys::table)
            .filter(stat_monthly::month.eq(snapshot))
            .select((
                stat_keys::kind,
                stat_keys::province_id,
                stat_keys::district_key,
                stat_keys::sector_id,
                stat_monthly::active,
                stat_monthly::capital,
                stat_monthly::members,
                stat_monthly::registered,
                stat_monthly::dissolved,
                stat_monthly::admitted,
            ))
            .into_boxed();
        let mut daily = stat_daily::table
            .inner_join(stat_keys::table)
            .filter(stat_daily::day.gt(snapshot_end))
            .filter(stat_daily::day.le(day))
            .select((
                stat_keys::kind,
                stat_keys::province_id,
                stat_keys::district_key,
                stat_keys::sector_id,
                stat_daily::active,
                stat_daily::capital,
                stat_daily::members,
                stat_daily::registered,
                stat_daily::dissolved,
                stat_daily::admitted,
            ))
            .into_boxed();
        if let Some(p) = &provinces {
            monthly = monthly.filter(stat_keys::province_id.eq_any(p.clone()));
            daily = daily.filter(stat_keys::province_id.eq_any(p.clone()));
        }
        if let Some(d) = &districts {
            monthly = monthly.filter(stat_keys::district_key.eq_any(d.clone()));
            daily = daily.filter(stat_keys::district_key.eq_any(d.clone()));
        }
        let mut rows: Vec<Row> = monthly.load(c)?;
        rows.extend(daily.load::<Row>(c)?);
        rows
    });
    for (
        kind,
        province_id,
        district_key,
        sector_id,
        active,
        capital,
        members,
        registered,
        dissolved,
        admitted,
    ) in rows
    {
        let key = StatKey { kind: static_kind(&kind), province_id, district_key, sector_id };
        *totals.entry(key).or_default() +=
            Flows { active, capital, members, registered, dissolved, admitted };
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
