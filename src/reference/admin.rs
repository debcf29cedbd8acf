//! Administrators add units and sectors, rename them, and record when a unit ends and
//! which unit it merged into. Units and sectors are never deleted.

use actix_web::http::header;
use actix_web::{patch, post, web, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use super::changes;
use super::input::{NewDistrict, NewProvince, NewSector, SectorChange, UnitChange};
use super::views::{tag, DistrictView, ProvinceView, SectorView};
use super::{find_district, find_province, find_sector};
use crate::auth::{Admins, Authorized};
use crate::db::Db;
use crate::error::{
    AdminToken, ApiError, InvalidFields, JsonBody, MalformedJson, MalformedJsonOrId, Problem,
};
use crate::extract::Json;
use crate::http::Precondition;

/// The stored row with its ETag.
fn stored<T: Serialize>(builder: &mut HttpResponseBuilder, kind: &str, id: i64, view: &T) -> HttpResponse {
    builder.insert_header((header::ETAG, tag(kind, id, view))).json(view)
}

/// 201 naming the new row's URL: the collection's path and the row's `key`.
fn created<T: Serialize>(req: &HttpRequest, key: &str, kind: &str, id: i64, view: &T) -> HttpResponse {
    let location = format!("{}/{key}", req.path().trim_end_matches('/'));
    stored(HttpResponse::Created().insert_header((header::LOCATION, location)), kind, id, view)
}

/// Add a province-level unit (say, one formed by a merger).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = ["admin"])),
    request_body = NewProvince,
    responses(
        (status = 201, description = "Added; `Location` names the new unit", body = ProvinceView,
         headers(("Location" = String, description = "URL of the new unit"), ("ETag" = String))),
        MalformedJson,
        AdminToken,
        (status = 409, description = "A unit with this code begins on the same day", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid fields or periods", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/provinces")]
pub async fn create_province(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Admins>,
    body: Json<NewProvince>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let view = db
        .write(move |c| {
            let id = changes::create_province(c, &actor.0, input)?;
            find_province(c, id).map(ProvinceView::from)
        })
        .await?;
    Ok(created(&req, &view.id.to_string(), "province", view.id, &view))
}

/// Rename a province-level unit, or record when it ends and what it merged into.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "Province id"),
           Precondition),
    request_body = UnitChange,
    responses(
        (status = 200, description = "The changed unit", body = ProvinceView, headers(("ETag" = String))),
        MalformedJsonOrId,
        AdminToken,
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The unit changed since the ETag in `If-Match`", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid fields, or a period that breaks the rules of the units around it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/provinces/{id}")]
pub async fn change_province(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Admins>,
    id: web::Path<i64>,
    body: Json<UnitChange>,
) -> Result<HttpResponse, ApiError> {
    let (id, change) = (id.into_inner(), body.0);
    let expected = Precondition::from_request(&req)?;
    let view = db
        .write(move |c| {
            changes::change_province(c, &actor.0, id, change, &expected)?;
            find_province(c, id).map(ProvinceView::from)
        })
        .await?;
    Ok(stored(&mut HttpResponse::Ok(), "province", id, &view))
}

/// Add a district-level unit to a province.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = ["admin"])),
    request_body = NewDistrict,
    responses(
        (status = 201, description = "Added; `Location` names the new unit", body = DistrictView,
         headers(("Location" = String, description = "URL of the new unit"), ("ETag" = String))),
        MalformedJson,
        AdminToken,
        (status = 409, description = "A unit with this code begins on the same day", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid fields or periods", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/districts")]
pub async fn create_district(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Admins>,
    body: Json<NewDistrict>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let view = db
        .write(move |c| {
            let id = changes::create_district(c, &actor.0, input)?;
            find_district(c, id).map(DistrictView::from)
        })
        .await?;
    Ok(created(&req, &view.id.to_string(), "district", view.id, &view))
}

/// Rename a district-level unit, or record when it ends and what it merged into.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "District id"),
           Precondition),
    request_body = UnitChange,
    responses(
        (status = 200, description = "The changed unit", body = DistrictView, headers(("ETag" = String))),
        MalformedJsonOrId,
        AdminToken,
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The unit changed since the ETag in `If-Match`", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid fields, or a period that breaks the rules of the units around it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/districts/{id}")]
pub async fn change_district(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Admins>,
    id: web::Path<i64>,
    body: Json<UnitChange>,
) -> Result<HttpResponse, ApiError> {
    let (id, change) = (id.into_inner(), body.0);
    let expected = Precondition::from_request(&req)?;
    let view = db
        .write(move |c| {
            changes::change_district(c, &actor.0, id, change, &expected)?;
            find_district(c, id).map(DistrictView::from)
        })
        .await?;
    Ok(stored(&mut HttpResponse::Ok(), "district", id, &view))
}

/// Add a sector of activity.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = ["admin"])),
    request_body = NewSector,
    responses(
        (status = 201, description = "Added; `Location` names the new sector", body = SectorView,
         headers(("Location" = String, description = "URL of the new sector"), ("ETag" = String))),
        MalformedJson,
        AdminToken,
        (status = 409, description = "A sector with this code exists", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        InvalidFields,
    )
)]
#[post("/sectors")]
pub async fn create_sector(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Admins>,
    body: Json<NewSector>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let view = db
        .write(move |c| {
            let id = changes::create_sector(c, &actor.0, input)?;
            find_sector(c, id).map(SectorView::from)
        })
        .await?;
    Ok(created(&req, &view.code, "sector", view.id, &view))
}

/// Rename a sector. Its group is fixed: changing it would rewrite past statistics.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = ["admin"])),
    params(("code" = String, Path, description = "Sector code"),
           Precondition),
    request_body = SectorChange,
    responses(
        (status = 200, description = "The changed sector", body = SectorView, headers(("ETag" = String))),
        MalformedJson,
        AdminToken,
        (status = 404, description = "No such sector", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The sector changed since the ETag in `If-Match`", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        InvalidFields,
    )
)]
#[patch("/sectors/{code}")]
pub async fn change_sector(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Admins>,
    code: web::Path<String>,
    body: Json<SectorChange>,
) -> Result<HttpResponse, ApiError> {
    let (code, change) = (code.into_inner(), body.0);
    let expected = Precondition::from_request(&req)?;
    let view = db
        .write(move |c| {
            let id = changes::change_sector(c, &actor.0, &code, change, &expected)?;
            find_sector(c, id).map(SectorView::from)
        })
        .await?;
    Ok(stored(&mut HttpResponse::Ok(), "sector", view.id, &view))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_province)
        .service(change_province)
        .service(create_district)
        .service(change_district)
        .service(create_sector)
        .service(change_sector);
}
