//! The statistics ledger: turns the life of each registered unit into dated flows per
//! statistics key and keeps `stat_daily` and `stat_monthly` equal to the sum of those
//! flows, in the transaction of every change to the register.
//!
//! A change is recorded as "contribution after minus contribution before" of the unit
//! it touches, so back-dated corrections, moves, sector changes and dissolutions all take
//! the same path, and the tables never depend on the order changes arrived in.

use std::collections::BTreeMap;
use std::ops::{AddAssign, Neg};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{capital_entries, cooperative_groups, location_entries, member_entries, organizations};

mod daily;
mod tables;

pub use tables::{horizon, month_start, settle, settle_rolled_up};

/// What one key gains or loses on one day (or holds in total, summed up to a day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flows {
    /// Units counted as active (registered, not dissolved).
    pub active: i64,
    /// Charter capital of the active units, in đồng.
    pub capital: i64,
    /// Members of the active units.
    pub members: i64,
    pub registered: i64,
    pub dissolved: i64,
    /// Admissions to the provincial cooperative alliance.
    pub admitted: i64,
}

impl Flows {
    pub fn is_zero(&self) -> bool {
        *self == Flows::default()
    }
}

impl AddAssign for Flows {
    fn add_assign(&mut self, o: Flows) {
        self.active += o.active;
        self.capital += o.capital;
        self.members += o.members;
        self.registered += o.registered;
        self.dissolved += o.dissolved;
        self.admitted += o.admitted;
    }
}

impl std::ops::SubAssign for Flows {
    fn sub_assign(&mut self, o: Flows) {
        *self += -o;
    }
}

impl Neg for Flows {
    type Output = Flows;
    fn neg(self) -> Flows {
        Flows {
            active: -self.active,
            capital: -self.capital,
            members: -self.members,
            registered: -self.registered,
            dissolved: -self.dissolved,
            admitted: -self.admitted,
        }
    }
}

/// What statistics are broken down by.
///
/// Besides the keys of units, the ledger keeps rollup keys: a district's units of one
/// kind, every sector together (`sector_id` [`ALL_SECTORS`]); a province's units of one
/// kind and sector, every district together (`district_key` [`ALL_DISTRICTS`]); and the
/// same for the nation (`province_id` [`NATION`]), so that wide places read a few keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatKey {
    /// `cooperative`, `union` or `group`.
    pub kind: &'static str,
    /// A province id, or [`NATION`].
    pub province_id: i64,
    /// 0 where the unit has no district; [`ALL_DISTRICTS`] in a province or national rollup.
    pub district_key: i64,
    /// A sector id, or [`ALL_SECTORS`] in a district rollup.
    pub sector_id: i64,
}

/// The `district_key` of province and national rollup keys.
pub const ALL_DISTRICTS: i64 = -1;
/// The `province_id` of national rollup keys.
pub const NATION: i64 = 0;
/// The `sector_id` of district rollup keys.
pub const ALL_SECTORS: i64 = 0;

impl StatKey {
    /// The rollup keys a unit's key adds up into: its district's, its province's and the
    /// nation's.
    pub fn rollups(&self) -> [StatKey; 3] {
        let province = StatKey { district_key: ALL_DISTRICTS, ..*self };
        [StatKey { sector_id: ALL_SECTORS, ..*self }, province, StatKey { province_id: NATION, ..province }]
    }
}

/// `flows` of units' keys together with what they add to the rollup keys.
pub fn with_rollups<'a>(
    flows: impl IntoIterator<Item = (&'a (StatKey, NaiveDate), &'a Flows)>,
) -> Contribution {
    let mut out = Contribution::new();
    for ((key, day), f) in flows {
        for k in std::iter::once(*key).chain(key.rollups()) {
            *out.entry((k, *day)).or_default() += *f;
        }
    }
    out.retain(|_, f| !f.is_zero());
    out
}

/// The facts of one unit's life that statistics see.
#[derive(Debug, Clone)]
pub struct Life {
    pub kind: &'static str,
    pub sector_id: i64,
    pub registered: NaiveDate,
    pub dissolved: Option<NaiveDate>,
    pub admitted: Option<NaiveDate>,
    /// (from, charter capital), any order.
    pub capital: Vec<(NaiveDate, i64)>,
    /// (from, members), any order.
    pub members: Vec<(NaiveDate, i64)>,
    /// (from, province, district), any order.
    pub locations: Vec<(NaiveDate, i64, Option<i64>)>,
}

/// Dated flows per key.
pub type Contribution = BTreeMap<(StatKey, NaiveDate), Flows>;

/// The value in force on `day`: the latest entry on or before it (the earliest entry
/// stands in for days before any entry, as the registration does).
fn value_at<T: Copy>(entries: &[(NaiveDate, T)], day: NaiveDate) -> Option<T> {
    entries.iter().rev().find(|(from, _)| *from <= day).or(entries.first()).map(|(_, v)| *v)
}

impl Life {
    /// The flows this unit adds to the statistics over its life.
    pub fn contribution(&self) -> Contribution {
        let mut capital = self.capital.clone();
        capital.sort_by_key(|e| e.0);
        let mut members = self.members.clone();
        members.sort_by_key(|e| e.0);
        let mut locations: Vec<(NaiveDate, (i64, i64))> =
            self.locations.iter().map(|(d, p, dist)| (*d, (*p, dist.unwrap_or(0)))).collect();
        locations.sort_by_key(|e| e.0);

        let key_at = |day: NaiveDate| {
            let (province_id, district_key) = value_at(&locations, day).unwrap_or((0, 0));
            StatKey { kind: self.kind, province_id, district_key, sector_id: self.sector_id }
        };
        let state_at = |day: NaiveDate| {
            (key_at(day), value_at(&capital, day).unwrap_or(0), value_at(&members, day).unwrap_or(0))
        };

        let mut out = Contribution::new();
        let mut add = |key: StatKey, day: NaiveDate, flows: Flows| {
            *out.entry((key, day)).or_default() += flows;
        };
        let start = self.registered;
        let alive = |day: NaiveDate| day >= start && self.dissolved.is_none_or(|end| day < end);

        if self.dissolved == Some(start) {
            // Registered and dissolved the same day: never active.
            add(key_at(start), start, Flows { registered: 1, dissolved: 1, ..Flows::default() });
            return out;
        }

        let mut days: Vec<NaiveDate> = std::iter::once(start)
            .chain(capital.iter().map(|e| e.0))
            .chain(members.iter().map(|e| e.0))
            .chain(locations.iter().map(|e| e.0))
            .filter(|d| alive(*d))
            .collect();
        days.sort();
        days.dedup();

        let mut previous: Option<(StatKey, i64, i64)> = None;
        for day in days {
            let (key, cap, mem) = state_at(day);
            match previous {
                None => add(
                    key,
                    day,
                    Flows { active: 1, capital: cap, members: mem, registered: 1, ..Flows::default() },
                ),
                Some((old_key, old_cap, old_mem)) if old_key != key => {
                    add(
                        old_key,
                        day,
                        Flows { active: -1, capital: -old_cap, members: -old_mem, ..Flows::default() },
                    );
                    add(key, day, Flows { active: 1, capital: cap, members: mem, ..Flows::default() });
                }
                Some((_, old_cap, old_mem)) => add(
                    key,
                    day,
                    Flows { capital: cap - old_cap, members: mem - old_mem, ..Flows::default() },
                ),
            }
            previous = Some((key, cap, mem));
        }
        if let (Some(end), Some((key, cap, mem))) = (self.dissolved, previous) {
            add(
                key,
                end,
                Flows { active: -1, capital: -cap, members: -mem, dissolved: 1, ..Flows::default() },
            );
        }
        if let Some(day) = self.admitted.filter(|d| alive(*d)) {
            add(key_at(day), day, Flows { admitted: 1, ..Flows::default() });
        }
        out.retain(|_, f| !f.is_zero());
        out
    }
}

/// The current life of a cooperative or union, read from the register.
pub fn organization_life(conn: &mut Conn, id: i64) -> Result<Life, ApiError> {
    type OrgFacts = (String, i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>);
    let (kind, sector_id, registered, dissolved, admitted): OrgFacts = on_backend!(conn, c => organizations::table
        .find(id)
        .select((
            organizations::kind,
            organizations::sector_id,
            organizations::registration_date,
            organizations::dissolution_date,
            organizations::alliance_admission_date,
        ))
        .first(c))?;
    let (capital, members, locations) = on_backend!(conn, c => {
        let capital: Vec<(NaiveDate, i64)> = capital_entries::table
            .filter(capital_entries::organization_id.eq(id))
            .select((capital_entries::effective_date, capital_entries::charter_capital))
            .load(c)?;
        let members: Vec<(NaiveDate, i32)> = member_entries::table
            .filter(member_entries::organization_id.eq(id))
            .select((member_entries::effective_date, member_entries::member_count))
            .load(c)?;
        let locations: Vec<(NaiveDate, i64, Option<i64>)> = location_entries::table
            .filter(location_entries::organization_id.eq(id))
            .select((location_entries::effective_date, location_entries::province_id, location_entries::district_id))
            .load(c)?;
        (capital, members, locations)
    });
    Ok(Life {
        kind: if kind == "union" { "union" } else { "cooperative" },
        sector_id,
        registered,
        dissolved,
        admitted,
        capital,
        members: members.into_iter().map(|(d, m)| (d, i64::from(m))).collect(),
        locations,
    })
}

/// The current life of a cooperative group: no histories, so its current location and
/// member count stand for its whole life.
pub fn group_life(conn: &mut Conn, id: i64) -> Result<Life, ApiError> {
    type GroupFacts = (i64, i64, Option<i64>, NaiveDate, Option<NaiveDate>, i32);
    let (sector_id, province_id, district_id, founded, dissolved, members): GroupFacts = on_backend!(conn, c => cooperative_groups::table
            .find(id)
            .select((
                cooperative_groups::sector_id,
                cooperative_groups::province_id,
                cooperative_groups::district_id,
                cooperative_groups::founding_date,
                cooperative_groups::dissolution_date,
                cooperative_groups::member_count,
            ))
            .first(c))?;
    Ok(Life {
        kind: "group",
        sector_id,
        registered: founded,
        dissolved,
        admitted: None,
        capital: vec![],
        members: vec![(founded, i64::from(members))],
        locations: vec![(founded, province_id, district_id)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn life() -> Life {
        Life {
            kind: "cooperative",
            sector_id: 1,
            registered: d("2020-01-10"),
            dissolved: None,
            admitted: None,
            capital: vec![(d("2020-01-10"), 100), (d("2021-06-01"), 150)],
            members: vec![(d("2020-01-10"), 10)],
            locations: vec![(d("2020-01-10"), 1, Some(109))],
        }
    }

    fn total(c: &Contribution, upto: NaiveDate) -> Flows {
        let mut sum = Flows::default();
        for ((_, day), f) in c {
            if *day <= upto {
                sum += *f;
            }
        }
        sum
    }

    #[test]
    fn registration_and_capital_change() {
        let c = life().contribution();
        assert_eq!(total(&c, d("2020-01-09")), Flows::default());
        assert_eq!(
            total(&c, d("2020-12-31")),
            Flows { active: 1, capital: 100, members: 10, registered: 1, ..Flows::default() }
        );
        assert_eq!(total(&c, d("2021-06-01")).capital, 150);
    }

    #[test]
    fn dissolution_removes_the_unit_on_its_day() {
        let mut l = life();
        l.dissolved = Some(d("2022-03-01"));
        let c = l.contribution();
        assert_eq!(total(&c, d("2022-02-28")).active, 1);
        let after = total(&c, d("2022-03-01"));
        assert_eq!((after.active, after.capital, after.members, after.dissolved), (0, 0, 0, 1));
    }

    #[test]
    fn a_move_shifts_the_unit_between_keys() {
        let mut l = life();
        l.locations.push((d("2021-01-01"), 1, Some(106)));
        let c = l.contribution();
        let at = |district: i64, upto: &str| {
            c.iter().filter(|((k, day), _)| k.district_key == district && *day <= d(upto)).fold(
                Flows::default(),
                |mut s, (_, f)| {
                    s += *f;
                    s
                },
            )
        };
        assert_eq!(at(109, "2020-12-31").active, 1);
        assert_eq!(at(109, "2021-01-01").active, 0);
        assert_eq!(at(106, "2021-01-01").active, 1);
        assert_eq!(at(106, "2021-06-01").capital, 150);
        assert_eq!(at(109, "2030-01-01").registered, 1, "registration stays where it happened");
    }
}
