//! Request extractors that turn input into typed values at the edge and answer every
//! failure with a problem document naming the field at fault.

use std::borrow::Cow;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, FieldError};

/// Largest accepted JSON body unless the app configures another.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// App data: the largest JSON body the API accepts.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

/// A JSON body, deserialized (unknown fields, wrong types and duplicate keys are refused)
/// and validated.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_BODY_LIMIT, |l| l.0);
        let checks = check_content_type(req).and_then(|()| check_declared_length(req, limit));
        let payload = payload.take();
        Box::pin(async move {
            checks?;
            let body = read_body(payload, limit).await?;
            let value: T = parse_json(&body)?;
            validate(&value)?;
            Ok(Json(value))
        })
    }
}

/// The whole body, or a 413 past `limit` bytes.
pub async fn read_body(mut payload: Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("body", e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("the request body exceeds {limit} bytes"))
}

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("application/json") => Ok(()),
        Some(m) if m.starts_with("application/") && m.ends_with("+json") => Ok(()),
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "expected a body of type application/json, got {other}"
        ))),
        None => Err(ApiError::UnsupportedMediaType(
            "expected a body of type application/json; the Content-Type header is missing".into(),
        )),
    }
}

/// 413 past `limit` bytes, before reading, when the request declares its length.
pub fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Parses a JSON document into `T`, reporting where in the document it went wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Syntax first, so that a malformed document is a 400 whatever its content.
    serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(|e| json_error(".", &e))?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

fn json_error(path: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let field = if path == "." || path.is_empty() { "body" } else { path };
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest {
            detail: format!("the body is not valid JSON: {e}"),
            errors: vec![FieldError::new("body", e.to_string())],
        },
        Category::Data => {
            let message = strip_position(e);
            let field = match named_field(&message) {
                Some(name) if field == "body" || field == name || field.ends_with(&format!(".{name}")) => {
                    if field == "body" {
                        name.to_owned()
                    } else {
                        field.to_owned()
                    }
                }
                Some(name) => format!("{field}.{name}"),
                None => field.to_owned(),
            };
            ApiError::Validation(vec![FieldError::new(field, message)])
        }
    }
}

/// serde reports a missing, unknown or repeated field at its parent; name the field.
fn named_field(message: &str) -> Option<&str> {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
}

/// serde_json appends " at line L column C"; the field name already says where.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Runs the `validator` rules and lists every failing field.
pub fn validate<T: Validate>(value: &T) -> Result<(), ApiError> {
    value.validate().map_err(|errors| {
        let mut out = Vec::new();
        flatten(&errors, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(out)
    })
}

fn flatten(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message =
                        e.message.clone().unwrap_or_else(|| Cow::Owned(format!("is invalid ({})", e.code)));
                    out.push(FieldError::new(path.clone(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

/// Query parameters, deserialized (unknown parameters refused) and validated.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        let field = if field == "." { "query".to_owned() } else { field };
        ApiError::BadRequest {
            detail: format!("query parameter {field}: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    })?;
    validate(&value).map_err(|e| match e {
        // a bad query value is a malformed request, not a rejected resource
        ApiError::Validation(errors) => ApiError::BadRequest {
            detail: format!(
                "invalid query parameters: {}",
                errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", ")
            ),
            errors,
        },
        other => other,
    })?;
    Ok(value)
}

/// Path parameters that fail to parse (`/cooperatives/abc`) answer 400, not 404.
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default().error_handler(|err, _req| {
        ApiError::bad_request("path", format!("invalid path parameter: {err}")).into()
    })
}

/// Deserializes a field that may be absent (leave unchanged), `null` (clear) or a value.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
