//! The demo registry, planned in memory before anything is written: every unit with its
//! whole life (registration, capital and member histories, dissolution), the union
//! memberships, the cooperative groups and the plan targets. Planning first lets the
//! published totals be reached exactly before the store sees a single record.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate};

use super::places::{
    District, Pattern, Province, BAC_GIANG, BAC_GIANG_DISTRICTS, COOPERATIVE_PATTERNS, FAMILY_NAMES,
    FEMALE_GIVEN, FEMALE_MIDDLE, GROUP_PATTERNS, MALE_GIVEN, MALE_MIDDLE, THAI_BINH, THAI_BINH_DISTRICTS,
    VILLAGES,
};
use crate::domain::OrgKind;
use crate::organizations::input::{MAX_CAPITAL, MAX_MEMBERS};
use crate::rng::Rng;
use crate::text::fold;

mod bac_giang;
mod groups;
mod parts;
mod thai_binh;

/// The one seed of the demo: the same registry on every run.
const SEED: u64 = 0x2024_1116_0731_0365;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// The day the Bắc Giang report of 2023 describes.
pub fn cutoff() -> NaiveDate {
    day(2023, 12, 31)
}

/// Nothing in the demo happens after this day.
pub fn last_day() -> NaiveDate {
    day(2024, 12, 31)
}

/// Bắc Giang's published totals at the end of 2023.
pub const BAC_GIANG_CAPITAL: i64 = 2_772_000_000_000;
pub const BAC_GIANG_MEMBERS: i64 = 42_153;
/// Cooperatives active at the end of 2023 per sector group: agriculture, forestry and
/// fisheries; non-agriculture; people's credit funds.
pub const BAC_GIANG_GROUPS: (usize, usize, usize) = (731, 365, 20);

/// Capital amounts are multiples of ten million đồng.
const CAPITAL_STEP: i64 = 10_000_000;
/// A cooperative has at least seven members (Law on Cooperatives 2012).
const MIN_MEMBERS: i32 = 7;

/// New Bắc Giang cooperatives per period (first day, last day, count). 2015 holds the
/// cooperatives re-registered under the 2012 Law on Cooperatives.
fn bac_giang_registrations() -> Vec<(NaiveDate, NaiveDate, usize)> {
    let mut periods = vec![(day(2015, 1, 1), day(2015, 12, 31), 459)];
    for (year, n) in [(2016, 70), (2017, 80), (2018, 90), (2019, 95), (2020, 98), (2021, 105)] {
        periods.push((day(year, 1, 1), day(year, 12, 31), n));
    }
    periods.push((day(2022, 1, 1), day(2022, 3, 31), 12));
    periods.push((day(2022, 4, 1), day(2022, 12, 31), 70));
    periods.push((day(2023, 1, 1), day(2023, 12, 31), 101));
    periods.push((day(2024, 1, 1), day(2024, 12, 31), 95));
    periods
}

/// Bắc Giang dissolutions per period.
fn bac_giang_dissolutions() -> Vec<(NaiveDate, NaiveDate, usize)> {
    let mut periods = Vec::new();
    for (year, n) in [(2017, 5), (2018, 8), (2019, 10), (2020, 12), (2021, 10)] {
        periods.push((day(year, 1, 1), day(year, 12, 31), n));
    }
    periods.push((day(2022, 1, 1), day(2022, 3, 31), 3));
    periods.push((day(2022, 4, 1), day(2022, 12, 31), 8));
    periods.push((day(2023, 1, 1), day(2023, 12, 31), 8));
    periods.push((day(2024, 1, 1), day(2024, 12, 31), 6));
    periods
}

/// Admission batches of the Bắc Giang cooperative alliance: batch, date, units.
fn alliance_batches() -> Vec<(&'static str, NaiveDate, usize)> {
    vec![
        ("1/2019", day(2019, 6, 14), 6),
        ("1/2020", day(2020, 7, 10), 7),
        ("1/2021", day(2021, 5, 20), 9),
        ("2/2021", day(2021, 11, 5), 14),
        ("1/2022", day(2022, 6, 17), 8),
        ("1/2023", day(2023, 6, 9), 10),
        ("2/2023", day(2023, 11, 24), 5),
        ("1/2024", day(2024, 5, 22), 6),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorGroup {
    Agriculture,
    NonAgriculture,
    CreditFund,
}

pub fn sector_group(sector: &str) -> SectorGroup {
    match sector {
        "crop_farming" | "livestock" | "general_agriculture" | "forestry" | "fisheries" | "irrigation" => {
            SectorGroup::Agriculture
        }
        "people_credit_fund" => SectorGroup::CreditFund,
        _ => SectorGroup::NonAgriculture,
    }
}

/// A cooperative or union with its whole life.
#[derive(Debug, Clone)]
pub struct Unit {
    pub kind: OrgKind,
    pub province_id: i64,
    pub district_id: i64,
    pub sector: &'static str,
    pub name: String,
    pub registration_number: String,
    pub address: String,
    pub legal_representative: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub registered: NaiveDate,
    pub dissolved: Option<NaiveDate>,
    /// Charter capital from each date on; the first entry is on the registration date.
    pub capital: Vec<(NaiveDate, i64)>,
    /// Member count from each date on; the first entry is on the registration date.
    pub members: Vec<(NaiveDate, i32)>,
    pub alliance: Option<(NaiveDate, &'static str)>,
    /// Kept out of dissolutions (named units, credit funds, alliance and union members).
    protected: bool,
    group: Option<SectorGroup>,
}

impl Unit {
    fn new(kind: OrgKind, province_id: i64, registered: NaiveDate) -> Unit {
        Unit {
            kind,
            province_id,
            district_id: 0,
            sector: "",
            name: String::new(),
            registration_number: String::new(),
            address: String::new(),
            legal_representative: String::new(),
            phone: None,
            email: None,
            registered,
            dissolved: None,
            capital: Vec::new(),
            members: Vec::new(),
            alliance: None,
            protected: false,
            group: None,
        }
    }

    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.registered <= day && self.dissolved.is_none_or(|d| d > day)
    }

    fn is_bac_giang_cooperative(&self) -> bool {
        self.kind == OrgKind::Cooperative && self.province_id == BAC_GIANG.id
    }
}

/// Index of the latest entry on or before `day`.
pub fn latest_on<T>(entries: &[(NaiveDate, T)], day: NaiveDate) -> Option<usize> {
    entries.iter().rposition(|(d, _)| *d <= day)
}

#[derive(Debug, Clone)]
pub struct Membership {
    pub union: usize,
    pub cooperative: usize,
    pub joined: NaiveDate,
    pub left: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub sector: &'static str,
    pub province_id: i64,
    pub district_id: i64,
    pub address: String,
    pub representative: String,
    pub founded: NaiveDate,
    pub members: i32,
    pub dissolved: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub province_id: i64,
    pub year: i32,
    pub quarter: Option<i32>,
    pub target: i32,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub units: Vec<Unit>,
    pub memberships: Vec<Membership>,
    pub groups: Vec<Group>,
    pub targets: Vec<Target>,
}

/// Plans the whole demo registry.
pub fn build() -> Plan {
    let mut b = Builder {
        rng: Rng::new(SEED),
        units: Vec::new(),
        memberships: Vec::new(),
        groups: Vec::new(),
        names: HashSet::new(),
    };
    b.bac_giang_cooperatives();
    b.bac_giang_unions();
    b.thai_binh();
    b.correct_bac_giang_totals();
    b.number();
    b.cooperative_groups();
    Plan { units: b.units, memberships: b.memberships, groups: b.groups, targets: targets() }
}

fn targets() -> Vec<Target> {
    let mut out = Vec::new();
    let yearly = |province_id, year, target| Target { province_id, year, quarter: None, target };
    for (year, target) in [
        (2015, 450),
        (2016, 60),
        (2017, 70),
        (2018, 80),
        (2019, 90),
        (2020, 90),
        (2021, 100),
        (2022, 80),
        (2023, 50),
        (2024, 90),
    ] {
        out.push(yearly(BAC_GIANG.id, year, target));
    }
    for (year, quarters) in [(2022, [15, 20, 20, 25]), (2023, [10, 12, 13, 15])] {
        for (q, target) in (1..).zip(quarters) {
            out.push(Target { province_id: BAC_GIANG.id, year, quarter: Some(q), target });
        }
    }
    for (year, target) in [(2016, 8), (2017, 8), (2018, 10), (2019, 10)] {
        out.push(yearly(THAI_BINH.id, year, target));
    }
    out
}

fn district(id: i64) -> &'static District {
    BAC_GIANG_DISTRICTS.iter().chain(THAI_BINH_DISTRICTS).find(|d| d.id == id).expect("known demo district")
}

fn province(id: i64) -> &'static Province {
    if id == BAC_GIANG.id {
        &BAC_GIANG
    } else {
        &THAI_BINH
    }
}

/// A commune entry split into its kind (`xã`, `phường`, `thị trấn`) and name.
fn commune_parts(entry: &'static str) -> (&'static str, &'static str) {
    if let Some(name) = entry.strip_prefix("p:") {
        ("phường", name)
    } else if let Some(name) = entry.strip_prefix("tt:") {
        ("thị trấn", name)
    } else {
        ("xã", entry)
    }
}

fn round_to(value: f64, step: i64) -> i64 {
    (value / step as f64).round() as i64 * step
}

/// Where a unit is: commune (or ward), village and the postal address.
struct Location {
    ward: bool,
    commune: &'static str,
    village: &'static str,
    address: String,
}

/// A union to plan: where and when it registers, how many cooperatives found it (some
/// named), when others join, and when its first member leaves.
struct UnionSpec {
    province_id: i64,
    name: &'static str,
    district_id: i64,
    sector: &'static str,
    registered: NaiveDate,
    founders: usize,
    joins: Vec<NaiveDate>,
    leaves: Option<NaiveDate>,
    first_members: Vec<usize>,
}

struct Builder {
    rng: Rng,
    units: Vec<Unit>,
    memberships: Vec<Membership>,
    groups: Vec<Group>,
    /// Names given so far (cooperatives, unions and groups), to keep them unique.
    names: HashSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_deterministic_and_consistent() {
        let a = build();
        let b = build();
        assert_eq!(a.units.len(), b.units.len());
        for (x, y) in a.units.iter().zip(&b.units) {
            assert_eq!(
                (&x.name, &x.registration_number, x.registered, &x.capital, &x.members),
                (&y.name, &y.registration_number, y.registered, &y.capital, &y.members)
            );
        }
        let names: HashSet<&str> = a.units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names.len(), a.units.len(), "unique names");
        for u in &a.units {
            assert!(u.capital.windows(2).all(|w| w[0].0 < w[1].0), "{}", u.name);
            assert!(u.members.windows(2).all(|w| w[0].0 < w[1].0), "{}", u.name);
            assert_eq!(u.capital[0].0, u.registered);
            assert_eq!(u.members[0].0, u.registered);
            let last = u.capital.last().unwrap().0.max(u.members.last().unwrap().0);
            assert!(last <= last_day());
            if let Some(d) = u.dissolved {
                assert!(d > last, "{} dissolved after its histories", u.name);
            }
        }
        assert_eq!(BAC_GIANG.id, district(109).province_id());
        assert_eq!(THAI_BINH.id, district(205).province_id());
    }
}
