//! Plan targets: the number of new cooperatives a province or district aims for in a
//! year or quarter.

use diesel::prelude::*;

use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::organizations::store::now;
use crate::schema::plan_targets;

/// A stored target; `quarter` 0 is the whole year, `district_key` 0 the whole province.
#[derive(Queryable, Debug, Clone, PartialEq, Eq)]
pub struct PlanTarget {
    pub id: i64,
    pub province_id: i64,
    pub district_key: i64,
    pub year: i32,
    pub quarter: i32,
    pub target: i32,
    pub updated_at: chrono::NaiveDateTime,
}

pub fn find(conn: &mut Conn, id: i64) -> Result<PlanTarget, ApiError> {
    let query = plan_targets::table.find(id).select(plan_targets::all_columns);
    on_backend!(conn, c => query.first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("plan target {id}")))
}

/// The id of a unit's target for a year (quarter 0) or quarter, if one is set.
pub fn target_id(
    conn: &mut Conn,
    province_id: i64,
    district_id: Option<i64>,
    year: i32,
    quarter: Option<i32>,
) -> Result<Option<i64>, ApiError> {
    let query = plan_targets::table
        .filter(plan_targets::province_id.eq(province_id))
        .filter(plan_targets::district_key.eq(district_id.unwrap_or(0)))
        .filter(plan_targets::year.eq(year))
        .filter(plan_targets::quarter.eq(quarter.unwrap_or(0)))
        .select(plan_targets::id);
    Ok(on_backend!(conn, c => query.first(c).optional())?)
}

/// Sets (inserts or replaces) a target; returns the stored row.
pub fn set_target(
    conn: &mut Conn,
    province_id: i64,
    district_id: Option<i64>,
    year: i32,
    quarter: Option<i32>,
    target: i32,
) -> Result<PlanTarget, ApiError> {
    let district_key = district_id.unwrap_or(0);
    let quarter = quarter.unwrap_or(0);
    let at = now();
    let row = (
        plan_targets::province_id.eq(province_id),
        plan_targets::district_key.eq(district_key),
        plan_targets::year.eq(year),
        plan_targets::quarter.eq(quarter),
        plan_targets::target.eq(target),
        plan_targets::updated_at.eq(at),
    );
    Ok(on_backend!(conn, c => diesel::insert_into(plan_targets::table)
        .values(row)
        .on_conflict((plan_targets::province_id, plan_targets::district_key, plan_targets::year, plan_targets::quarter))
        .do_update()
        .set((plan_targets::target.eq(target), plan_targets::updated_at.eq(at)))
        .returning(plan_targets::all_columns)
        .get_result(c))?)
}

/// Targets of a unit (district_key 0: the province) within a span of years.
pub fn targets_of(
    conn: &mut Conn,
    province_id: i64,
    district_key: i64,
    years: std::ops::RangeInclusive<i32>,
) -> Result<Vec<PlanTarget>, ApiError> {
    let query = plan_targets::table
        .filter(plan_targets::province_id.eq(province_id))
        .filter(plan_targets::district_key.eq(district_key))
        .filter(plan_targets::year.between(*years.start(), *years.end()))
        .order((plan_targets::year, plan_targets::quarter))
        .select(plan_targets::all_columns);
    Ok(on_backend!(conn, c => query.load(c))?)
}

/// Every target, optionally of one province and year.
pub fn all_targets(
    conn: &mut Conn,
    province: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<PlanTarget>, ApiError> {
    Ok(on_backend!(conn, c => {
        let mut query = plan_targets::table
            .select(plan_targets::all_columns)
            .order((plan_targets::province_id, plan_targets::year, plan_targets::district_key, plan_targets::quarter))
            .into_boxed();
        if let Some(p) = province {
            query = query.filter(plan_targets::province_id.eq(p));
        }
        if let Some(y) = year {
            query = query.filter(plan_targets::year.eq(y));
        }
        query.load(c)
    })?)
}
