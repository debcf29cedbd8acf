//! Reference data: provinces, districts and sectors. Anyone reads them; an administrator
//! adds units and sectors, renames them and records when a unit ends and what it merged
//! into (`changes`, under the rules of `periods`). Nothing is deleted: records and
//! statistics of the past refer to every unit that ever existed.

pub mod admin;
mod catalog;
mod changes;
pub mod input;
mod periods;
pub mod routes;
pub mod views;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::Conn;
use crate::domain::SectorGroup;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{districts, provinces, sectors};

pub use catalog::Catalog;
pub use routes::routes;

// ---- models -------------------------------------------------------------------------

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = provinces)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Province {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = districts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct District {
    pub id: i64,
    pub province_id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = sectors)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Sector {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub sector_group: String,
}

/// True when a unit valid from `from` to `to` (inclusive) existed on `day`.
pub fn valid_on(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|to| day <= to)
}

impl Province {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        valid_on(self.valid_from, self.valid_to, day)
    }
}

impl District {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        valid_on(self.valid_from, self.valid_to, day)
    }
}

// ---- queries ------------------------------------------------------------------------

pub fn all_provinces(conn: &mut Conn) -> Result<Vec<Province>, ApiError> {
    let query = provinces::table.select(provinces::all_columns).order((provinces::valid_from, provinces::id));
    Ok(on_backend!(conn, c => query.load(c))?)
}

/// The district-level units of these provinces (of all, for `None`).
pub fn districts_of(conn: &mut Conn, provinces: Option<&[i64]>) -> Result<Vec<District>, ApiError> {
    let query = districts::table.select(districts::all_columns).order((
        districts::province_id,
        districts::code,
        districts::valid_from,
    ));
    Ok(match provinces {
        Some(ids) => on_backend!(conn, c => query.filter(districts::province_id.eq_any(ids)).load(c))?,
        None => on_backend!(conn, c => query.load(c))?,
    })
}

pub fn find_province(conn: &mut Conn, id: i64) -> Result<Province, ApiError> {
    let query = provinces::table.find(id).select(provinces::all_columns);
    on_backend!(conn, c => query.first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("province {id}")))
}

pub fn find_district(conn: &mut Conn, id: i64) -> Result<District, ApiError> {
    let query = districts::table.find(id).select(districts::all_columns);
    on_backend!(conn, c => query.first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("district {id}")))
}

pub fn find_sector(conn: &mut Conn, id: i64) -> Result<Sector, ApiError> {
    let query = sectors::table.find(id).select(sectors::all_columns);
    on_backend!(conn, c => query.first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("sector {id}")))
}

/// The sector with this code, or a 404 (for routes that name it in their path).
pub fn find_sector_by_code(conn: &mut Conn, code: &str) -> Result<Sector, ApiError> {
    let query = sectors::table.filter(sectors::code.eq(code)).select(sectors::all_columns);
    on_backend!(conn, c => query.first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("sector '{code}'")))
}

pub fn all_sectors(conn: &mut Conn) -> Result<Vec<Sector>, ApiError> {
    let query = sectors::table.select(sectors::all_columns).order(sectors::id);
    Ok(on_backend!(conn, c => query.load(c))?)
}

/// The ids of the sectors of a group.
pub fn sectors_of_group(conn: &mut Conn, group: SectorGroup) -> Result<Vec<i64>, ApiError> {
    let query = sectors::table.filter(sectors::sector_group.eq(group.as_str())).select(sectors::id);
    Ok(on_backend!(conn, c => query.load(c))?)
}

/// The unit and every unit merged into it, directly or through intermediate merges,
/// given `(id, successor_id)` pairs.
pub fn with_predecessors(units: &[(i64, Option<i64>)], id: i64) -> Vec<i64> {
    let mut found = vec![id];
    let mut i = 0;
    while i < found.len() {
        let target = found[i];
        for (unit, successor) in units {
            if *successor == Some(target) && !found.contains(unit) {
                found.push(*unit);
            }
        }
        i += 1;
    }
    found
}

/// The province with this id and the provinces merged into it (a 400 on `province` when
/// it does not exist): today's Bắc Ninh reaches the cooperatives of the old Bắc Giang.
pub fn province_and_predecessors(conn: &mut Conn, id: i64) -> Result<Vec<i64>, ApiError> {
    let query = provinces::table.select((provinces::id, provinces::successor_id));
    let units: Vec<(i64, Option<i64>)> = on_backend!(conn, c => query.load(c))?;
    if !units.iter().any(|(unit, _)| *unit == id) {
        return Err(ApiError::bad_request("province", format!("unknown province {id}")));
    }
    Ok(with_predecessors(&units, id))
}

/// A 400 on the query parameter `field` unless district `id` exists.
pub fn require_district(conn: &mut Conn, id: i64, field: &str) -> Result<(), ApiError> {
    let query = districts::table.find(id).select(districts::id);
    match on_backend!(conn, c => query.first::<i64>(c).optional())? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_request(field, format!("unknown district {id}"))),
    }
}

/// The sector with this code, or a 422 naming `field`.
pub fn sector_by_code(conn: &mut Conn, code: &str, field: &str) -> Result<Sector, ApiError> {
    let query = sectors::table.filter(sectors::code.eq(code)).select(sectors::all_columns);
    let sectors = on_backend!(conn, c => query.load(c))?;
    Catalog::new(vec![], vec![], sectors).sector(code, field).cloned()
}

/// Checks that the province (and district) existed on `day` and belong together; a
/// province that had districts on that day requires one.
pub fn check_location(
    conn: &mut Conn,
    province_id: i64,
    district_id: Option<i64>,
    day: NaiveDate,
) -> Result<(), ApiError> {
    Catalog::for_location(conn, province_id, district_id)?.check_location(province_id, district_id, day)
}
