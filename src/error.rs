//! The one error type of the API, mapped to RFC 9457 `application/problem+json` here and
//! nowhere else.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// One thing wrong with the input, and where.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Where the problem is: a body field path (`district_id`, `members[2].name`),
    /// a query parameter, a path parameter or a header name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub problem_type: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// The fields at fault, when the problem is with the input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The problems of a route that takes a JSON body, for its API doc (`responses(JsonBody)`).
#[derive(IntoResponses)]
#[allow(dead_code)] // described, never built: the answers come from `ApiError`
pub enum JsonBody {
    #[response(status = 413, description = "Body too large", content_type = "application/problem+json")]
    TooLarge(Problem),
    #[response(status = 415, description = "Not JSON", content_type = "application/problem+json")]
    NotJson(Problem),
}

/// The problems of a route that needs a reviewer's token (or an admin's), for its API doc.
#[derive(IntoResponses)]
#[allow(dead_code)] // described, never built: the answers come from `ApiError`
pub enum ReviewerToken {
    #[response(status = 401, description = "No valid token", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "Not a reviewer token",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
}

/// The problems of a route that needs an admin's token, for its API doc.
#[derive(IntoResponses)]
#[allow(dead_code)] // described, never built: the answers come from `ApiError`
pub enum AdminToken {
    #[response(status = 401, description = "No valid token", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(status = 403, description = "Not an admin token", content_type = "application/problem+json")]
    Forbidden(Problem),
}

/// Declares the problems that many routes answer with, for their API doc; the answers a
/// route alone gives are written out in its `responses(…)`.
macro_rules! shared_problems {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)*) => {$(
        $(#[$doc])*
        #[derive(IntoResponses)]
        #[allow(dead_code)] // described, never built: the answers come from `ApiError`
        pub enum $name {
            #[response(status = $status, description = $description, content_type = "application/problem+json")]
            Problem(Problem),
        }
    )*};
}

shared_problems! {
    /// A route that needs a token of any role.
    AnyToken = 401, "No valid token";
    /// A route with an id in its path.
    BadId = 400, "Bad id";
    /// A read with an id in its path, which takes no query parameter it does not know.
    BadIdOrQuery = 400, "Bad id or query";
    /// A route that reads query parameters.
    BadQuery = 400, "Bad query parameter";
    /// A route that reads a JSON body.
    MalformedJson = 400, "Malformed JSON";
    /// A route that reads a JSON body and an id in its path.
    MalformedJsonOrId = 400, "Malformed JSON or id";
    /// A route about one record of the register.
    NoSuchRecord = 404, "No such record";
    /// A change that honours `If-Match`.
    RecordChanged = 412, "The record changed since the ETag in `If-Match`";
    /// A route whose input must keep the register's rules.
    InvalidFields = 422, "Invalid fields";
}

/// The answer of a read to an `If-None-Match` that names its current ETag.
#[derive(IntoResponses)]
#[allow(dead_code)] // described, never built: `http::conditional_json` answers
pub enum NotModified {
    #[response(status = 304, description = "Unchanged since the ETag in `If-None-Match`")]
    Unchanged,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, a bad query string or header.
    #[error("{detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// The request was read but its content breaks the rules.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// No valid bearer token, where one is needed.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token whose role (or district) does not allow this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{detail}")]
    Conflict { detail: String, errors: Vec<FieldError> },
    /// The path exists but not with this method; `allow` lists the methods it has.
    #[error("{method} is not allowed here; allowed: {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    /// The client went over its rate limit; it may retry after this many seconds.
    #[error("too many requests; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database is busy or unreachable right now; the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// A real server fault; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::BadRequest {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Conflict { detail: message.clone(), errors: vec![FieldError::new(field, message)] }
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => ("bad-request", "Malformed request"),
            ApiError::Validation(_) => ("validation", "Invalid input"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Conflict { .. } => ("conflict", "Conflict with the current state"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Request body too large"),
            ApiError::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            ApiError::NotAcceptable(_) => ("not-acceptable", "Not acceptable"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service temporarily unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        let (detail, errors) = match self {
            ApiError::BadRequest { detail, errors } | ApiError::Conflict { detail, errors } => {
                (detail.clone(), errors.clone())
            }
            ApiError::Validation(errors) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                (format!("invalid fields: {}", fields.join(", ")), errors.clone())
            }
            ApiError::Internal(_) => ("the server failed to handle the request".into(), vec![]),
            other => (other.to_string(), vec![]),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        match self {
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"coop-registry\""));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> ApiError {
        match e {
            DieselError::NotFound => ApiError::NotFound("the requested record".into()),
            DieselError::DatabaseError(kind, info) => {
                let message = info.message().to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => ApiError::Conflict {
                        detail: "a record with the same unique value exists".into(),
                        errors: vec![],
                    },
                    DatabaseErrorKind::ForeignKeyViolation => ApiError::Validation(vec![FieldError::new(
                        "body",
                        "refers to a record that does not exist",
                    )]),
                    DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                        ApiError::Validation(vec![FieldError::new("body", "breaks a rule of the register")])
                    }
                    DatabaseErrorKind::SerializationFailure => {
                        ApiError::Unavailable("concurrent update, retry".into())
                    }
                    DatabaseErrorKind::ClosedConnection => {
                        ApiError::Unavailable("database connection lost".into())
                    }
                    _ if is_busy(&message) => ApiError::Unavailable("database is busy".into()),
                    _ => ApiError::Internal(format!("database error: {message}")),
                }
            }
            other => ApiError::Internal(format!("database error: {other}")),
        }
    }
}

/// A locked SQLite file, or a PostgreSQL statement cancelled by `statement_timeout`:
/// the client may retry.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        || message.contains("canceling statement due to statement timeout")
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> ApiError {
        ApiError::Unavailable(format!("no database connection available: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal("blocking task failed".into())
    }
}
