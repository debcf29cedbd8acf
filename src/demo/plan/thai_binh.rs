//! Thái Bình's units (2016–2019), with the figures its source publishes: 8 new
//! cooperatives and the province's first union in 2018.

use super::*;

impl Builder {
    pub(super) fn thai_binh(&mut self) {
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
}
