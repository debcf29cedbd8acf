//! The synthetic register, planned in memory one unit at a time: deterministic for a
//! seed, cheap per unit (a few hundred nanoseconds of arithmetic and some short strings),
//! so a million units are planned in seconds and never held all at once.

use chrono::{Datelike, Days, NaiveDate};

use crate::rng::Rng;
use crate::stats::ledger::Life;
use crate::text::fold;

pub use super::names::{
    district_id, district_name, province_code, province_id, province_name, DISTRICTS_PER_PROVINCE,
    FIRST_PROVINCE, PROVINCES,
};
use super::names::{FAMILY, GIVEN, MIDDLE, PLACES, SECTORS};

/// Nothing in the synthetic register happens after this day.
pub fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid date")
}

/// Registration years and how many units each gets, relatively: more in recent years.
const FIRST_YEAR: i32 = 1998;
const LAST_YEAR: i32 = 2024;

/// Capital amounts are multiples of ten million đồng.
const CAPITAL_STEP: i64 = 10_000_000;
/// A cooperative has at least seven members.
const MIN_MEMBERS: i32 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cooperative,
    Union,
    Group,
}

impl Kind {
    /// The `kind` of the statistics key (and of `organizations.kind`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::Cooperative => "cooperative",
            Kind::Union => "union",
            Kind::Group => "group",
        }
    }
}

/// Where a unit is from a day on.
#[derive(Debug, Clone)]
pub struct Location {
    pub from: NaiveDate,
    pub province_id: i64,
    pub district_id: i64,
    pub address: String,
}

/// One generated unit with its whole life. Organizations (cooperatives and unions) and
/// cooperative groups number their ids separately, from 1.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: i64,
    pub kind: Kind,
    pub name: String,
    /// Organizations only.
    pub registration_number: String,
    pub sector_id: i64,
    pub representative: String,
    pub phone: Option<String>,
    pub registered: NaiveDate,
    pub dissolved: Option<NaiveDate>,
    /// Admission to the alliance and its batch (organizations only).
    pub admitted: Option<(NaiveDate, String)>,
    /// Sorted by day, distinct days, the first on the registration day (empty for groups).
    pub capital: Vec<(NaiveDate, i64)>,
    /// Sorted by day, distinct days, the first on the registration day (one for groups).
    pub members: Vec<(NaiveDate, i32)>,
    /// Sorted by day, distinct days, the first on the registration day (one for groups).
    pub locations: Vec<Location>,
}

impl Unit {
    pub fn is_group(&self) -> bool {
        self.kind == Kind::Group
    }

    /// The facts statistics see, as the ledger reads them from the register.
    pub fn life(&self) -> Life {
        Life {
            kind: self.kind.key(),
            sector_id: self.sector_id,
            registered: self.registered,
            dissolved: self.dissolved,
            admitted: self.admitted.as_ref().map(|a| a.0),
            capital: self.capital.clone(),
            members: self.members.iter().map(|(d, m)| (*d, i64::from(*m))).collect(),
            locations: self.locations.iter().map(|l| (l.from, l.province_id, Some(l.district_id))).collect(),
        }
    }

    /// The latest location (the current one on the record).
    pub fn location(&self) -> &Location {
        self.locations.last().expect("every unit has a location")
    }

    pub fn capital_now(&self) -> i64 {
        self.capital.last().map_or(0, |c| c.1)
    }

    pub fn members_now(&self) -> i32 {
        self.members.last().map_or(0, |m| m.1)
    }

    /// The record's version: one plus every change after the registration.
    pub fn version(&self) -> i32 {
        let changes = self.capital.len().saturating_sub(1)
            + self.members.len().saturating_sub(1)
            + self.locations.len().saturating_sub(1)
            + usize::from(self.dissolved.is_some());
        1 + changes as i32
    }

    /// The day of the latest change of the record.
    pub fn last_change(&self) -> NaiveDate {
        let dates = self.capital.iter().map(|c| c.0).chain(self.members.iter().map(|m| m.0));
        dates
            .chain(self.locations.iter().map(|l| l.from))
            .chain(self.dissolved)
            .max()
            .unwrap_or(self.registered)
    }
}

/// History entries per cooperative or union unless asked otherwise: the national scale
/// the registry is designed for is a million cooperatives with ten entries each.
pub const HISTORY_ENTRIES: usize = 10;

/// The fewest history entries a cooperative can have: one capital, one member and one
/// location entry, all on the registration day.
pub const MIN_HISTORY_ENTRIES: usize = 3;

/// Plans units one after the other; the same seed gives the same register.
pub struct Planner {
    rng: Rng,
    /// Capital, member and location entries of each cooperative and union together.
    history: usize,
    next_organization: i64,
    next_group: i64,
    cooperatives: usize,
    year_weights: Vec<u32>,
    sector_weights: Vec<u32>,
}

impl Planner {
    /// A planner whose cooperatives and unions have `history` entries each (at least
    /// [`MIN_HISTORY_ENTRIES`]; fewer when a short life has too few days for them).
    pub fn new(seed: u64, history: usize) -> Planner {
        Planner {
            rng: Rng::new(seed ^ 0x5EED_C00F_2024_0001),
            history: history.max(MIN_HISTORY_ENTRIES),
            next_organization: 1,
            next_group: 1,
            cooperatives: 0,
            // 8 for 1998 up to 34 for 2024: four times as many registrations at the end.
            year_weights: (FIRST_YEAR..=LAST_YEAR).map(|y| (y - 1990) as u32).collect(),
            sector_weights: SECTORS.iter().map(|s| s.1).collect(),
        }
    }

    /// Organizations planned so far.
    pub fn organizations(&self) -> i64 {
        self.next_organization - 1
    }

    /// Cooperative groups planned so far.
    pub fn groups(&self) -> i64 {
        self.next_group - 1
    }

    /// Cooperatives (not unions or groups) planned so far.
    pub fn cooperatives(&self) -> usize {
        self.cooperatives
    }

    fn person(&mut self) -> String {
        let family = *self.rng.pick(FAMILY);
        let middle = *self.rng.pick(MIDDLE);
        let given = *self.rng.pick(GIVEN);
        format!("{family} {middle} {given}")
    }

    fn address(&mut self, province_id: i64, district_id: i64) -> String {
        let village = *self.rng.pick(PLACES);
        let commune = *self.rng.pick(PLACES);
        format!(
            "Thôn {village}, xã {commune}, {}, {}",
            district_name(district_id),
            province_name(province_id)
        )
    }

    /// `n` distinct days in `(after, until]`, sorted; every day of the span if it has
    /// fewer than `n`.
    fn change_days(&mut self, after: NaiveDate, until: NaiveDate, n: usize) -> Vec<NaiveDate> {
        let span = (until - after).num_days().max(0) as usize;
        let n = n.min(span);
        let mut days = Vec::with_capacity(n);
        while days.len() < n {
            // Lives span at least 30 days and histories are short, so draws seldom collide.
            let day = after + Days::new(self.rng.range(1, span as i64) as u64);
            if !days.contains(&day) {
                days.push(day);
            }
        }
        days.sort();
        days
    }

    pub fn next_unit(&mut self) -> Unit {
        let kind = match self.rng.below(100) {
            0..=94 => Kind::Cooperative,
            95 => Kind::Union,
            _ => Kind::Group,
        };
        let sector = SECTORS[self.rng.weighted(&self.sector_weights)];
        let province_id = province_id(self.rng.below(PROVINCES as usize) as i64);
        // The provincial city holds a bit fewer units than a rural district.
        let k = self.rng.weighted(&[6, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]) as i64 + 1;
        let district_id = district_id(province_id, k);
        let year = FIRST_YEAR + self.rng.weighted(&self.year_weights) as i32;
        let registered = self.rng.day(
            NaiveDate::from_ymd_opt(year, 1, 1).expect("valid"),
            NaiveDate::from_ymd_opt(year, 12, 31).expect("valid"),
        );
        let end = last_day();
        let dissolved = (self.rng.percent(10) && (end - registered).num_days() > 60)
            .then(|| self.rng.day(registered + Days::new(30), end));
        let life_end = dissolved.unwrap_or(end);
        let place = *self.rng.pick(PLACES);
        let representative = self.person();
        let phone =
            self.rng.percent(70).then(|| format!("0{}{:07}", 200 + k * 7, self.rng.below(10_000_000)));
        let address = self.address(province_id, district_id);

        if kind == Kind::Group {
            let id = self.next_group;
            self.next_group += 1;
            let members = self.rng.range(3, 30) as i32;
            return Unit {
                id,
                kind,
                name: format!("Tổ hợp tác {} thôn {place}", sector.2.to_lowercase()),
                registration_number: String::new(),
                sector_id: sector.0,
                representative,
                phone,
                registered,
                dissolved,
                admitted: None,
                capital: vec![],
                members: vec![(registered, members)],
                locations: vec![Location { from: registered, province_id, district_id, address }],
            };
        }

        let id = self.next_organization;
        self.next_organization += 1;
        self.cooperatives += usize::from(kind == Kind::Cooperative);
        let number = format!("{}-{:08}", province_code(province_id), id);
        let name = match kind {
            Kind::Union => format!("Liên hiệp HTX {} {place}", sector.2),
            _ if self.rng.percent(50) => format!("Hợp tác xã {} {place}", sector.2),
            _ => format!("HTX {} {place} {}", sector.2, 1 + self.rng.below(9)),
        };

        let credit_fund = sector.0 == 21;
        let (mut capital, mut members) = match (kind, credit_fund) {
            (Kind::Union, _) => (self.rng.range(100, 2_000), self.rng.range(3, 20) as i32),
            (_, true) => (self.rng.range(200, 5_000), self.rng.range(300, 3_000) as i32),
            // Skewed towards small cooperatives: the product of two uniforms.
            _ => (self.rng.range(5, 60) * self.rng.range(1, 40), self.rng.range(7, 40) as i32 * 3),
        };
        capital *= CAPITAL_STEP;

        // One location entry, two for the 15% that move (when the history has room); the
        // rest of the history is capital entries and member entries, half and half
        // (capital gets the odd one).
        let moves = self.rng.percent(15) && self.history > MIN_HISTORY_ENTRIES;
        let changes = self.history - MIN_HISTORY_ENTRIES - usize::from(moves);
        let mut capital_entries = vec![(registered, capital)];
        for day in self.change_days(registered, life_end, changes.div_ceil(2)) {
            let change = capital * self.rng.range(-20, 40) / 100;
            capital = ((capital + change) / CAPITAL_STEP).max(1) * CAPITAL_STEP;
            capital_entries.push((day, capital));
        }
        let min_members = if kind == Kind::Union { 2 } else { MIN_MEMBERS };
        let mut member_entries = vec![(registered, members)];
        for day in self.change_days(registered, life_end, changes / 2) {
            let change = members * self.rng.range(-15, 25) as i32 / 100;
            members = (members + change).max(min_members);
            member_entries.push((day, members));
        }
        let mut locations = vec![Location { from: registered, province_id, district_id, address }];
        if moves {
            if let Some(day) = self.change_days(registered, life_end, 1).first() {
                // A move to another district of the province.
                let other = 1 + (k + self.rng.range(0, DISTRICTS_PER_PROVINCE - 2)) % DISTRICTS_PER_PROVINCE;
                let moved_to = self::district_id(province_id, other);
                let address = self.address(province_id, moved_to);
                locations.push(Location { from: *day, province_id, district_id: moved_to, address });
            }
        }
        let admitted = if self.rng.percent(5) && life_end > registered {
            let day = self.rng.day(registered, life_end - Days::new(1));
            let batch = format!("{}/{}", 1 + self.rng.below(2), day.year());
            Some((day, batch))
        } else {
            None
        };
        Unit {
            id,
            kind,
            name,
            registration_number: number,
            sector_id: sector.0,
            representative,
            phone,
            registered,
            dissolved,
            admitted,
            capital: capital_entries,
            members: member_entries,
            locations,
        }
    }
}

/// The units planned from `seed` up to and including the `cooperatives`-th cooperative,
/// with the unions and groups drawn among them (what `generate` writes for the same
/// arguments).
pub fn plan(cooperatives: usize, seed: u64, history: usize) -> Vec<Unit> {
    let mut planner = Planner::new(seed, history);
    let mut units = Vec::new();
    while planner.cooperatives() < cooperatives {
        units.push(planner.next_unit());
    }
    units
}

/// The search and sort keys of a name.
pub fn name_key(name: &str) -> String {
    fold(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_deterministic_and_consistent() {
        let a = plan(2000, 7, HISTORY_ENTRIES);
        let b = plan(2000, 7, HISTORY_ENTRIES);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (x.id, &x.name, x.registered, x.dissolved),
                (y.id, &y.name, y.registered, y.dissolved)
            );
        }
        for u in &a {
            assert_eq!(u.locations[0].from, u.registered);
            assert!(u.registered.year() >= FIRST_YEAR && u.registered.year() <= LAST_YEAR);
            let end = u.dissolved.unwrap_or(last_day());
            assert!(u.dissolved.is_none_or(|d| d > u.registered));
            for d in u.capital.iter().map(|c| c.0).chain(u.members.iter().map(|m| m.0)) {
                assert!(d >= u.registered && d <= end);
            }
            assert!(u.capital.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(u.members.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(u.locations.windows(2).all(|w| w[0].from < w[1].from));
            assert!(u.locations.iter().all(|l| l.province_id == u.locations[0].province_id));
            assert!(u.members.iter().all(|m| m.1 >= 2));
            assert!(u.capital.iter().all(|c| c.1 > 0 && c.1 % CAPITAL_STEP == 0));
            if let Some((day, _)) = &u.admitted {
                assert!(*day >= u.registered && *day < end);
            }
            if !u.is_group() {
                let entries = u.capital.len() + u.members.len() + u.locations.len();
                assert_eq!(entries, HISTORY_ENTRIES, "history of {}", u.id);
                assert!(u.capital.len() >= 4 && u.members.len() == 4, "{} capital entries", u.capital.len());
            }
        }
        assert_eq!(a.iter().filter(|u| u.kind == Kind::Cooperative).count(), 2000);
        assert_eq!(a.last().map(|u| u.kind), Some(Kind::Cooperative), "ends with the 2000th cooperative");
        let groups = a.iter().filter(|u| u.is_group()).count();
        let unions = a.iter().filter(|u| u.kind == Kind::Union).count();
        assert!((40..=130).contains(&groups), "{groups} groups");
        assert!((5..=40).contains(&unions), "{unions} unions");
    }

    #[test]
    fn history_depth_is_what_was_asked() {
        for depth in [MIN_HISTORY_ENTRIES, 4, 25] {
            for u in plan(300, 3, depth).iter().filter(|u| !u.is_group()) {
                let entries = u.capital.len() + u.members.len() + u.locations.len();
                assert_eq!(entries, depth, "depth {depth}, unit {}", u.id);
            }
        }
    }
}
