//! Reference data: provinces, districts and sectors.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::{Conn, Db};
use crate::domain::SectorGroup;
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::on_backend;
use crate::schema::{districts, provinces, sectors};

mod catalog;

pub use catalog::Catalog;

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

pub fn districts_of(conn: &mut Conn, province: Option<i64>) -> Result<Vec<District>, ApiError> {
    let query = districts::table.select(districts::all_columns).order((
        districts::province_id,
        districts::code,
        districts::valid_from,
    ));
    Ok(match province {
        Some(p) => on_backend!(conn, c => query.filter(districts::province_id.eq(p)).load(c))?,
        None => on_backend!(conn, c => query.load(c))?,
    })
}

pub fn all_sectors(conn: &mut Conn) -> Result<Vec<Sector>, ApiError> {
    let query = sectors::table.select(sectors::all_columns).order(sectors::id);
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

// ---- views --------------------------------------------------------------------------

/// A province-level unit, with its period of validity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceView {
    pub id: i64,
    /// Official administrative code.
    #[schema(example = "24")]
    pub code: String,
    #[schema(example = "Bắc Giang")]
    pub name: String,
    /// `province` or `municipality` (centrally governed city).
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The unit it became part of when it ceased to exist.
    pub successor_id: Option<i64>,
}

impl From<Province> for ProvinceView {
    fn from(p: Province) -> Self {
        ProvinceView {
            id: p.id,
            code: p.code,
            name: p.name,
            kind: p.kind,
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            successor_id: p.successor_id,
        }
    }
}

/// A district-level unit (district, provincial city or town).
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    pub id: i64,
    pub province_id: i64,
    #[schema(example = "222")]
    pub code: String,
    #[schema(example = "Việt Yên")]
    pub name: String,
    /// `city`, `district` or `town`.
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<i64>,
}

impl From<District> for DistrictView {
    fn from(d: District) -> Self {
        DistrictView {
            id: d.id,
            province_id: d.province_id,
            code: d.code,
            name: d.name,
            kind: d.kind,
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            successor_id: d.successor_id,
        }
    }
}

/// A sector of activity and the report group it counts in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorView {
    #[schema(example = "crop_farming")]
    pub code: String,
    #[schema(example = "Trồng trọt")]
    pub name_vi: String,
    #[schema(example = "Crop farming")]
    pub name_en: String,
    pub group: SectorGroup,
}

impl From<Sector> for SectorView {
    fn from(s: Sector) -> Self {
        SectorView {
            group: SectorGroup::from_db(&s.sector_group),
            code: s.code,
            name_vi: s.name_vi,
            name_en: s.name_en,
        }
    }
}

// ---- routes -------------------------------------------------------------------------

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// Only units that existed on this date.
    pub valid_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DistrictsQuery {
    /// Province id.
    pub province: Option<i64>,
    /// Only units that existed on this date.
    pub valid_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SectorsQuery {
    /// Only sectors of this group.
    pub group: Option<SectorGroup>,
}

/// List provinces, past and present.
#[utoipa::path(
    tag = "reference",
    params(UnitsQuery),
    responses(
        (status = 200, description = "Provinces", body = Vec<ProvinceView>),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/provinces")]
pub async fn list_provinces(db: web::Data<Db>, query: Query<UnitsQuery>) -> Result<HttpResponse, ApiError> {
    let day = query.0.valid_on;
    let rows = db.read(all_provinces).await?;
    let views: Vec<ProvinceView> =
        rows.into_iter().filter(|p| day.is_none_or(|d| p.valid_on(d))).map(Into::into).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// List district-level units, past and present.
#[utoipa::path(
    tag = "reference",
    params(DistrictsQuery),
    responses(
        (status = 200, description = "Districts", body = Vec<DistrictView>),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/districts")]
pub async fn list_districts(
    db: web::Data<Db>,
    query: Query<DistrictsQuery>,
) -> Result<HttpResponse, ApiError> {
    let DistrictsQuery { province, valid_on } = query.0;
    let rows = db.read(move |c| districts_of(c, province)).await?;
    let views: Vec<DistrictView> =
        rows.into_iter().filter(|d| valid_on.is_none_or(|day| d.valid_on(day))).map(Into::into).collect();
    Ok(HttpResponse::Ok().json(views))
}

/// List sectors and their report groups.
#[utoipa::path(
    tag = "reference",
    params(SectorsQuery),
    responses(
        (status = 200, description = "Sectors", body = Vec<SectorView>),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sectors")]
pub async fn list_sectors(db: web::Data<Db>, query: Query<SectorsQuery>) -> Result<HttpResponse, ApiError> {
    let group = query.0.group;
    let rows = db.read(all_sectors).await?;
    let views: Vec<SectorView> =
        rows.into_iter().map(SectorView::from).filter(|s| group.is_none_or(|g| s.group == g)).collect();
    Ok(HttpResponse::Ok().json(views))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_provinces).service(list_districts).service(list_sectors);
}
