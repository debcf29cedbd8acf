//! Bulk writing of the statistics tables from contributions summed in memory: what the
//! ledger would hold after recording every unit one by one, written with multi-row
//! inserts instead (for generated registers and rebuilds).
//!
//! Given the sum of the units' contributions per (key, day), the incremental ledger ends
//! up with one `stat_daily` row per (key, day) it ever touched (holding the sum), and per
//! key one `stat_monthly` row per month from the month of its first flow up to the latest
//! month any flow falls in (the horizon), holding the running totals at the end of that
//! month. [`write_contributions`] writes exactly that (the test below compares it with the
//! ledger row by row), in day and month order as a register recorded day by day has it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{Months, NaiveDate};
use diesel::prelude::*;

use super::ledger::{month_start, with_rollups, Flows, StatKey};
use crate::db::bulk::{db_error, insert_all, rows_per_statement};
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{stat_daily, stat_keys, stat_monthly};

/// Flows per key and day, as [`crate::stats::ledger::Life::contribution`] gives them
/// (summed over units).
pub type FlowMap = BTreeMap<(StatKey, NaiveDate), Flows>;

#[derive(Insertable)]
#[diesel(table_name = stat_keys)]
struct KeyRow {
    id: i64,
    kind: &'static str,
    province_id: i64,
    district_key: i64,
    sector_id: i64,
}

#[derive(Insertable)]
#[diesel(table_name = stat_daily)]
struct DailyRow {
    key_id: i64,
    day: NaiveDate,
    active: i64,
    capital: i64,
    members: i64,
    registered: i64,
    dissolved: i64,
    admitted: i64,
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

/// Rows written per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub keys: usize,
    pub daily: usize,
    pub monthly: usize,
}

/// Writes `flows` (of units' keys) and the rollups of them into empty statistics tables:
/// `stat_keys`, one `stat_daily` row per entry, and the running monthly totals per key
/// from its first month to the horizon.
pub fn write_contributions(conn: &mut Conn, flows: &FlowMap) -> Result<(), ApiError> {
    write_contributions_reporting(conn, flows, &mut |_, _, _| {}).map(|_| ())
}

/// [`write_contributions`], telling `report` each table written: its name, rows and time.
pub fn write_contributions_reporting(
    conn: &mut Conn,
    flows: &FlowMap,
    report: &mut dyn FnMut(&str, usize, Duration),
) -> Result<Written, ApiError> {
    let present: [i64; 3] = on_backend!(conn, c => [
        stat_keys::table.count().get_result(c).map_err(db_error)?,
        stat_daily::table.count().get_result(c).map_err(db_error)?,
        stat_monthly::table.count().get_result(c).map_err(db_error)?,
    ]);
    if present.iter().any(|n| *n > 0) {
        return Err(ApiError::Conflict {
            detail: format!(
                "the statistics tables are not empty ({} keys, {} daily rows, {} monthly rows)",
                present[0], present[1], present[2]
            ),
            errors: vec![],
        });
    }

    let flows = with_rollups(flows);
    // Keys in order, numbered from 1; the flows by day (then key), the order the ledger
    // writes them in when the register is recorded as it happens. Rows lie on disk in the
    // order they are inserted, and reads ask for one day or month across keys, so the
    // layout of a register grown day by day is reproduced.
    let mut keys: Vec<StatKey> = Vec::new();
    let mut first_month: Vec<NaiveDate> = Vec::new();
    let mut by_day: Vec<(NaiveDate, u32, &Flows)> = Vec::with_capacity(flows.len());
    for ((key, day), f) in &flows {
        if keys.last() != Some(key) {
            keys.push(*key);
            first_month.push(month_start(*day));
        }
        by_day.push((*day, (keys.len() - 1) as u32, f));
    }
    by_day.sort_unstable_by_key(|(day, key, _)| (*day, *key));
    let id = |index: u32| i64::from(index) + 1;

    let started = Instant::now();
    let key_rows = keys.iter().enumerate().map(|(i, k)| KeyRow {
        id: id(i as u32),
        kind: k.kind,
        province_id: k.province_id,
        district_key: k.district_key,
        sector_id: k.sector_id,
    });
    let written_keys = insert_all(
        conn,
        key_rows,
        rows_per_statement(5),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(stat_keys::table).values(rows).execute(c)),
    )?;
    if let Conn::Pg(c) = conn {
        // Keys the ledger adds later take ids after these.
        diesel::sql_query("SELECT setval(pg_get_serial_sequence('stat_keys', 'id'), max(id)) FROM stat_keys")
            .execute(*c)
            .map_err(db_error)?;
    }
    report("stat_keys", written_keys, started.elapsed());

    let started = Instant::now();
    let daily = by_day.iter().map(|(day, key, f)| DailyRow {
        key_id: id(*key),
        day: *day,
        active: f.active,
        capital: f.capital,
        members: f.members,
        registered: f.registered,
        dissolved: f.dissolved,
        admitted: f.admitted,
    });
    let written_daily = insert_all(
        conn,
        daily,
        rows_per_statement(8),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(stat_daily::table).values(rows).execute(c)),
    )?;
    report("stat_daily", written_daily, started.elapsed());

    let started = Instant::now();
    let written_monthly = match (by_day.first(), by_day.last()) {
        (Some(first), Some(last)) => {
            let monthly = MonthlyTotals {
                by_day: &by_day,
                next: 0,
                month: month_start(first.0),
                horizon: month_start(last.0),
                key: 0,
                first_month: &first_month,
                totals: vec![Flows::default(); keys.len()],
            };
            insert_all(
                conn,
                monthly,
                rows_per_statement(8),
                |conn, rows| on_backend!(conn, c => diesel::insert_into(stat_monthly::table).values(rows).execute(c)),
            )?
        }
        _ => 0,
    };
    report("stat_monthly", written_monthly, started.elapsed());
    Ok(Written { keys: written_keys, daily: written_daily, monthly: written_monthly })
}

/// The running totals of every key at the end of each month, month by month (then key
/// by key), from each key's first month up to the horizon.
struct MonthlyTotals<'a> {
    /// Flows by day and key index.
    by_day: &'a [(NaiveDate, u32, &'a Flows)],
    /// The first entry of `by_day` not yet added to the totals.
    next: usize,
    month: NaiveDate,
    horizon: NaiveDate,
    /// The next key index to emit in `month`.
    key: usize,
    first_month: &'a [NaiveDate],
    /// Per key index, the totals at the end of `month` (once its flows are added).
    totals: Vec<Flows>,
}

impl Iterator for MonthlyTotals<'_> {
    type Item = MonthlyRow;

    fn next(&mut self) -> Option<MonthlyRow> {
        loop {
            if self.month > self.horizon {
                return None;
            }
            if self.key == 0 {
                while let Some((day, key, f)) = self.by_day.get(self.next) {
                    if month_start(*day) != self.month {
                        break;
                    }
                    self.totals[*key as usize] += **f;
                    self.next += 1;
                }
            }
            while self.key < self.totals.len() && self.first_month[self.key] > self.month {
                self.key += 1;
            }
            if let Some(t) = self.totals.get(self.key) {
                let row = MonthlyRow {
                    key_id: self.key as i64 + 1,
                    month: self.month,
                    active: t.active,
                    capital: t.capital,
                    members: t.members,
                    registered: t.registered,
                    dissolved: t.dissolved,
                    admitted: t.admitted,
                };
                self.key += 1;
                return Some(row);
            }
            self.key = 0;
            self.month = self.month.checked_add_months(Months::new(1)).expect("date in range");
        }
    }
}

#[cfg(test)]
mod tests;
