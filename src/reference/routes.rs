//! Reading reference data: lists, and one unit or sector with its ETag. Writes are in
//! `admin`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::views::{tag, DistrictView, ProvinceView, SectorView};
use super::{all_provinces, all_sectors, districts_of, find_district, find_province, find_sector_by_code};
use crate::db::Db;
use crate::domain::SectorGroup;
use crate::error::{ApiError, BadIdOrQuery, BadQuery, NotModified, Problem};
use crate::extract::{NoQuery, Query};
use crate::http::conditional_json;

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
    let rows = db.read(move |c| districts_of(c, province.as_ref().map(std::slice::from_ref))).await?;
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

/// Read one province-level unit.
#[utoipa::path(
    tag = "reference",
    params(("id" = i64, Path, description = "Province id")),
    responses(
        (status = 200, description = "The unit", body = ProvinceView, headers(("ETag" = String))),
        NotModified,
        BadIdOrQuery,
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/provinces/{id}")]
pub async fn read_province(
    db: web::Data<Db>,
    req: HttpRequest,
    id: web::Path<i64>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ProvinceView::from(db.read(move |c| find_province(c, id)).await?);
    Ok(conditional_json(&req, &tag("province", id, &view), &view))
}

/// Read one district-level unit.
#[utoipa::path(
    tag = "reference",
    params(("id" = i64, Path, description = "District id")),
    responses(
        (status = 200, description = "The unit", body = DistrictView, headers(("ETag" = String))),
        NotModified,
        BadIdOrQuery,
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/districts/{id}")]
pub async fn read_district(
    db: web::Data<Db>,
    req: HttpRequest,
    id: web::Path<i64>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = DistrictView::from(db.read(move |c| find_district(c, id)).await?);
    Ok(conditional_json(&req, &tag("district", id, &view), &view))
}

/// Read one sector.
#[utoipa::path(
    tag = "reference",
    params(("code" = String, Path, description = "Sector code")),
    responses(
        (status = 200, description = "The sector", body = SectorView, headers(("ETag" = String))),
        NotModified,
        BadQuery,
        (status = 404, description = "No such sector", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sectors/{code}")]
pub async fn read_sector(
    db: web::Data<Db>,
    req: HttpRequest,
    code: web::Path<String>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let view = SectorView::from(db.read(move |c| find_sector_by_code(c, &code)).await?);
    Ok(conditional_json(&req, &tag("sector", view.id, &view), &view))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_provinces)
        .service(list_districts)
        .service(list_sectors)
        .service(read_province)
        .service(read_district)
        .service(read_sector)
        .configure(super::admin::routes);
}
