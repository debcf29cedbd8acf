use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::input::{GroupListQuery, GroupPatch, GroupStatusChange, NewGroup};
use super::views::GroupView;
use super::{changes, store};
use crate::audit::routes::{history, HistoryQuery};
use crate::audit::{AuditEntryView, Object};
use crate::auth::{AuditReaders, Authorized, Reviewers};
use crate::db::Db;
use crate::error::{
    AnyToken, ApiError, BadIdOrQuery, InvalidFields, JsonBody, MalformedJson, MalformedJsonOrId,
    NoSuchRecord, NotModified, Problem, RecordChanged, ReviewerToken,
};
use crate::extract::{Json, NoQuery, Query};
use crate::http::{conditional_json, etag, page_response, Page, Precondition};

pub(super) const ETAG_KIND: &str = "group";

async fn load_view(db: &Db, id: i64) -> Result<GroupView, ApiError> {
    Ok(db.read(move |c| store::find(c, id)).await?.into())
}

fn record_response(builder: &mut actix_web::HttpResponseBuilder, view: &GroupView) -> HttpResponse {
    builder.insert_header((header::ETAG, etag(ETAG_KIND, view.id, view.version))).json(view)
}

/// List cooperative groups: filter, search, sort, page.
#[utoipa::path(
    tag = "cooperative-groups",
    params(GroupListQuery),
    responses(
        (status = 200, description = "One page; `Link: rel=\"next\"` points at the next", body = Page<GroupView>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"), ("ETag" = String))),
        NotModified,
        (status = 400, description = "Bad query parameter or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cooperative-groups")]
pub async fn list_groups(
    db: web::Data<Db>,
    req: HttpRequest,
    query: Query<GroupListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.0;
    let page = db.read(move |c| store::list(c, &filter)).await?;
    let page = Page {
        items: page.items.into_iter().map(GroupView::from).collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    };
    Ok(page_response(&req, &page))
}

/// Register a cooperative group.
#[utoipa::path(
    tag = "cooperative-groups",
    security(("bearer" = ["reviewer"])),
    request_body = NewGroup,
    responses(
        (status = 201, description = "Registered; `Location` names the new record", body = GroupView,
         headers(("Location" = String, description = "URL of the new record"), ("ETag" = String))),
        MalformedJson,
        ReviewerToken,
        JsonBody,
        InvalidFields,
    )
)]
#[post("/cooperative-groups")]
pub async fn create_group(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Reviewers>,
    body: Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let id = db.write(move |c| changes::register(c, &actor.0, input)).await?;
    let view = load_view(&db, id).await?;
    let location = format!("{}/{}", req.path().trim_end_matches('/'), id);
    Ok(record_response(HttpResponse::Created().insert_header((header::LOCATION, location)), &view))
}

/// Read one cooperative group.
#[utoipa::path(
    tag = "cooperative-groups",
    params(("id" = i64, Path, description = "Record id")),
    responses(
        (status = 200, description = "The record", body = GroupView, headers(("ETag" = String))),
        NotModified,
        BadIdOrQuery,
        NoSuchRecord,
    )
)]
#[get("/cooperative-groups/{id:[0-9]+}")]
pub async fn get_group(
    db: web::Data<Db>,
    req: HttpRequest,
    id: web::Path<i64>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let view = load_view(&db, id.into_inner()).await?;
    Ok(conditional_json(&req, &etag(ETAG_KIND, view.id, view.version), &view))
}

/// Change some fields of a cooperative group.
#[utoipa::path(
    tag = "cooperative-groups",
    security(("bearer" = ["reviewer"])),
    params(("id" = i64, Path, description = "Record id"),
           Precondition),
    request_body = GroupPatch,
    responses(
        (status = 200, description = "The changed record", body = GroupView, headers(("ETag" = String))),
        MalformedJsonOrId,
        ReviewerToken,
        NoSuchRecord,
        (status = 409, description = "Conflicts with the record's state", body = Problem, content_type = "application/problem+json"),
        RecordChanged,
        JsonBody,
        InvalidFields,
    )
)]
#[patch("/cooperative-groups/{id:[0-9]+}")]
pub async fn update_group(
    db: web::Data<Db>,
    req: HttpRequest,
    id: web::Path<i64>,
    actor: Authorized<Reviewers>,
    body: Json<GroupPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let expected = Precondition::from_request(&req)?;
    let patch = body.0;
    db.write(move |c| changes::update(c, &actor.0, id, patch, &expected)).await?;
    let view = load_view(&db, id).await?;
    Ok(record_response(&mut HttpResponse::Ok(), &view))
}

/// Suspend, reactivate or dissolve a cooperative group.
#[utoipa::path(
    tag = "cooperative-groups",
    security(("bearer" = ["reviewer"])),
    params(("id" = i64, Path, description = "Record id"),
           Precondition),
    request_body = GroupStatusChange,
    responses(
        (status = 200, description = "The changed record", body = GroupView, headers(("ETag" = String))),
        MalformedJsonOrId,
        ReviewerToken,
        NoSuchRecord,
        (status = 409, description = "Already dissolved", body = Problem, content_type = "application/problem+json"),
        RecordChanged,
        JsonBody,
        InvalidFields,
    )
)]
#[post("/cooperative-groups/{id:[0-9]+}/status")]
pub async fn change_group_status(
    db: web::Data<Db>,
    req: HttpRequest,
    id: web::Path<i64>,
    actor: Authorized<Reviewers>,
    body: Json<GroupStatusChange>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let expected = Precondition::from_request(&req)?;
    let change = body.0;
    db.write(move |c| changes::change_status(c, &actor.0, id, change, &expected)).await?;
    let view = load_view(&db, id).await?;
    Ok(record_response(&mut HttpResponse::Ok(), &view))
}

/// Changes to a cooperative group: its audit entries.
#[utoipa::path(
    tag = "cooperative-groups",
    security(("bearer" = ["admin", "reviewer", "analyst"])),
    params(("id" = i64, Path, description = "Record id"), HistoryQuery),
    responses(
        (status = 200, description = "Entries, oldest first", body = Page<AuditEntryView>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        BadIdOrQuery,
        AnyToken,
        (status = 403, description = "Role may not read the audit trail", body = Problem, content_type = "application/problem+json"),
        NoSuchRecord,
    )
)]
#[get("/cooperative-groups/{id:[0-9]+}/history")]
pub async fn group_history(
    db: web::Data<Db>,
    req: HttpRequest,
    _actor: Authorized<AuditReaders>,
    id: web::Path<i64>,
    query: Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    history(&db, &req, Object::Group(id), query.0, move |c| store::find(c, id).map(|_| ())).await
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_groups)
        .service(create_group)
        .service(get_group)
        .service(update_group)
        .service(change_group_status)
        .service(group_history);
}
