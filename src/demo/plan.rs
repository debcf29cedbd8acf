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

impl Builder {
    fn weekday(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        self.rng.weekday(from, to)
    }

    fn pick_district(&mut self, districts: &'static [District]) -> i64 {
        let weights: Vec<u32> = districts.iter().map(|d| d.weight).collect();
        districts[self.rng.weighted(&weights)].id
    }

    fn person(&mut self) -> String {
        let weights: Vec<u32> = FAMILY_NAMES.iter().map(|(_, w)| *w).collect();
        let family = FAMILY_NAMES[self.rng.weighted(&weights)].0;
        let (middle, given) = if self.rng.chance(0.8) {
            (*self.rng.pick(MALE_MIDDLE), *self.rng.pick(MALE_GIVEN))
        } else {
            (*self.rng.pick(FEMALE_MIDDLE), *self.rng.pick(FEMALE_GIVEN))
        };
        format!("{family} {middle} {given}")
    }

    fn phone(&mut self, province: &Province) -> Option<String> {
        const MOBILE: &[&str] = &[
            "091", "094", "097", "098", "096", "086", "088", "035", "036", "038", "039", "033", "034", "037",
            "032", "090", "093", "081", "083", "084", "085",
        ];
        if self.rng.chance(0.3) {
            return None;
        }
        Some(if self.rng.chance(0.4) {
            format!("{} 3{:03} {:03}", province.area_code, self.rng.range(0, 999), self.rng.range(0, 999))
        } else {
            let prefix = *self.rng.pick(MOBILE);
            format!(
                "{prefix}{} {:03} {:03}",
                self.rng.range(0, 9),
                self.rng.range(0, 999),
                self.rng.range(0, 999)
            )
        })
    }

    fn email(&mut self, prefix: &str, place: &str) -> Option<String> {
        if !self.rng.chance(0.2) {
            return None;
        }
        let slug: String = fold(place).chars().filter(char::is_ascii_alphanumeric).collect();
        Some(format!("{prefix}{slug}{}@gmail.com", self.rng.range(1, 99)))
    }

    /// A commune of the district (rural communes only if `rural`), a village, and the
    /// postal address they make.
    fn locate(&mut self, district_id: i64, rural: bool) -> Location {
        let d = district(district_id);
        let p = province(d.province_id());
        let communes: Vec<&'static str> =
            d.communes.iter().copied().filter(|c| !rural || commune_parts(c).0 == "xã").collect();
        let entry = communes[self.rng.below(communes.len())];
        let (kind, commune) = commune_parts(entry);
        let village = *self.rng.pick(VILLAGES);
        let level = if d.city { "thành phố" } else { "huyện" };
        let address = match kind {
            "phường" => format!(
                "Tổ dân phố số {}, phường {commune}, thành phố {}, tỉnh {}",
                self.rng.range(1, 12),
                d.name,
                p.name
            ),
            "thị trấn" => {
                format!("Tổ dân phố {village}, thị trấn {commune}, {level} {}, tỉnh {}", d.name, p.name)
            }
            _ => format!("Thôn {village}, xã {commune}, {level} {}, tỉnh {}", d.name, p.name),
        };
        Location { ward: kind == "phường", commune, village, address }
    }

    /// Gives a unit a unique name fitting its sector and district, an address, a
    /// representative and contact details.
    fn name_cooperative(&mut self, i: usize) {
        let (sector, district_id, province_id) = {
            let u = &self.units[i];
            (u.sector, u.district_id, u.province_id)
        };
        let patterns: Vec<&Pattern> = COOPERATIVE_PATTERNS
            .iter()
            .filter(|p| p.sector == sector && (p.districts.is_empty() || p.districts.contains(&district_id)))
            .collect();
        assert!(!patterns.is_empty(), "no name pattern for {sector} in {district_id}");
        let credit = sector == "people_credit_fund";
        let mut chosen = None;
        for attempt in 0..80 {
            let pattern = *self.rng.pick(&patterns);
            let Location { ward, commune, village, address } = self.locate(district_id, false);
            // Named after the village now and then, where the village is the address and
            // its name more than one word.
            let by_village = !credit && !ward && village.contains(' ') && self.rng.chance(0.3);
            let place = if by_village { village } else { commune };
            let name = if attempt < 60 {
                format!("{} {place}", pattern.prefix)
            } else {
                format!("{} {village} {commune}", pattern.prefix)
            };
            if !self.names.contains(&name) {
                chosen = Some((name, place, address));
                break;
            }
        }
        let (name, place, address) = chosen.expect("a free cooperative name");
        self.names.insert(name.clone());
        let province = province(province_id);
        let representative = self.person();
        let phone = self.phone(province);
        let email = self.email(if credit { "qtdnd." } else { "htx." }, place);
        let u = &mut self.units[i];
        u.name = name;
        u.address = address;
        u.legal_representative = representative;
        u.phone = phone;
        u.email = email;
    }

    /// Contact details and address for a unit whose name is fixed.
    fn fixed_name(&mut self, i: usize, name: &str) {
        let (district_id, province_id) = (self.units[i].district_id, self.units[i].province_id);
        let address = self.locate(district_id, true).address;
        self.names.insert(name.to_owned());
        let representative = self.person();
        let phone = self.phone(province(province_id));
        let u = &mut self.units[i];
        u.name = name.to_owned();
        u.address = address;
        u.legal_representative = representative;
        u.phone = phone;
    }

    fn agriculture_sector(&mut self, district_id: i64) -> &'static str {
        let forest = [102, 105, 106, 107].contains(&district_id);
        let water = [104, 108, 109, 110, 205, 206].contains(&district_id);
        let thai_binh = district_id > 200;
        let choices = [
            ("crop_farming", 34),
            ("general_agriculture", if thai_binh { 45 } else { 28 }),
            ("livestock", 18),
            ("forestry", if forest { 12 } else { 1 }),
            ("fisheries", if water { 9 } else { 3 }),
            ("irrigation", 5),
        ];
        let weights: Vec<u32> = choices.iter().map(|c| c.1).collect();
        choices[self.rng.weighted(&weights)].0
    }

    fn non_agriculture_sector(&mut self) -> &'static str {
        let choices = [
            ("trade_services", 34),
            ("industry_handicraft", 20),
            ("construction", 12),
            ("transport", 12),
            ("environment", 10),
            ("clean_water", 6),
            ("electricity", 4),
            ("tourism", 2),
        ];
        let weights: Vec<u32> = choices.iter().map(|c| c.1).collect();
        choices[self.rng.weighted(&weights)].0
    }

    fn sector_for(&mut self, group: SectorGroup, district_id: i64) -> &'static str {
        match group {
            SectorGroup::Agriculture => self.agriculture_sector(district_id),
            SectorGroup::NonAgriculture => self.non_agriculture_sector(),
            SectorGroup::CreditFund => "people_credit_fund",
        }
    }

    /// Up to three later dates in `from..=to`, distinct and in order.
    fn entry_dates(&mut self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        if from > to {
            return Vec::new();
        }
        let n = self.rng.weighted(&[35, 35, 20, 10]);
        let mut dates: Vec<NaiveDate> = (0..n).map(|_| self.weekday(from, to)).collect();
        dates.sort();
        dates.dedup();
        dates
    }

    /// Capital and member histories of a cooperative, ending a month before its
    /// dissolution.
    fn histories(&mut self, i: usize) {
        let (registered, dissolved, group) = {
            let u = &self.units[i];
            (u.registered, u.dissolved, sector_group(u.sector))
        };
        let from = registered + Days::new(60);
        let to = dissolved.map_or(last_day(), |d| (d - Days::new(30)).min(last_day()));

        let (lo, hi) = match group {
            SectorGroup::Agriculture => (300e6, 5e9),
            SectorGroup::NonAgriculture => (500e6, 8e9),
            SectorGroup::CreditFund => (5e9, 30e9),
        };
        let mut capital = round_to(self.rng.skewed(lo, hi, 2), CAPITAL_STEP);
        let mut capitals = vec![(registered, capital)];
        for d in self.entry_dates(from, to) {
            let factor = if self.rng.chance(0.8) {
                1.0 + self.rng.skewed(0.05, 0.5, 2)
            } else {
                1.0 - self.rng.skewed(0.05, 0.3, 1)
            };
            capital = round_to(capital as f64 * factor, CAPITAL_STEP).clamp(CAPITAL_STEP, MAX_CAPITAL);
            capitals.push((d, capital));
        }

        let mut members: i32 = match group {
            SectorGroup::CreditFund => self.rng.skewed(400.0, 1200.0, 2).round() as i32,
            _ if self.rng.chance(0.8) => self.rng.range(7, 25) as i32,
            _ => self.rng.skewed(25.0, 120.0, 2).round() as i32,
        };
        let mut counts = vec![(registered, members)];
        for d in self.entry_dates(from, to) {
            let step = (members / 5).max(2) as i64;
            members = if members > MIN_MEMBERS && self.rng.chance(0.3) {
                (members - self.rng.range(1, (step / 2).max(1)) as i32).max(MIN_MEMBERS)
            } else {
                members + self.rng.range(1, step) as i32
            };
            counts.push((d, members));
        }
        let u = &mut self.units[i];
        u.capital = capitals;
        u.members = counts;
    }

    fn bac_giang_cooperatives(&mut self) {
        let start = self.units.len();
        for (from, to, n) in bac_giang_registrations() {
            for _ in 0..n {
                let registered = self.weekday(from, to);
                self.units.push(Unit::new(OrgKind::Cooperative, BAC_GIANG.id, registered));
            }
        }
        self.units[start..].sort_by_key(|u| u.registered);
        let all: Vec<usize> = (start..self.units.len()).collect();

        // HTX Như Hoa, Việt Yên: the cooperative the documents name.
        let nhu_hoa = *all.iter().find(|&&i| self.units[i].registered.year() == 2016).expect("a 2016 unit");
        {
            let u = &mut self.units[nhu_hoa];
            u.district_id = 109;
            u.sector = "crop_farming";
            u.group = Some(SectorGroup::Agriculture);
            u.protected = true;
        }

        // Twenty people's credit funds, two per district, all from the 2015 cohort.
        let mut cohort: Vec<usize> =
            all.iter().copied().filter(|&i| self.units[i].registered.year() == 2015).collect();
        self.rng.shuffle(&mut cohort);
        for (k, &i) in cohort.iter().take(BAC_GIANG_GROUPS.2).enumerate() {
            let u = &mut self.units[i];
            u.district_id = 101 + (k % 10) as i64;
            u.sector = "people_credit_fund";
            u.group = Some(SectorGroup::CreditFund);
            u.protected = true;
        }

        for (from, to, n) in bac_giang_dissolutions() {
            for _ in 0..n {
                let d = self.weekday(from, to);
                let eligible: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let u = &self.units[i];
                        !u.protected && u.dissolved.is_none() && u.registered + Days::new(365) <= d
                    })
                    .collect();
                let i = *self.rng.pick(&eligible);
                self.units[i].dissolved = Some(d);
            }
        }

        for &i in &all {
            if self.units[i].district_id == 0 {
                self.units[i].district_id = self.pick_district(BAC_GIANG_DISTRICTS);
            }
        }

        // Sector groups: exact among the cooperatives active at the end of 2023.
        let mut active: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| self.units[i].group.is_none() && self.units[i].active_on(cutoff()))
            .collect();
        assert_eq!(active.len(), BAC_GIANG_GROUPS.0 + BAC_GIANG_GROUPS.1 - 1, "active units to assign");
        self.rng.shuffle(&mut active);
        for (k, &i) in active.iter().enumerate() {
            let group = if k < BAC_GIANG_GROUPS.0 - 1 {
                SectorGroup::Agriculture
            } else {
                SectorGroup::NonAgriculture
            };
            self.units[i].group = Some(group);
        }
        for &i in &all {
            if self.units[i].group.is_none() {
                let group = if self.rng.chance(0.66) {
                    SectorGroup::Agriculture
                } else {
                    SectorGroup::NonAgriculture
                };
                self.units[i].group = Some(group);
            }
            if self.units[i].sector.is_empty() {
                let (group, district_id) =
                    (self.units[i].group.expect("group set"), self.units[i].district_id);
                self.units[i].sector = self.sector_for(group, district_id);
            }
        }

        for &i in &all {
            if i == nhu_hoa {
                self.fixed_name(i, "HTX Như Hoa");
            } else {
                self.name_cooperative(i);
            }
            self.histories(i);
        }

        for (batch, date, n) in alliance_batches() {
            for _ in 0..n {
                let eligible: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let u = &self.units[i];
                        u.dissolved.is_none() && u.alliance.is_none() && u.registered + Days::new(90) <= date
                    })
                    .collect();
                let i = *self.rng.pick(&eligible);
                self.units[i].alliance = Some((date, batch));
                self.units[i].protected = true;
            }
        }
    }

    /// A union with its founding members, members joining later and one member leaving.
    fn union(&mut self, spec: UnionSpec) {
        let UnionSpec {
            province_id,
            name,
            district_id,
            sector,
            registered,
            founders,
            joins,
            leaves,
            first_members,
        } = spec;
        let u = self.units.len();
        let mut unit = Unit::new(OrgKind::Union, province_id, registered);
        unit.district_id = district_id;
        unit.sector = sector;
        unit.group = Some(sector_group(sector));
        unit.protected = true;
        self.units.push(unit);
        self.fixed_name(u, name);

        let group = sector_group(sector);
        let mut taken: HashSet<usize> = self.memberships.iter().map(|m| m.cooperative).collect();
        taken.extend(first_members.iter().copied());
        let mut candidates = |b: &mut Builder, by: NaiveDate, n: usize| -> Vec<usize> {
            // Same sector and district first, then the sector group in the district, then
            // the sector group anywhere in the province.
            let fits = |c: &Unit, tier: u8| {
                c.kind == OrgKind::Cooperative
                    && c.province_id == province_id
                    && c.dissolved.is_none()
                    && c.registered + Days::new(60) <= by
                    && sector_group(c.sector) == group
                    && (tier > 0 || c.sector == sector)
                    && (tier > 1 || c.district_id == district_id)
            };
            let mut chosen = Vec::new();
            for tier in 0..3 {
                let mut pool: Vec<usize> =
                    (0..b.units.len()).filter(|i| !taken.contains(i) && fits(&b.units[*i], tier)).collect();
                b.rng.shuffle(&mut pool);
                for i in pool {
                    if chosen.len() < n && !chosen.contains(&i) {
                        chosen.push(i);
                    }
                }
            }
            assert_eq!(chosen.len(), n, "enough member cooperatives for {name}");
            taken.extend(chosen.iter().copied());
            chosen
        };

        let mut founding: Vec<usize> = first_members;
        let more = candidates(self, registered, founders - founding.len());
        founding.extend(more);
        for &c in &founding {
            self.units[c].protected = true;
            self.memberships.push(Membership { union: u, cooperative: c, joined: registered, left: None });
        }
        let mut counts = vec![(registered, founding.len() as i32)];
        for d in joins {
            let c = candidates(self, d, 1)[0];
            self.units[c].protected = true;
            self.memberships.push(Membership { union: u, cooperative: c, joined: d, left: None });
            let last = counts.last().expect("founding count").1;
            counts.push((d, last + 1));
        }
        if let Some(d) = leaves {
            let m = self.memberships.iter_mut().find(|m| m.union == u).expect("a founding member");
            m.left = Some(d);
            let last = counts.last().expect("founding count").1;
            counts.push((d, last - 1));
        }
        counts.sort_by_key(|c| c.0);

        let mut capital = round_to(self.rng.skewed(2e9, 10e9, 1), 100_000_000);
        let mut capitals = vec![(registered, capital)];
        if self.rng.chance(0.7) {
            let d = self.weekday(registered + Days::new(180), last_day());
            capital = round_to(capital as f64 * 1.5, 100_000_000);
            capitals.push((d, capital));
        }
        let unit = &mut self.units[u];
        unit.capital = capitals;
        unit.members = counts;
    }

    fn bac_giang_unions(&mut self) {
        let nhu_hoa = self.units.iter().position(|u| u.name == "HTX Như Hoa").expect("HTX Như Hoa");
        self.union(UnionSpec {
            province_id: BAC_GIANG.id,
            name: "Liên hiệp HTX Vải thiều Lục Ngạn",
            district_id: 106,
            sector: "crop_farming",
            registered: day(2019, 8, 15),
            founders: 5,
            joins: vec![day(2021, 3, 10)],
            leaves: Some(day(2022, 12, 15)),
            first_members: vec![],
        });
        self.union(UnionSpec {
            province_id: BAC_GIANG.id,
            name: "Liên hiệp HTX Gà đồi Yên Thế",
            district_id: 102,
            sector: "livestock",
            registered: day(2020, 10, 20),
            founders: 4,
            joins: vec![day(2022, 6, 8)],
            leaves: None,
            first_members: vec![],
        });
        self.union(UnionSpec {
            province_id: BAC_GIANG.id,
            name: "Liên hiệp HTX Nông sản an toàn Việt Yên",
            district_id: 109,
            sector: "general_agriculture",
            registered: day(2021, 9, 8),
            founders: 6,
            joins: vec![],
            leaves: None,
            first_members: vec![nhu_hoa],
        });
        self.union(UnionSpec {
            province_id: BAC_GIANG.id,
            name: "Liên hiệp HTX Dịch vụ tổng hợp Bắc Giang",
            district_id: 101,
            sector: "trade_services",
            registered: day(2023, 3, 16),
            founders: 3,
            joins: vec![],
            leaves: None,
            first_members: vec![],
        });
    }

    fn thai_binh(&mut self) {
        let start = self.units.len();
        for (year, n) in [(2016, 9), (2017, 8), (2018, 8), (2019, 8)] {
            for _ in 0..n {
                let registered = self.weekday(day(year, 1, 1), day(year, 12, 31));
                self.units.push(Unit::new(OrgKind::Cooperative, THAI_BINH.id, registered));
            }
        }
        self.units[start..].sort_by_key(|u| u.registered);
        let all: Vec<usize> = (start..self.units.len()).collect();
        for &i in &all {
            let district_id = self.pick_district(THAI_BINH_DISTRICTS);
            let group = if i == start {
                SectorGroup::CreditFund
            } else if self.rng.chance(0.75) {
                SectorGroup::Agriculture
            } else {
                SectorGroup::NonAgriculture
            };
            let sector = self.sector_for(group, district_id);
            let u = &mut self.units[i];
            u.district_id = district_id;
            u.sector = sector;
            u.group = Some(group);
            u.protected = group == SectorGroup::CreditFund;
        }
        // One cooperative of 2016 gave up in 2019.
        let d = self.weekday(day(2019, 6, 1), day(2019, 12, 31));
        let eligible: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| !self.units[i].protected && self.units[i].registered.year() == 2016)
            .collect();
        let i = *self.rng.pick(&eligible);
        self.units[i].dissolved = Some(d);
        for &i in &all {
            self.name_cooperative(i);
            self.histories(i);
        }
        // The province's first union.
        self.union(UnionSpec {
            province_id: THAI_BINH.id,
            name: "Liên hiệp HTX Dịch vụ nông nghiệp Thái Bình",
            district_id: 201,
            sector: "general_agriculture",
            registered: day(2018, 11, 22),
            founders: 3,
            joins: vec![],
            leaves: None,
            first_members: vec![],
        });
    }

    /// Scales the Bắc Giang cooperatives' histories to the published totals at the end of
    /// 2023, then spreads the rounding remainder over the latest entries on or before
    /// that day of the active cooperatives.
    fn correct_bac_giang_totals(&mut self) {
        let day = cutoff();
        let all: Vec<usize> =
            (0..self.units.len()).filter(|&i| self.units[i].is_bac_giang_cooperative()).collect();
        let mut active: Vec<usize> = all.iter().copied().filter(|&i| self.units[i].active_on(day)).collect();
        self.rng.shuffle(&mut active);

        let capital_at = |u: &Unit| u.capital[latest_on(&u.capital, day).expect("registered")].1;
        let total: i64 = active.iter().map(|&i| capital_at(&self.units[i])).sum();
        let factor = BAC_GIANG_CAPITAL as f64 / total as f64;
        for &i in &all {
            for entry in &mut self.units[i].capital {
                entry.1 = round_to(entry.1 as f64 * factor, CAPITAL_STEP).clamp(CAPITAL_STEP, MAX_CAPITAL);
            }
        }
        let total: i64 = active.iter().map(|&i| capital_at(&self.units[i])).sum();
        let mut rest = (BAC_GIANG_CAPITAL - total) / CAPITAL_STEP;
        for _ in 0..100 {
            if rest == 0 {
                break;
            }
            let (per, extra) = (rest / active.len() as i64, rest % active.len() as i64);
            for (k, &i) in active.iter().enumerate() {
                let delta = per + if (k as i64) < extra.abs() { extra.signum() } else { 0 };
                let entries = &mut self.units[i].capital;
                let e = latest_on(entries, day).expect("registered");
                let old = entries[e].1;
                entries[e].1 = (old + delta * CAPITAL_STEP).clamp(CAPITAL_STEP, MAX_CAPITAL);
                rest -= (entries[e].1 - old) / CAPITAL_STEP;
            }
        }
        assert_eq!(rest, 0, "capital correction");

        let members_at = |u: &Unit| u.members[latest_on(&u.members, day).expect("registered")].1 as i64;
        let total: i64 = active.iter().map(|&i| members_at(&self.units[i])).sum();
        let factor = BAC_GIANG_MEMBERS as f64 / total as f64;
        for &i in &all {
            for entry in &mut self.units[i].members {
                entry.1 = ((entry.1 as f64 * factor).round() as i32).clamp(MIN_MEMBERS, MAX_MEMBERS);
            }
        }
        let total: i64 = active.iter().map(|&i| members_at(&self.units[i])).sum();
        let mut rest = BAC_GIANG_MEMBERS - total;
        for _ in 0..100 {
            if rest == 0 {
                break;
            }
            let (per, extra) = (rest / active.len() as i64, rest % active.len() as i64);
            for (k, &i) in active.iter().enumerate() {
                let delta = per + if (k as i64) < extra.abs() { extra.signum() } else { 0 };
                let entries = &mut self.units[i].members;
                let e = latest_on(entries, day).expect("registered");
                let old = entries[e].1;
                entries[e].1 = (old + delta as i32).clamp(MIN_MEMBERS, MAX_MEMBERS);
                rest -= (entries[e].1 - old) as i64;
            }
        }
        assert_eq!(rest, 0, "member correction");
    }

    /// Registration numbers: province prefix, district, and a serial per district in
    /// order of registration.
    fn number(&mut self) {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by_key(|&i| (self.units[i].registered, i));
        let mut serials: HashMap<i64, u32> = HashMap::new();
        for i in order {
            let u = &mut self.units[i];
            let serial = serials.entry(u.district_id).or_insert(0);
            *serial += 1;
            u.registration_number =
                format!("{}{:02}{:06}", province(u.province_id).number_prefix, u.district_id % 100, *serial);
        }
    }

    fn cooperative_groups(&mut self) {
        for (districts, n, dissolved) in [(BAC_GIANG_DISTRICTS, 30, 3), (THAI_BINH_DISTRICTS, 10, 1)] {
            let start = self.groups.len();
            for _ in 0..n {
                let district_id = self.pick_district(districts);
                let patterns: Vec<&Pattern> = GROUP_PATTERNS
                    .iter()
                    .filter(|p| p.districts.is_empty() || p.districts.contains(&district_id))
                    .collect();
                let mut chosen = None;
                for _ in 0..40 {
                    let pattern = *self.rng.pick(&patterns);
                    let Location { village, address, .. } = self.locate(district_id, true);
                    let name = format!("Tổ hợp tác {} thôn {village}", pattern.prefix);
                    if !self.names.contains(&name) {
                        chosen = Some((name, pattern.sector, address));
                        break;
                    }
                }
                let (name, sector, address) = chosen.expect("a free group name");
                self.names.insert(name.clone());
                let founded = self.weekday(day(2016, 1, 1), day(2024, 10, 31));
                let representative = self.person();
                let members = self.rng.range(5, 30) as i32;
                self.groups.push(Group {
                    name,
                    sector,
                    province_id: district(district_id).province_id(),
                    district_id,
                    address,
                    representative,
                    founded,
                    members,
                    dissolved: None,
                });
            }
            let mut old: Vec<usize> =
                (start..self.groups.len()).filter(|&g| self.groups[g].founded < day(2022, 1, 1)).collect();
            self.rng.shuffle(&mut old);
            for &g in old.iter().take(dissolved) {
                let founded = self.groups[g].founded;
                self.groups[g].dissolved = Some(self.weekday(founded + Days::new(365), last_day()));
            }
        }
    }
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
