//! The cooperative groups (tổ hợp tác).

use super::*;

impl Builder {
    pub(super) fn cooperative_groups(&mut self) {
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
