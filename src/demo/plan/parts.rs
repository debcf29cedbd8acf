//! The parts the demo's units are made of: people, phones and e-mails, places, names,
//! sectors, histories, and the registration numbers given last.

use super::*;

impl Builder {
    pub(super) fn weekday(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        self.rng.weekday(from, to)
    }

    pub(super) fn pick_district(&mut self, districts: &'static [District]) -> i64 {
        let weights: Vec<u32> = districts.iter().map(|d| d.weight).collect();
        districts[self.rng.weighted(&weights)].id
    }

    pub(super) fn person(&mut self) -> String {
        let weights: Vec<u32> = FAMILY_NAMES.iter().map(|(_, w)| *w).collect();
        let family = FAMILY_NAMES[self.rng.weighted(&weights)].0;
        let (middle, given) = if self.rng.chance(0.8) {
            (*self.rng.pick(MALE_MIDDLE), *self.rng.pick(MALE_GIVEN))
        } else {
            (*self.rng.pick(FEMALE_MIDDLE), *self.rng.pick(FEMALE_GIVEN))
        };
        format!("{family} {middle} {given}")
    }

    pub(super) fn phone(&mut self, province: &Province) -> Option<String> {
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

    pub(super) fn email(&mut self, prefix: &str, place: &str) -> Option<String> {
        if !self.rng.chance(0.2) {
            return None;
        }
        let slug: String = fold(place).chars().filter(char::is_ascii_alphanumeric).collect();
        Some(format!("{prefix}{slug}{}@gmail.com", self.rng.range(1, 99)))
    }

    /// A commune of the district (rural communes only if `rural`), a village, and the
    /// postal address they make.
    pub(super) fn locate(&mut self, district_id: i64, rural: bool) -> Location {
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
    pub(super) fn name_cooperative(&mut self, i: usize) {
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
    pub(super) fn fixed_name(&mut self, i: usize, name: &str) {
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

    pub(super) fn agriculture_sector(&mut self, district_id: i64) -> &'static str {
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

    pub(super) fn non_agriculture_sector(&mut self) -> &'static str {
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

    pub(super) fn sector_for(&mut self, group: SectorGroup, district_id: i64) -> &'static str {
        match group {
            SectorGroup::Agriculture => self.agriculture_sector(district_id),
            SectorGroup::NonAgriculture => self.non_agriculture_sector(),
            SectorGroup::CreditFund => "people_credit_fund",
        }
    }

    /// Up to three later dates in `from..=to`, distinct and in order.
    pub(super) fn entry_dates(&mut self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
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
    pub(super) fn histories(&mut self, i: usize) {
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

    /// Registration numbers: province prefix, district, and a serial per district in
    /// order of registration.
    pub(super) fn number(&mut self) {
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
}
