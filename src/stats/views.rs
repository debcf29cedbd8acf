//! JSON (and CSV) views of statistics.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::SectorGroup;
use crate::organizations::views::UnitRef;

/// `count` as a percentage of `total`, rounded half up to two decimals.
pub fn share(count: i64, total: i64) -> f64 {
    if total <= 0 {
        return 0.0;
    }
    let basis_points = (count * 20_000 + total) / (2 * total);
    basis_points as f64 / 100.0
}

/// One sector group's part of the active cooperatives.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupShare {
    pub group: SectorGroup,
    pub count: i64,
    /// Percent of the active cooperatives, two decimals, computed from the counts.
    #[schema(example = 65.5)]
    pub share: f64,
}

/// Figures of one kind of unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindSummary {
    /// Registered on or before `as_of` and not dissolved by then.
    pub active: i64,
    /// Charter capital of the active units (latest entry on or before `as_of`), in đồng.
    pub charter_capital: i64,
    /// Members of the active units (latest entry on or before `as_of`).
    pub members: i64,
    /// Registered from 1 January of `as_of`'s year to `as_of`.
    pub registered_in_year: i64,
    /// Dissolved from 1 January of `as_of`'s year to `as_of`.
    pub dissolved_in_year: i64,
    /// Admitted to the provincial cooperative alliance in the same span.
    pub admitted_in_year: i64,
}

/// The cooperatives' figures, with their split by sector group.
#[derive(Debug, Serialize, ToSchema)]
pub struct CooperativeSummary {
    #[serde(flatten)]
    pub totals: KindSummary,
    pub by_sector_group: Vec<GroupShare>,
}

/// The state of the register at the end of `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub as_of: NaiveDate,
    pub province: Option<UnitRef>,
    pub district: Option<UnitRef>,
    pub cooperatives: CooperativeSummary,
    pub unions: KindSummary,
    pub cooperative_groups: KindSummary,
}

/// One sector's active units.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorRow {
    pub sector: String,
    pub name_vi: String,
    pub name_en: String,
    pub group: SectorGroup,
    pub count: i64,
    pub share: f64,
    pub charter_capital: i64,
    pub members: i64,
}

/// One district's active units; `district` is absent for units recorded without a
/// district valid on `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictRow {
    pub district: Option<UnitRef>,
    pub count: i64,
    pub share: f64,
    pub charter_capital: i64,
    pub members: i64,
}

/// A breakdown as of a date.
#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown<T> {
    pub as_of: NaiveDate,
    pub total: i64,
    pub rows: Vec<T>,
}

/// Registrations and dissolutions in one year or quarter.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodRow {
    /// `2023` or `2023-Q1`.
    pub period: String,
    /// First day counted (the period's, or `from` when later).
    pub start: NaiveDate,
    /// Last day counted (the period's, or `to` when earlier).
    pub end: NaiveDate,
    pub registered: i64,
    pub dissolved: i64,
    /// registered - dissolved
    pub net: i64,
    /// Active at the end of `end`.
    pub total_at_end: i64,
    /// Admissions to the provincial cooperative alliance.
    pub admitted: i64,
    /// Target of new registrations for the period, where one is set.
    pub plan_target: Option<i64>,
    /// registered as a percentage of the target, two decimals.
    pub percent_of_plan: Option<f64>,
}

/// A stored plan target.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanTargetView {
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub year: i32,
    /// 1–4, or absent for the whole year.
    pub quarter: Option<i32>,
    /// New cooperatives aimed for.
    pub target: i32,
}

impl From<super::plans::PlanTarget> for PlanTargetView {
    fn from(t: super::plans::PlanTarget) -> Self {
        PlanTargetView {
            province_id: t.province_id,
            district_id: (t.district_key != 0).then_some(t.district_key),
            year: t.year,
            quarter: (t.quarter != 0).then_some(t.quarter),
            target: t.target,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shares_round_half_up_to_two_decimals() {
        use super::share;
        assert_eq!(share(731, 1116), 65.5);
        assert_eq!(share(365, 1116), 32.71);
        assert_eq!(share(20, 1116), 1.79);
        assert_eq!(share(1, 8), 12.5);
        assert_eq!(share(1, 3), 33.33);
        assert_eq!(share(2, 3), 66.67);
        assert_eq!(share(0, 0), 0.0);
        assert_eq!(share(101, 50), 202.0);
    }
}
