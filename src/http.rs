//! HTTP helpers shared by the resources: entity tags, conditional requests, pagination.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Strong entity tag of a versioned record.
pub fn etag(kind: &str, id: i64, version: i32) -> String {
    format!("\"{kind}-{id}-v{version}\"")
}

/// What an update's `If-Match` header asks for (RFC 9110 §13.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No header: the update applies to whatever version is current.
    #[default]
    None,
    /// `If-Match: *`: the record must exist.
    Any,
    /// The current entity tag must be one of these; weak tags never match (strong
    /// comparison), so they are kept with their `W/` prefix.
    Tags(Vec<String>),
}

/// The `If-Match` header as the API document describes it, once for every change that
/// reads it (`params(…, Precondition)` in a route's `utoipa::path`).
impl utoipa::IntoParams for Precondition {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#));
        vec![ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "ETag of the version the change is based on (or `*`); a list of tags matches when one is current",
            ))
            .schema(Some(schema))
            .build()]
    }
}

impl Precondition {
    /// Reads `If-Match`; a value that is not a list of entity tags is a 400.
    pub fn from_request(req: &HttpRequest) -> Result<Precondition, ApiError> {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return Ok(Precondition::None);
        };
        let malformed = || {
            ApiError::bad_request(
                "If-Match",
                "must be * or a list of entity tags such as \"cooperative-12-v3\"",
            )
        };
        let value = value.to_str().map_err(|_| malformed())?.trim();
        if value == "*" {
            return Ok(Precondition::Any);
        }
        let tags: Vec<String> = value.split(',').map(|t| t.trim().to_owned()).collect();
        let well_formed = |t: &str| {
            let opaque = t.strip_prefix("W/").unwrap_or(t);
            opaque.len() >= 2
                && opaque.starts_with('"')
                && opaque.ends_with('"')
                && !opaque[1..opaque.len() - 1].contains('"')
        };
        if tags.iter().all(|t| well_formed(t)) {
            Ok(Precondition::Tags(tags))
        } else {
            Err(malformed())
        }
    }

    /// 412 unless the record's current tag satisfies the precondition.
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        match self {
            Precondition::Tags(tags) if !tags.iter().any(|t| t == current) => {
                Err(ApiError::PreconditionFailed(format!(
                    "the record has changed: its current ETag is {current}"
                )))
            }
            _ => Ok(()),
        }
    }
}

/// True when the client's `If-None-Match` already names `tag`.
pub fn not_modified(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == tag))
}

/// 200 with the body and its ETag, or 304 when the client has it already.
pub fn conditional_json<T: Serialize>(req: &HttpRequest, tag: &str, body: &T) -> HttpResponse {
    if not_modified(req, tag) {
        return HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish();
    }
    HttpResponse::Ok().insert_header((header::ETAG, tag)).json(body)
}

/// A page of results and the cursor of the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from the `limit + 1` rows a keyset query read: the extra row only tells
    /// that a next page exists, which starts after the position of the last item.
    /// `list` names the list the cursor belongs to (see [`encode_cursor`]).
    pub fn from_rows<P: Serialize>(
        mut rows: Vec<T>,
        limit: i64,
        list: &str,
        position: impl Fn(&T) -> P,
    ) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor =
            if more { rows.last().map(|last| encode_cursor(list, &position(last))) } else { None };
        Page { items: rows, next_cursor }
    }
}

/// A cursor's content: the list it was issued for, and the position in it.
#[derive(Serialize, Deserialize)]
struct Cursor<T> {
    list: String,
    at: T,
}

/// Encodes a keyset position in `list` (say "cooperatives") as an opaque, URL-safe cursor.
pub fn encode_cursor<T: Serialize>(list: &str, position: &T) -> String {
    let cursor = Cursor { list: list.to_owned(), at: position };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("cursor serializes"))
}

/// Decodes a cursor that [`encode_cursor`] made for `list`; anything else is a 400 on
/// `cursor` (a position in another list would page through this one from a place that
/// means nothing in it).
pub fn decode_cursor<T: DeserializeOwned>(list: &str, cursor: &str) -> Result<T, ApiError> {
    let cursor: Cursor<T> = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::bad_request("cursor", "is not a cursor this API issued"))?;
    if cursor.list != list {
        return Err(ApiError::bad_request("cursor", format!("was issued for the list of {}", cursor.list)));
    }
    Ok(cursor.at)
}

/// 200 with a page; a `Link: <…>; rel="next"` header points at the next page. The page
/// carries a weak `ETag` of its content, and `If-None-Match` with it answers 304.
pub fn page_response<T: Serialize>(req: &HttpRequest, page: &Page<T>) -> HttpResponse {
    let body = match serde_json::to_vec(page) {
        Ok(body) => body,
        Err(e) => return crate::error::ApiError::Internal(e.to_string()).error_response(),
    };
    let digest = crate::text::hex(&Sha256::digest(&body)[..16]);
    let tag = format!("W/\"{digest}\"");
    if not_modified(req, &tag[2..]) {
        return HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish();
    }
    let mut response = HttpResponse::Ok();
    response.insert_header((header::ETAG, tag));
    if let Some(cursor) = &page.next_cursor {
        let query: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .chain([("cursor".to_owned(), cursor.clone())])
            .collect();
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
        let link = format!("<{}?{}>; rel=\"next\"", req.path(), query);
        if let Ok(v) = HeaderValue::from_str(&link) {
            response.insert_header((header::LINK, v));
        }
    }
    response.content_type("application/json").body(body)
}

/// Keyset pagination: orders by (column, id) and continues after the position `$after`
/// (an `Option<(value, id)>`), so page 10,000 costs what page 1 does.
#[macro_export]
macro_rules! keyset {
    ($query:ident, $column:expr, $id:expr, $after:expr, asc) => {{
        if let Some((value, id)) = $after {
            // `>= value` first: a range the index can seek to; the rest breaks ties.
            $query = $query.filter($column.ge(value.clone()).and($column.gt(value).or($id.gt(id))));
        }
        $query.order(($column.asc(), $id.asc()))
    }};
    ($query:ident, $column:expr, $id:expr, $after:expr, desc) => {{
        if let Some((value, id)) = $after {
            $query = $query.filter($column.le(value.clone()).and($column.lt(value).or($id.lt(id))));
        }
        $query.order(($column.desc(), $id.desc()))
    }};
}
