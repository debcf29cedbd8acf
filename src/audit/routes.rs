//! `GET /api/v1/audit`, and the history of one record, for reviewers and analysts.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::{AuditEntry, AuditEntryView, Object};
use crate::auth::{AuditReaders, Authorized};
use crate::db::{Conn, Db};
use crate::error::{AnyToken, ApiError, BadQuery, Problem};
use crate::extract::Query;
use crate::http::{decode_cursor, page_response, Page};
use crate::on_backend;
use crate::schema::audit_entries;

/// The list its cursors name (see [`crate::http::encode_cursor`]).
const LIST: &str = "audit entries";

const OBJECT_TYPES: &[&str] = &[
    "cooperative",
    "union",
    "group",
    "membership",
    "submission",
    "token",
    "plan_target",
    "province",
    "district",
    "sector",
];

/// Which entries, oldest first.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `type` or `type:id`, e.g. `cooperative:12`; types: cooperative, union, group,
    /// membership, submission, token, plan_target, province, district, sector.
    #[validate(length(min = 1, max = 40, message = "must be 1 to 40 characters"))]
    #[param(min_length = 1, max_length = 40, example = "cooperative:12")]
    pub object: Option<String>,
    /// Token id of whoever made the change.
    pub actor: Option<i64>,
    /// Changes on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Changes on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200, message = "must be between 1 and 200"))]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

/// Parses `type` or `type:id`.
fn object_filter(object: &str) -> Result<(String, Option<i64>), ApiError> {
    let (kind, id) = match object.split_once(':') {
        Some((kind, id)) => {
            let id = id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                ApiError::bad_request("object", "the id after `:` must be a positive integer")
            })?;
            (kind, Some(id))
        }
        None => (object, None),
    };
    if !OBJECT_TYPES.contains(&kind) {
        return Err(ApiError::bad_request(
            "object",
            format!("must name one of: {}", OBJECT_TYPES.join(", ")),
        ));
    }
    Ok((kind.to_owned(), id))
}

/// A page of entries matching the query.
pub fn list(conn: &mut Conn, query: &AuditQuery) -> Result<Page<AuditEntryView>, ApiError> {
    let object = query.object.as_deref().map(object_filter).transpose()?;
    let after: Option<i64> = query.cursor.as_deref().map(|c| decode_cursor(LIST, c)).transpose()?;
    crate::domain::forward_range("from", query.from, "to", query.to)?;
    let limit = query.limit.unwrap_or(50);
    let rows: Vec<AuditEntry> = on_backend!(conn, c => {
        let mut q = audit_entries::table.select(AuditEntry::as_select()).into_boxed();
        if let Some((kind, id)) = &object {
            q = q.filter(audit_entries::object_type.eq(kind.clone()));
            if let Some(id) = id {
                q = q.filter(audit_entries::object_id.eq(*id));
            }
        }
        if let Some(actor) = query.actor {
            q = q.filter(audit_entries::actor_id.eq(actor));
        }
        if let Some(from) = query.from {
            q = q.filter(audit_entries::at.ge(from.and_time(chrono::NaiveTime::MIN)));
        }
        if let Some(to) = query.to {
            q = q.filter(audit_entries::at.le(crate::domain::end_of_day(to)));
        }
        if let Some(after) = after {
            q = q.filter(audit_entries::id.gt(after));
        }
        q.order(audit_entries::id.asc()).limit(limit + 1).load(c)?
    });
    let rows = rows.into_iter().map(AuditEntryView::from).collect();
    Ok(Page::from_rows(rows, limit, LIST, |e: &AuditEntryView| e.id))
}

/// Changes to the register, submissions and tokens.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = ["admin", "reviewer", "analyst"])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Entries, oldest first", body = Page<AuditEntryView>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        BadQuery,
        AnyToken,
        (status = 403, description = "Role may not read the audit trail", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    db: web::Data<Db>,
    req: HttpRequest,
    _actor: Authorized<AuditReaders>,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let page = db.read(move |c| list(c, &query)).await?;
    Ok(page_response(&req, &page))
}

/// Query of a record's history: pagination only.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200, message = "must be between 1 and 200"))]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

/// The audit entries of one record, oldest first; 404 when the record does not exist.
pub async fn history(
    db: &Db,
    req: &HttpRequest,
    object: Object,
    query: HistoryQuery,
    exists: impl FnOnce(&mut Conn) -> Result<(), ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let audit_query = AuditQuery {
        object: Some(format!("{}:{}", object.type_name(), object.id())),
        limit: query.limit,
        cursor: query.cursor,
        ..Default::default()
    };
    let page = db
        .read(move |c| {
            exists(c)?;
            list(c, &audit_query)
        })
        .await?;
    Ok(page_response(req, &page))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}
