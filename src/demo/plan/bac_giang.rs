//! Bắc Giang's cooperatives and unions, planned to reach its published figures exactly.

use super::*;

impl Builder {
    pub(super) fn bac_giang_cooperatives(&mut self) {
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
    pub(super) fn union(&mut self, spec: UnionSpec) {
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

    pub(super) fn bac_giang_unions(&mut self) {
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

    /// Scales the Bắc Giang cooperatives' histories to the published totals at the end of
    /// 2023, then spreads the rounding remainder over the latest entries on or before
    /// that day of the active cooperatives.
    pub(super) fn correct_bac_giang_totals(&mut self) {
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
        let steps = (BAC_GIANG_CAPITAL - total) / CAPITAL_STEP;
        let rest =
            spread(&mut self.units, &active, day, steps, (CAPITAL_STEP, (CAPITAL_STEP, MAX_CAPITAL)), |u| {
                &mut u.capital
            });
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
        let bounds = (i64::from(MIN_MEMBERS), i64::from(MAX_MEMBERS));
        let rest =
            spread(&mut self.units, &active, day, BAC_GIANG_MEMBERS - total, (1, bounds), |u| &mut u.members);
        assert_eq!(rest, 0, "member correction");
    }
}

/// Spreads `steps` steps (`step`, each) over the latest entries on or before `day` of
/// the `active` units, evenly and in their order, each entry kept within `bounds`; an
/// entry held at a bound leaves its share for the next round. Returns the steps left.
fn spread<T: Copy + Into<i64> + TryFrom<i64>>(
    units: &mut [Unit],
    active: &[usize],
    day: NaiveDate,
    mut steps: i64,
    (step, (min, max)): (i64, (i64, i64)),
    entries: fn(&mut Unit) -> &mut Vec<(NaiveDate, T)>,
) -> i64 {
    for _ in 0..100 {
        if steps == 0 {
            break;
        }
        let (per, extra) = (steps / active.len() as i64, steps % active.len() as i64);
        for (k, &i) in active.iter().enumerate() {
            let delta = per + if (k as i64) < extra.abs() { extra.signum() } else { 0 };
            let entries = entries(&mut units[i]);
            let e = latest_on(entries, day).expect("registered");
            let old: i64 = entries[e].1.into();
            let new = (old + delta * step).clamp(min, max);
            entries[e].1 = T::try_from(new).ok().expect("within the bounds");
            steps -= (new - old) / step;
        }
    }
    steps
}
