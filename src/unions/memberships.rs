//! Membership of cooperatives in a union, with joined and left dates. Leaving records the
//! date; past memberships are never forgotten.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::audit::{self, Object};
use crate::auth::{Authorized, Reviewers};
use crate::db::{Conn, Db};
use crate::domain::{self, OrgKind, Status};
use crate::error::{ApiError, BadIdOrQuery, JsonBody, MalformedJsonOrId, Problem, ReviewerToken};
use crate::extract::{Json, NoQuery, Query};
use crate::on_backend;
use crate::organizations::model::Organization;
use crate::organizations::queries::find_plain;
use crate::organizations::store::now;
use crate::schema::{organizations, union_memberships};

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = union_memberships)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct Membership {
    id: i64,
    union_id: i64,
    cooperative_id: i64,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
}

/// One period of a cooperative's membership in a union.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub id: i64,
    pub union_id: i64,
    pub cooperative_id: i64,
    pub cooperative_name: String,
    pub cooperative_registration_number: String,
    pub joined_on: NaiveDate,
    /// Absent while the cooperative is a member.
    pub left_on: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
}

fn view((m, name, number): (Membership, String, String)) -> MembershipView {
    MembershipView {
        id: m.id,
        union_id: m.union_id,
        cooperative_id: m.cooperative_id,
        cooperative_name: name,
        cooperative_registration_number: number,
        joined_on: m.joined_on,
        left_on: m.left_on,
        recorded_at: m.recorded_at.and_utc(),
    }
}

fn memberships(
    conn: &mut Conn,
    union_id: i64,
    cooperative_id: Option<i64>,
    current_only: bool,
) -> Result<Vec<MembershipView>, ApiError> {
    let rows: Vec<(Membership, String, String)> = on_backend!(conn, c => {
        let mut query = union_memberships::table
            .inner_join(organizations::table.on(organizations::id.eq(union_memberships::cooperative_id)))
            .filter(union_memberships::union_id.eq(union_id))
            .select((Membership::as_select(), organizations::name, organizations::registration_number))
            .order((union_memberships::joined_on.asc(), union_memberships::id.asc()))
            .into_boxed();
        if let Some(coop) = cooperative_id {
            query = query.filter(union_memberships::cooperative_id.eq(coop));
        }
        if current_only {
            query = query.filter(union_memberships::left_on.is_null());
        }
        query.load(c)
    })?;
    Ok(rows.into_iter().map(view).collect())
}

/// One membership period by its id.
pub fn find(conn: &mut Conn, id: i64) -> Result<MembershipView, ApiError> {
    let row = on_backend!(conn, c => union_memberships::table
        .inner_join(organizations::table.on(organizations::id.eq(union_memberships::cooperative_id)))
        .filter(union_memberships::id.eq(id))
        .select((Membership::as_select(), organizations::name, organizations::registration_number))
        .first(c)
        .optional())?;
    row.map(view).ok_or_else(|| ApiError::NotFound(format!("membership {id}")))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MembershipsQuery {
    /// Only current members (default: every membership, past ones included).
    pub current: Option<bool>,
}

/// Member cooperatives of a union, past and present.
#[utoipa::path(
    tag = "unions",
    params(("id" = i64, Path, description = "Union id"), MembershipsQuery),
    responses(
        (status = 200, description = "Memberships, earliest first", body = Vec<MembershipView>),
        BadIdOrQuery,
        (status = 404, description = "No such union", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/unions/{id:[0-9]+}/memberships")]
pub async fn list_memberships(
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: Query<MembershipsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let current = query.0.current.unwrap_or(false);
    let rows = db
        .read(move |c| {
            find_plain(c, OrgKind::Union, id)?;
            memberships(c, id, None, current)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// The membership periods of one cooperative in a union.
#[utoipa::path(
    tag = "unions",
    params(("id" = i64, Path, description = "Union id"), ("cooperative_id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "Membership periods, earliest first", body = Vec<MembershipView>),
        BadIdOrQuery,
        (status = 404, description = "No such union, or never a member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/unions/{id:[0-9]+}/members/{cooperative_id:[0-9]+}")]
pub async fn get_membership(
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let (id, coop) = path.into_inner();
    let rows = db
        .read(move |c| {
            find_plain(c, OrgKind::Union, id)?;
            memberships(c, id, Some(coop), false)
        })
        .await?;
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!("membership of cooperative {coop} in union {id}")));
    }
    Ok(HttpResponse::Ok().json(rows))
}

/// When a cooperative joins a union.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Join {
    #[validate(custom(function = "domain::register_date"))]
    pub joined_on: NaiveDate,
}

fn check_alive(unit: &Organization, day: NaiveDate, field: &str) -> Result<(), ApiError> {
    if day < unit.registration_date {
        return Err(ApiError::invalid(
            field,
            format!("is before {} was registered ({})", unit.name, unit.registration_date),
        ));
    }
    if unit.status == Status::Dissolved.as_str() && unit.dissolution_date.is_some_and(|d| day > d) {
        return Err(ApiError::invalid(field, format!("is after {} was dissolved", unit.name)));
    }
    Ok(())
}

/// Admit a cooperative to a union.
#[utoipa::path(
    tag = "unions",
    security(("bearer" = ["reviewer"])),
    params(("id" = i64, Path, description = "Union id"), ("cooperative_id" = i64, Path, description = "Cooperative id")),
    request_body = Join,
    responses(
        (status = 201, description = "The new membership", body = MembershipView,
         headers(("Location" = String, description = "URL of the membership"))),
        MalformedJsonOrId,
        ReviewerToken,
        (status = 404, description = "No such union or cooperative", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/unions/{id:[0-9]+}/members/{cooperative_id:[0-9]+}")]
pub async fn join(
    db: web::Data<Db>,
    actor: Authorized<Reviewers>,
    path: web::Path<(i64, i64)>,
    body: Json<Join>,
) -> Result<HttpResponse, ApiError> {
    let (id, coop) = path.into_inner();
    let day = body.0.joined_on;
    let row = db
        .write(move |c| {
            let union = find_plain(c, OrgKind::Union, id)?;
            let member = find_plain(c, OrgKind::Cooperative, coop)?;
            check_alive(&union, day, "joined_on")?;
            check_alive(&member, day, "joined_on")?;
            let periods = memberships(c, id, Some(coop), false)?;
            if periods.iter().any(|m| m.left_on.is_none()) {
                return Err(ApiError::conflict(
                    "cooperative_id",
                    format!("cooperative {coop} is a member of union {id} already"),
                ));
            }
            if let Some(last) = periods.iter().filter_map(|m| m.left_on).max().filter(|l| day < *l) {
                return Err(ApiError::invalid(
                    "joined_on",
                    format!("must not be before the end of the previous membership ({last})"),
                ));
            }
            let recorded_at = now();
            on_backend!(c, c => diesel::insert_into(union_memberships::table)
                .values((
                    union_memberships::union_id.eq(id),
                    union_memberships::cooperative_id.eq(coop),
                    union_memberships::joined_on.eq(day),
                    union_memberships::recorded_at.eq(recorded_at),
                ))
                .execute(c))?;
            let mut rows = memberships(c, id, Some(coop), true)?;
            let row = rows.pop().ok_or_else(|| ApiError::Internal("membership vanished".into()))?;
            audit::created(c, &actor.0, "membership.join", Object::Membership(row.id))?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/unions/{id}/members/{coop}")))
        .json(row))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Leave {
    /// The day the cooperative left (default: today).
    pub left_on: Option<NaiveDate>,
}

/// Record that a cooperative left a union. The membership is kept with its end date.
#[utoipa::path(
    tag = "unions",
    security(("bearer" = ["reviewer"])),
    params(("id" = i64, Path, description = "Union id"), ("cooperative_id" = i64, Path, description = "Cooperative id"), Leave),
    responses(
        (status = 200, description = "The closed membership", body = MembershipView),
        (status = 400, description = "Bad id or date", body = Problem, content_type = "application/problem+json"),
        ReviewerToken,
        (status = 404, description = "No such union, or not a current member", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/unions/{id:[0-9]+}/members/{cooperative_id:[0-9]+}")]
pub async fn leave(
    db: web::Data<Db>,
    actor: Authorized<Reviewers>,
    path: web::Path<(i64, i64)>,
    query: Query<Leave>,
) -> Result<HttpResponse, ApiError> {
    let (id, coop) = path.into_inner();
    let day = query.0.left_on.unwrap_or_else(domain::today);
    domain::register_date(&day)
        .map_err(|e| ApiError::invalid("left_on", e.message.map(|m| m.to_string()).unwrap_or_default()))?;
    let row = db
        .write(move |c| {
            find_plain(c, OrgKind::Union, id)?;
            let open = memberships(c, id, Some(coop), true)?;
            let Some(current) = open.into_iter().next() else {
                return Err(ApiError::NotFound(format!(
                    "current membership of cooperative {coop} in union {id}"
                )));
            };
            if day < current.joined_on {
                return Err(ApiError::invalid(
                    "left_on",
                    format!("must not be before joined_on ({})", current.joined_on),
                ));
            }
            let target = union_memberships::table.find(current.id);
            audit::change(c, &actor.0, "membership.leave", Object::Membership(current.id), |c| {
                on_backend!(c, c => diesel::update(target).set(union_memberships::left_on.eq(day)).execute(c))?;
                Ok(MembershipView { left_on: Some(day), ..current })
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(row))
}

/// A unit dissolved on `day` can have been in a union, or had members, only up to that
/// day: 422 for a membership that starts or ends after it.
pub fn check_end_by(conn: &mut Conn, id: i64, day: NaiveDate) -> Result<(), ApiError> {
    let later = union_memberships::table
        .filter(union_memberships::union_id.eq(id).or(union_memberships::cooperative_id.eq(id)))
        .filter(union_memberships::joined_on.gt(day).or(union_memberships::left_on.gt(day)))
        .select((union_memberships::id, union_memberships::joined_on, union_memberships::left_on));
    match on_backend!(conn, c => later.first::<(i64, NaiveDate, Option<NaiveDate>)>(c).optional())? {
        Some((membership, joined, left)) => Err(ApiError::invalid(
            "dissolution_date",
            match left {
                Some(left) if joined <= day => {
                    format!("is before union membership {membership} ended ({left})")
                }
                _ => format!("is before union membership {membership} began ({joined})"),
            },
        )),
        None => Ok(()),
    }
}

/// The unit's union memberships still open: a dissolution ends them (see
/// [`crate::organizations::changes::change_status`]).
pub fn open_of(conn: &mut Conn, id: i64) -> Result<Vec<i64>, ApiError> {
    let open = union_memberships::table
        .filter(union_memberships::union_id.eq(id).or(union_memberships::cooperative_id.eq(id)))
        .filter(union_memberships::left_on.is_null())
        .select(union_memberships::id)
        .order(union_memberships::id);
    Ok(on_backend!(conn, c => open.load::<i64>(c))?)
}

/// Ends membership `id` on `day`.
pub fn end(conn: &mut Conn, id: i64, day: NaiveDate) -> Result<(), ApiError> {
    let target = union_memberships::table.find(id);
    on_backend!(conn, c => diesel::update(target).set(union_memberships::left_on.eq(day)).execute(c))?;
    Ok(())
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_memberships).service(get_membership).service(join).service(leave);
}
