//! `/api/v1/tokens`: administrators issue and revoke API tokens.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::tokens::{self, IssuedToken, NewToken, TokenView};
use super::{Admins, AnyRole, Authorized};
use crate::db::Db;
use crate::error::{
    AdminToken, AnyToken, ApiError, BadId, BadIdOrQuery, BadQuery, InvalidFields, JsonBody, MalformedJson,
    Problem,
};
use crate::extract::{Json, NoQuery};

/// Issue a token. Its secret is in this response only.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    request_body = NewToken,
    responses(
        (status = 201, description = "The token and its secret", body = IssuedToken,
         headers(("Location" = String, description = "URL of the token"))),
        MalformedJson,
        AdminToken,
        JsonBody,
        InvalidFields,
    )
)]
#[post("/tokens")]
pub async fn issue_token(
    db: web::Data<Db>,
    actor: Authorized<Admins>,
    body: Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let issued = db.write(move |c| tokens::issue(c, &actor.0, input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tokens/{}", issued.token.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

/// Every token, revoked ones included (never their secrets).
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Tokens, oldest first", body = Vec<TokenView>),
        AdminToken,
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    db: web::Data<Db>,
    _actor: Authorized<Admins>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let rows = db.read(tokens::list).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(TokenView::from).collect::<Vec<_>>()))
}

/// The token making this request: its role and district.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin", "reviewer", "district", "analyst"])),
    responses(
        (status = 200, description = "The caller's token", body = TokenView),
        BadQuery,
        AnyToken,
    )
)]
#[get("/tokens/current")]
pub async fn current_token(
    db: web::Data<Db>,
    actor: Authorized<AnyRole>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let id = actor.0.token_id.ok_or_else(|| ApiError::Internal("an API caller without a token".into()))?;
    let token = db.read(move |c| tokens::find(c, id)).await?;
    Ok(HttpResponse::Ok().json(TokenView::from(token)))
}

/// One token.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 200, description = "The token", body = TokenView),
        BadIdOrQuery,
        AdminToken,
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tokens/{id:[0-9]+}")]
pub async fn get_token(
    db: web::Data<Db>,
    _actor: Authorized<Admins>,
    id: web::Path<i64>,
    _: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let token = db.read(move |c| tokens::find(c, id)).await?;
    Ok(HttpResponse::Ok().json(TokenView::from(token)))
}

/// Revoke a token: it stops working at once and stays on record for the audit trail.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 200, description = "The revoked token", body = TokenView),
        BadId,
        AdminToken,
        (status = 404, description = "No such token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revoked already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tokens/{id:[0-9]+}/revoke")]
pub async fn revoke_token(
    db: web::Data<Db>,
    actor: Authorized<Admins>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let token = db.write(move |c| tokens::revoke(c, &actor.0, id)).await?;
    Ok(HttpResponse::Ok().json(TokenView::from(token)))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(issue_token)
        .service(list_tokens)
        .service(current_token)
        .service(get_token)
        .service(revoke_token);
}
