//! `/api/v1/submissions`: district committees file, the provincial office decides.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::store::{self, Decision, NewSubmission, SubmissionsQuery};
use super::{Submission, SubmissionView};
use crate::auth::{Authorized, Districts, Reviewers, SubmissionReaders};
use crate::db::Db;
use crate::error::{
    AnyToken, ApiError, BadId, BadIdOrQuery, BadQuery, JsonBody, MalformedJson, MalformedJsonOrId,
    NotModified, Problem, ReviewerToken,
};
use crate::extract::{Json, NoQuery, Query};
use crate::http::{conditional_json, page_response, Page, Precondition};

fn submission_response(builder: &mut actix_web::HttpResponseBuilder, submission: Submission) -> HttpResponse {
    let tag = submission.etag();
    builder.insert_header((header::ETAG, tag)).json(SubmissionView::from(submission))
}

/// File a submission for the token's district.
///
/// The payload is checked exactly as the direct write would check it (the change is
/// tried and rolled back), so a submission that could not be applied now is refused
/// at once.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = ["district"])),
    request_body = NewSubmission,
    responses(
        (status = 201, description = "Filed, pending", body = SubmissionView,
         headers(("Location" = String, description = "URL of the submission"), ("ETag" = String))),
        MalformedJson,
        AnyToken,
        (status = 403, description = "Not a district token, or another district's record", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such target record", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conflicts with the register", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid fields (named under `payload.`) or idempotency key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submissions")]
pub async fn file_submission(
    db: web::Data<Db>,
    actor: Authorized<Districts>,
    body: Json<NewSubmission>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let submission = db
        .write(move |c| {
            let id = store::file(c, &actor.0, input)?;
            store::find(c, id)
        })
        .await?;
    let location = format!("/api/v1/submissions/{}", submission.id);
    Ok(submission_response(HttpResponse::Created().insert_header((header::LOCATION, location)), submission))
}

/// Submissions, newest first. A district token sees its own district's only.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = ["admin", "reviewer", "district", "analyst"])),
    params(SubmissionsQuery),
    responses(
        (status = 200, description = "One page", body = Page<SubmissionView>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        BadQuery,
        AnyToken,
        (status = 403, description = "Another district's submissions", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/submissions")]
pub async fn list_submissions(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<SubmissionReaders>,
    query: Query<SubmissionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let page = db.read(move |c| store::list(c, &actor.0, &query)).await?;
    Ok(page_response(&req, &page))
}

/// One submission.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = ["admin", "reviewer", "district", "analyst"])),
    params(("id" = i64, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission", body = SubmissionView, headers(("ETag" = String))),
        NotModified,
        BadIdOrQuery,
        AnyToken,
        (status = 403, description = "Another district's submission", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submission", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/submissions/{id:[0-9]+}")]
pub async fn get_submission(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<SubmissionReaders>,
    id: web::Path<i64>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let submission = db.read(move |c| store::find_visible(c, &actor.0, id)).await?;
    let tag = submission.etag();
    Ok(conditional_json(&req, &tag, &SubmissionView::from(submission)))
}

/// How to approve.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// For a registration of a cooperative or union: the number to issue (default:
    /// `<province code>.<year>.<submission id>`).
    #[validate(custom(function = "crate::domain::registration_number"))]
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9./-]{2,31}$")]
    pub registration_number: Option<String>,
}

/// Why a submission is rejected.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    #[validate(
        length(min = 1, max = 1000, message = "must be 1 to 1000 characters"),
        custom(function = "crate::domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 1000, example = "Thiếu biên bản hội nghị thành lập")]
    pub reason: String,
}

/// Approve a pending submission: its change is applied to the register in the same
/// transaction (a registration gets its registration number now). Decided once: a
/// second decision is a 409.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = ["reviewer"])),
    params(("id" = i64, Path, description = "Submission id"),
           Precondition),
    request_body = Approval,
    responses(
        (status = 200, description = "Approved and applied", body = SubmissionView, headers(("ETag" = String))),
        MalformedJsonOrId,
        ReviewerToken,
        (status = 404, description = "No such submission (or its target is gone)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or the change conflicts with the register now", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the ETag in `If-Match`", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "The change is no longer valid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submissions/{id:[0-9]+}/approve")]
pub async fn approve_submission(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Reviewers>,
    id: web::Path<i64>,
    body: Json<Approval>,
) -> Result<HttpResponse, ApiError> {
    let decision = Decision::Approve { registration_number: body.0.registration_number };
    decide(&db, &req, actor.0, id.into_inner(), decision).await
}

/// Reject a pending submission, saying why.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = ["reviewer"])),
    params(("id" = i64, Path, description = "Submission id"),
           Precondition),
    request_body = Rejection,
    responses(
        (status = 200, description = "Rejected", body = SubmissionView, headers(("ETag" = String))),
        MalformedJsonOrId,
        ReviewerToken,
        (status = 404, description = "No such submission", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the ETag in `If-Match`", body = Problem, content_type = "application/problem+json"),
        JsonBody,
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submissions/{id:[0-9]+}/reject")]
pub async fn reject_submission(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Reviewers>,
    id: web::Path<i64>,
    body: Json<Rejection>,
) -> Result<HttpResponse, ApiError> {
    let decision = Decision::Reject { reason: crate::text::clean(&body.0.reason) };
    decide(&db, &req, actor.0, id.into_inner(), decision).await
}

/// Withdraw a pending submission of the token's district.
#[utoipa::path(
    tag = "submissions",
    security(("bearer" = ["district"])),
    params(("id" = i64, Path, description = "Submission id"),
           Precondition),
    responses(
        (status = 200, description = "Withdrawn", body = SubmissionView, headers(("ETag" = String))),
        BadId,
        AnyToken,
        (status = 403, description = "Not the submitting district's token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submission", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since the ETag in `If-Match`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submissions/{id:[0-9]+}/withdraw")]
pub async fn withdraw_submission(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Districts>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    decide(&db, &req, actor.0, id.into_inner(), Decision::Withdraw).await
}

async fn decide(
    db: &Db,
    req: &HttpRequest,
    actor: crate::auth::Actor,
    id: i64,
    decision: Decision,
) -> Result<HttpResponse, ApiError> {
    let expected = Precondition::from_request(req)?;
    let submission = db.write(move |c| store::decide(c, &actor, id, decision, &expected)).await?;
    Ok(submission_response(&mut HttpResponse::Ok(), submission))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(file_submission)
        .service(list_submissions)
        .service(get_submission)
        .service(approve_submission)
        .service(reject_submission)
        .service(withdraw_submission);
}
