//! `GET/PUT /plan-targets`.

use actix_web::{get, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::plans;
use super::views::PlanTargetView;
use crate::audit::{self, Object};
use crate::auth::{Admins, Authorized};
use crate::db::Db;
use crate::error::{AnyToken, ApiError, BadQuery, InvalidFields, JsonBody, MalformedJson, Problem};
use crate::extract::{Json, Query};
use crate::reference;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanTargetsQuery {
    pub province: Option<i64>,
    pub year: Option<i32>,
}

/// Plan targets of new cooperatives.
#[utoipa::path(
    tag = "statistics",
    params(PlanTargetsQuery),
    responses(
        (status = 200, description = "Targets", body = Vec<PlanTargetView>),
        BadQuery,
    )
)]
#[get("/plan-targets")]
pub async fn list_plan_targets(
    db: web::Data<Db>,
    query: Query<PlanTargetsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let rows = db.read(move |c| plans::all_targets(c, q.province, q.year)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(PlanTargetView::from).collect::<Vec<_>>()))
}

/// A target to set.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTargetInput {
    pub province_id: i64,
    /// A district of the province, or absent for the whole province.
    pub district_id: Option<i64>,
    #[validate(range(min = 1945, max = 2100, message = "must be between 1945 and 2100"))]
    #[schema(minimum = 1945, maximum = 2100, example = 2023)]
    pub year: i32,
    /// 1–4, or absent for the whole year.
    #[validate(range(min = 1, max = 4, message = "must be between 1 and 4"))]
    #[schema(minimum = 1, maximum = 4)]
    pub quarter: Option<i32>,
    /// New cooperatives aimed for.
    #[validate(range(min = 0, max = 1_000_000, message = "must be between 0 and 1000000"))]
    #[schema(minimum = 0, maximum = 1_000_000, example = 50)]
    pub target: i32,
}

/// Set (create or replace) a plan target.
#[utoipa::path(
    tag = "statistics",
    security(("bearer" = ["admin"])),
    request_body = PlanTargetInput,
    responses(
        (status = 200, description = "The stored target", body = PlanTargetView),
        MalformedJson,
        AnyToken,
        (status = 403, description = "Not a admin token", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        InvalidFields,
    )
)]
#[put("/plan-targets")]
pub async fn put_plan_target(
    db: web::Data<Db>,
    actor: Authorized<Admins>,
    body: Json<PlanTargetInput>,
) -> Result<HttpResponse, ApiError> {
    let t = body.0;
    let row = db
        .write(move |c| {
            let provinces = reference::all_provinces(c)?;
            if !provinces.iter().any(|p| p.id == t.province_id) {
                return Err(ApiError::invalid("province_id", format!("unknown province {}", t.province_id)));
            }
            if let Some(d) = t.district_id {
                let districts = reference::districts_of(c, Some(&[t.province_id]))?;
                if !districts.iter().any(|x| x.id == d) {
                    return Err(ApiError::invalid(
                        "district_id",
                        format!("district {d} is not in province {}", t.province_id),
                    ));
                }
            }
            let set = |c: &mut crate::db::Conn| {
                plans::set_target(c, t.province_id, t.district_id, t.year, t.quarter, t.target)
            };
            match plans::target_id(c, t.province_id, t.district_id, t.year, t.quarter)? {
                Some(id) => audit::change(c, &actor.0, "plan_target.set", Object::PlanTarget(id), set),
                None => {
                    let row = set(c)?;
                    audit::created(c, &actor.0, "plan_target.set", Object::PlanTarget(row.id))?;
                    Ok(row)
                }
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(PlanTargetView::from(row)))
}
