//! The rules that keep the administrative units of each period consistent: a unit's
//! period, the unit it merged into, the units merged into it, the province around a
//! district, the districts inside a province and the records located in the unit.
//! Statistics reach a merged unit's records through its successor, and records are
//! located by the units valid on their dates, so a change that broke one of these would
//! silently change past figures.

use chrono::{Days, NaiveDate};

use crate::error::FieldError;

/// A unit as the rules see it.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    fn contains(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    fn within(&self, outer: &Unit) -> bool {
        let ends_within = match (self.valid_to, outer.valid_to) {
            (_, None) => true,
            (Some(end), Some(outer_end)) => end <= outer_end,
            (None, Some(_)) => false,
        };
        outer.valid_from <= self.valid_from && ends_within
    }

    fn label(&self) -> String {
        format!("{} ({})", self.id, self.name)
    }

    fn period(&self) -> String {
        match self.valid_to {
            Some(end) => format!("{} to {end}", self.valid_from),
            None => format!("from {}", self.valid_from),
        }
    }
}

/// Everything a unit's (new) period and successor must agree with.
#[derive(Debug)]
pub struct Neighbourhood<'a> {
    /// The unit as it would be after the change (id 0 when it is new).
    pub unit: &'a Unit,
    /// The unit it would merge into: `Some(None)` when that id does not exist.
    pub successor: Option<Option<&'a Unit>>,
    /// Units that name this one as their successor.
    pub predecessors: &'a [Unit],
    /// The province around a district.
    pub parent: Option<&'a Unit>,
    /// The districts of a province.
    pub children: &'a [Unit],
    /// The latest day a record of the register was located in the unit.
    pub last_record_day: Option<NaiveDate>,
}

/// The broken rules, each naming the field to change.
pub fn check(n: &Neighbourhood) -> Vec<FieldError> {
    let unit = n.unit;
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| errors.push(FieldError::new(field, message));
    if let Some(end) = unit.valid_to {
        if end < unit.valid_from {
            fail("valid_to", format!("must not be before valid_from ({})", unit.valid_from));
        }
    }
    match (n.successor, unit.valid_to) {
        (None, _) => {}
        (Some(_), None) => {
            fail("successor_id", "needs valid_to: a unit merges into another when it ends".into())
        }
        (Some(None), Some(_)) => fail("successor_id", "no such unit".into()),
        (Some(Some(successor)), _) if successor.id == unit.id => {
            fail("successor_id", "must be another unit".into())
        }
        (Some(Some(successor)), Some(end)) => {
            let next = end + Days::new(1);
            if !successor.contains(next) {
                fail(
                    "successor_id",
                    format!(
                        "unit {} exists {}, not on {next}, the day after valid_to",
                        successor.label(),
                        successor.period()
                    ),
                );
            }
        }
    }
    for predecessor in n.predecessors {
        if let Some(merged_on) = predecessor.valid_to.map(|end| end + Days::new(1)) {
            if !unit.contains(merged_on) {
                fail(
                    "valid_to",
                    format!(
                        "unit {} merged into this one on {merged_on}; the period must include it",
                        predecessor.label()
                    ),
                );
            }
        }
    }
    if let Some(parent) = n.parent {
        if !unit.within(parent) {
            fail(
                if unit.valid_from < parent.valid_from { "valid_from" } else { "valid_to" },
                format!("must lie within the period of province {} ({})", parent.label(), parent.period()),
            );
        }
    }
    for child in n.children {
        if !child.within(unit) {
            fail("valid_to", format!("district {} exists {}; end it first", child.label(), child.period()));
        }
    }
    if let (Some(day), Some(end)) = (n.last_record_day, unit.valid_to) {
        if day > end {
            fail("valid_to", format!("records of the register are located in this unit on {day}, after it"));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn unit(id: i64, from: &str, to: Option<&str>) -> Unit {
        Unit { id, name: format!("unit {id}"), valid_from: day(from), valid_to: to.map(day) }
    }

    fn fields(n: &Neighbourhood) -> Vec<String> {
        check(n).into_iter().map(|e| e.field).collect()
    }

    fn alone(unit: &Unit) -> Neighbourhood<'_> {
        Neighbourhood {
            unit,
            successor: None,
            predecessors: &[],
            parent: None,
            children: &[],
            last_record_day: None,
        }
    }

    #[test]
    fn a_merger_into_a_unit_that_begins_the_next_day_holds() {
        let old = unit(1, "1997-01-01", Some("2025-06-30"));
        let new = unit(5, "2025-07-01", None);
        assert!(check(&Neighbourhood { successor: Some(Some(&new)), ..alone(&old) }).is_empty());
    }

    #[test]
    fn a_successor_must_exist_the_day_after_the_end() {
        let old = unit(1, "1997-01-01", Some("2025-06-30"));
        let late = unit(5, "2025-07-02", None);
        let ended = unit(6, "1997-01-01", Some("2025-06-30"));
        assert_eq!(fields(&Neighbourhood { successor: Some(Some(&late)), ..alone(&old) }), ["successor_id"]);
        assert_eq!(fields(&Neighbourhood { successor: Some(Some(&ended)), ..alone(&old) }), ["successor_id"]);
        assert_eq!(fields(&Neighbourhood { successor: Some(None), ..alone(&old) }), ["successor_id"]);
        assert_eq!(fields(&Neighbourhood { successor: Some(Some(&old)), ..alone(&old) }), ["successor_id"]);
        let open = unit(1, "1997-01-01", None);
        assert_eq!(fields(&Neighbourhood { successor: Some(Some(&late)), ..alone(&open) }), ["successor_id"]);
    }

    #[test]
    fn an_end_before_the_beginning_is_refused() {
        assert_eq!(fields(&alone(&unit(1, "2020-01-01", Some("2019-12-31")))), ["valid_to"]);
        assert!(check(&alone(&unit(1, "2020-01-01", Some("2020-01-01")))).is_empty());
    }

    #[test]
    fn a_unit_must_still_exist_when_its_predecessors_merge_into_it() {
        let predecessors = [unit(1, "1997-01-01", Some("2025-06-30"))];
        let until_merger = unit(5, "2020-01-01", Some("2025-07-01"));
        let ends_before = unit(5, "2020-01-01", Some("2025-06-30"));
        let n = |u| Neighbourhood { predecessors: &predecessors, ..alone(u) };
        assert!(check(&n(&until_merger)).is_empty());
        assert_eq!(fields(&n(&ends_before)), ["valid_to"]);
    }

    #[test]
    fn districts_lie_within_their_province() {
        let province = unit(1, "1997-01-01", Some("2025-06-30"));
        let inside = unit(101, "1997-01-01", Some("2025-06-30"));
        let early = unit(101, "1996-12-31", Some("2025-06-30"));
        let open = unit(101, "1997-01-01", None);
        let n = |u| Neighbourhood { parent: Some(&province), ..alone(u) };
        assert!(check(&n(&inside)).is_empty());
        assert_eq!(fields(&n(&early)), ["valid_from"]);
        assert_eq!(fields(&n(&open)), ["valid_to"]);
        let children = [open.clone()];
        assert_eq!(fields(&Neighbourhood { children: &children, ..alone(&province) }), ["valid_to"]);
    }

    #[test]
    fn a_unit_cannot_end_before_the_records_located_in_it() {
        let ended = unit(1, "1997-01-01", Some("2020-12-31"));
        let n = |last: &str| Neighbourhood { last_record_day: Some(day(last)), ..alone(&ended) };
        assert!(check(&n("2020-12-31")).is_empty());
        assert_eq!(fields(&n("2021-01-01")), ["valid_to"]);
    }
}
