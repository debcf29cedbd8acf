//! Cross-origin access for the web frontends named in `--cors-origins`; with none named
//! the API sends no CORS headers at all and browsers keep other origins out.

use actix_cors::{Cors, CorsError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{Condition, Next};
use actix_web::ResponseError;

use crate::error::ApiError;

/// CORS for `origins` (exact `scheme://host[:port]` values); off when the list is empty.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .allowed_header("x-request-id")
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(3600);
    Condition::new(!origins.is_empty(), cors)
}

/// A refused preflight (origin, method or header not allowed) as a problem document,
/// like every other error; actix-cors answers it in plain text.
pub async fn refusals_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    let refusal =
        response.response().error().and_then(|e| e.as_error::<CorsError>()).map(ToString::to_string);
    match refusal {
        Some(reason) => {
            let problem = ApiError::bad_request("origin", reason).error_response();
            Ok(response.into_response(problem).map_into_right_body())
        }
        None => Ok(response.map_into_left_body()),
    }
}
