//! A small deterministic random number generator (splitmix64): the demo registry and
//! the generated national register are the same on every machine and every run. Only
//! integer arithmetic and IEEE multiplication are used, so no platform-dependent maths
//! creeps into the data.

use chrono::{Datelike, Days, NaiveDate, Weekday};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "empty range");
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi, "empty range");
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `percent` / 100 (integer arithmetic only).
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A day in `from..=to`.
    pub fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days();
        from + Days::new(self.range(0, span) as u64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A value in `[lo, hi]` skewed towards `lo` (density falling like `u^power`).
    pub fn skewed(&mut self, lo: f64, hi: f64, power: u32) -> f64 {
        let u = self.unit();
        let mut w = 1.0;
        for _ in 0..power {
            w *= u;
        }
        lo + (hi - lo) * w
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights (not all zero).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        unreachable!("weights sum to {total}")
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// A working day (Monday to Friday) in `from..=to`; any day if the span has none.
    pub fn weekday(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        assert!(from <= to, "empty span {from}..{to}");
        let span = (to - from).num_days();
        let mut day = from;
        for _ in 0..32 {
            day = from + Days::new(self.range(0, span) as u64);
            if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                return day;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let x = a.range(-3, 5);
            assert!((-3..=5).contains(&x));
            b.range(-3, 5);
        }
        let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        for _ in 0..100 {
            let d = a.weekday(from, to);
            assert!(d >= from && d <= to);
            assert!(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
        }
    }
}
