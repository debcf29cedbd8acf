//! `Idempotency-Key` on POST: a retry with the same key and the same request gets the
//! first response again, and creates nothing new; the same key with another request is
//! a 422. Keys belong to the caller's token and are kept 48 hours.
//!
//! The first request claims its key (a row without a response) before it runs, so a
//! concurrent retry finds the claim and gets a 409 instead of running twice; a response
//! that says nothing about the request's outcome (5xx, 401, 429) releases the claim so
//! the retry runs.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::db::{Conn, Db};
use crate::error::ApiError;
use crate::extract::{BodyLimit, DEFAULT_BODY_LIMIT};
use crate::import::routes::IMPORT_LIMIT;
use crate::on_backend;
use crate::organizations::store::now;
use crate::schema::idempotency_keys;

const HEADER: &str = "idempotency-key";
/// How long a key is remembered (at least the promised 24 hours).
const KEPT_HOURS: i64 = 48;
/// Response headers replayed with the stored body.
const REPLAYED_HEADERS: &[HeaderName] = &[header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// What the key's first request left.
enum Claim {
    /// The key is new: this request runs.
    Claimed,
    /// The first request is still running.
    InFlight,
    /// The same key came with another request.
    Mismatch,
    /// The stored response.
    Done { status: i32, headers: Option<String>, body: Option<Vec<u8>> },
}

type StoredRow = (String, Option<i32>, Option<String>, Option<Vec<u8>>);

fn claim(conn: &mut Conn, owner: &str, key: &str, request_hash: &str) -> Result<Claim, ApiError> {
    let at = now();
    let expired: NaiveDateTime = at - Duration::hours(KEPT_HOURS);
    let row = (
        idempotency_keys::owner.eq(owner),
        idempotency_keys::key.eq(key),
        idempotency_keys::request_hash.eq(request_hash),
        idempotency_keys::created_at.eq(at),
    );
    let stale = idempotency_keys::table.filter(idempotency_keys::created_at.lt(expired));
    let inserted = on_backend!(conn, c => {
        diesel::delete(stale).execute(c)?;
        diesel::insert_into(idempotency_keys::table).values(row).on_conflict_do_nothing().execute(c)?
    });
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let existing = idempotency_keys::table.find((owner, key)).select((
        idempotency_keys::request_hash,
        idempotency_keys::status,
        idempotency_keys::headers,
        idempotency_keys::body,
    ));
    let (hash, status, headers, body): StoredRow = on_backend!(conn, c => existing.first(c))?;
    Ok(match status {
        _ if hash != request_hash => Claim::Mismatch,
        None => Claim::InFlight,
        Some(status) => Claim::Done { status, headers, body },
    })
}

fn settle(
    conn: &mut Conn,
    owner: &str,
    key: &str,
    stored: Option<(i32, String, Vec<u8>)>,
) -> Result<(), ApiError> {
    let row = idempotency_keys::table.find((owner, key));
    on_backend!(conn, c => match &stored {
        Some((status, headers, body)) => diesel::update(row)
            .set((
                idempotency_keys::status.eq(status),
                idempotency_keys::headers.eq(headers),
                idempotency_keys::body.eq(body),
            ))
            .execute(c),
        None => diesel::delete(row).execute(c),
    })?;
    Ok(())
}

fn problem(req: ServiceRequest, e: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(e.error_response())
}

/// The middleware.
pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(HEADER).cloned();
    let (Some(key), true) = (key, req.method() == actix_web::http::Method::POST) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => k.to_owned(),
        _ => {
            let e = ApiError::bad_request("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
            return Ok(problem(req, e));
        }
    };
    // Only a caller with a valid token has keys; anyone else gets the route's 401.
    let Some(owner) = crate::auth::caller(&req).and_then(|actor| actor.token_id) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let owner = format!("token:{owner}");
    let Some(db) = req.app_data::<web::Data<Db>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };

    // Read the body to fingerprint the request, then hand it on unchanged; the route's
    // own limit is enforced by the route (an import takes far more than a JSON body).
    let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_BODY_LIMIT, |l| l.0).max(IMPORT_LIMIT);
    let mut payload = req.parts_mut().1.take();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Ok(problem(req, ApiError::bad_request("body", "the body could not be read")));
        };
        if body.len() + chunk.len() > limit {
            let e = ApiError::PayloadTooLarge(format!("the request body exceeds {limit} bytes"));
            return Ok(problem(req, e));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let mut hasher = Sha256::new();
    for part in [
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        req.headers().get(header::CONTENT_TYPE).map_or(&b""[..], |v| v.as_bytes()),
        &body,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let request_hash = crate::text::hex(&hasher.finalize());
    req.set_payload(Payload::from(body));

    let (o, k, h) = (owner.clone(), key.clone(), request_hash);
    let claimed = match db.write(move |c| claim(c, &o, &k, &h)).await {
        Ok(claim) => claim,
        Err(e) => return Ok(problem(req, e)),
    };
    match claimed {
        Claim::Claimed => {}
        Claim::InFlight => {
            let e = ApiError::conflict("Idempotency-Key", "a request with this key is still being handled");
            return Ok(problem(req, e));
        }
        Claim::Mismatch => {
            let e = ApiError::invalid("Idempotency-Key", "was used before with another request");
            return Ok(problem(req, e));
        }
        Claim::Done { status, headers, body } => {
            let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok());
            let mut replay = HttpResponse::build(status.unwrap_or(StatusCode::OK));
            let headers: Vec<(String, String)> =
                headers.and_then(|h| serde_json::from_str(&h).ok()).unwrap_or_default();
            for (name, value) in headers {
                replay.insert_header((name, value));
            }
            replay.insert_header(("idempotent-replayed", "true"));
            return Ok(req.into_response(replay.body(body.unwrap_or_default())));
        }
    }

    let response = next.call(req).await?;
    let status = response.status();
    let outcome_unknown = status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::TOO_MANY_REQUESTS;
    let (request, response) = response.into_parts();
    let headers: Vec<(String, String)> = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = response.headers().get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let mut rebuilt = HttpResponse::build(status);
    for (name, value) in response.headers() {
        rebuilt.append_header((name.clone(), value.clone()));
    }
    let bytes =
        to_bytes(response.into_body()).await.map_err(|_| ApiError::Internal("response body".into()))?;
    let stored = if outcome_unknown {
        None
    } else {
        let headers = serde_json::to_string(&headers).map_err(|e| ApiError::Internal(e.to_string()))?;
        Some((i32::from(status.as_u16()), headers, bytes.to_vec()))
    };
    if let Err(e) = db.write(move |c| settle(c, &owner, &key, stored)).await {
        // The change is made; only the memory of its response is missing.
        tracing::error!(error = %e, "could not store the response of an idempotent request");
    }
    Ok(ServiceResponse::new(request, rebuilt.body(bytes)))
}
