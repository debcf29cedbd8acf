//! Request extractors that turn input into typed values at the edge and answer every
//! failure with a problem document naming the field at fault.

use std::borrow::Cow;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use chrono::{Datelike, NaiveDate};
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

/// Parses a JSON document (an object) into `T`, reporting where in the document it went
/// wrong.
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
    // serde reads a struct from an array of its fields in order, too.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    if may_hold_text_no_column_holds(body) {
        let document: serde_json::Value = serde_json::from_slice(body).map_err(|e| json_error(".", &e))?;
        let mut errors = Vec::new();
        check_strings(&document, "", &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
    }
    Ok(value)
}

/// Whether a JSON document may hold a string that [`text_problem`] refuses: an escaped
/// NUL, or a signed date (chrono reads a year past 9999 or before 1 only with a sign). A
/// scan of the bytes, so that the usual document is not parsed twice.
fn may_hold_text_no_column_holds(body: &[u8]) -> bool {
    body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
        || body.windows(3).any(|w| w[0] == b'"' && matches!(w[1], b'+' | b'-') && w[2].is_ascii_digit())
}

/// Collects [`text_problem`]'s findings for every string of `value`, by path.
fn check_strings(value: &serde_json::Value, path: &str, out: &mut Vec<FieldError>) {
    let field = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        serde_json::Value::String(s) => {
            if let Some(problem) = text_problem(s) {
                out.push(FieldError::new(if path.is_empty() { "body" } else { path }, problem));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_strings(item, &format!("{}[{i}]", if path.is_empty() { "body" } else { path }), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                check_strings(item, &field(key), out);
            }
        }
        _ => {}
    }
}

/// What is wrong with a text value that no column of the register can hold as it is
/// meant: a NUL character (PostgreSQL's text refuses it, SQLite's search reads it as the
/// end), or a date whose year needs a sign (stored as text, "+10000-01-01" would sort
/// before "2024-01-01").
pub fn text_problem(s: &str) -> Option<&'static str> {
    if s.contains('\0') {
        Some("must not contain the NUL character (U+0000)")
    } else if s.parse::<NaiveDate>().is_ok_and(|d| !(0..=9999).contains(&d.year())) {
        Some("must be a date with a four-digit year")
    } else {
        None
    }
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
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(problem) = text_problem(&value) {
            return Err(ApiError::BadRequest {
                detail: format!("query parameter {name}: {problem}"),
                errors: vec![FieldError::new(name.into_owned(), problem)],
            });
        }
    }
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

/// A read that takes no query parameters: any is a 400 naming it, as the lists that
/// take some refuse those they do not know (a misspelt filter is not silently ignored).
pub struct NoQuery;

impl FromRequest for NoQuery {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match form_urlencoded::parse(req.query_string().as_bytes()).next() {
            Some((name, _)) => Err(ApiError::bad_request(&name, "is not a parameter of this route")),
            None => Ok(NoQuery),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_the_nul_character_and_signed_dates() {
        assert!(text_problem("HTX\0Null").is_some());
        for date in ["+10000-01-01", "-0001-12-31", "+12345-01-01"] {
            assert!(text_problem(date).is_some(), "{date}");
        }
        // Not dates at all: the field's own parse refuses "10000-01-01".
        for fine in ["0000-01-01", "9999-12-31", "10000-01-01", "HTX Nông nghiệp", "+84 204 3854 123", ""]
        {
            assert_eq!(text_problem(fine), None, "{fine}");
        }
    }

    #[test]
    fn a_document_is_scanned_where_it_may_hold_such_text() {
        for body in [r#"{"name":"a\u0000b"}"#, r#"{"d":"+10000-01-01"}"#, r#"{"d":"-0001-01-01"}"#] {
            assert!(may_hold_text_no_column_holds(body.as_bytes()), "{body}");
        }
        assert!(!may_hold_text_no_column_holds(br#"{"name":"HTX","d":"2024-01-01","n":-5}"#));
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        day: NaiveDate,
    }

    #[test]
    fn names_the_field_that_holds_it() {
        let problem = |body: &str| match parse_json::<Body>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(problem(r#"{"name":"a\u0000","day":"2024-01-01"}"#), ["name"]);
        assert_eq!(problem(r#"{"name":"a","day":"+10000-01-01"}"#), ["day"]);
        assert_eq!(problem(r#"["a","2024-01-01"]"#), ["body"]);
        assert!(parse_json::<Body>(br#" {"name":"a","day":"2024-01-01"}"#).is_ok());
    }
}
