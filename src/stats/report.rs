//! Statistics responses: JSON or CSV as the client asks, with an ETag of the content.

use std::hash::{Hash, Hasher};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Output format; CSV may also be asked for with `Accept: text/csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
}

/// `format=` wins; otherwise `Accept: text/csv` (preferred over JSON) asks for CSV.
pub fn negotiate(req: &HttpRequest, format: Option<Format>) -> Format {
    if let Some(f) = format {
        return f;
    }
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let wants_csv = accept.split(',').any(|part| part.trim().starts_with("text/csv"));
    let wants_json = accept.split(',').any(|part| {
        let mime = part.trim();
        mime.starts_with("application/json") || mime.starts_with("application/*")
    });
    if wants_csv && !wants_json {
        Format::Csv
    } else {
        Format::Json
    }
}

/// Writes CSV rows: a header, then one record per row.
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<String, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer.write_record(header).map_err(fail)?;
    for row in rows {
        writer.write_record(&row).map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(format!("csv: {e}")))
}

/// 200 with the body and a strong ETag of its bytes, or 304 when the client has it.
pub fn respond(req: &HttpRequest, body: Vec<u8>, content_type: &str) -> HttpResponse {
    let mut hasher = std::hash::DefaultHasher::new();
    body.hash(&mut hasher);
    content_type.hash(&mut hasher);
    let tag = format!("\"s-{:016x}\"", hasher.finish());
    // The body, and so its tag, depends on the Accept header too (see `negotiate`).
    let vary = (header::VARY, header::HeaderValue::from_static("accept"));
    if crate::http::not_modified(req, &tag) {
        return HttpResponse::NotModified().insert_header((header::ETAG, tag)).append_header(vary).finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .append_header(vary)
        .content_type(content_type)
        .body(body)
}

/// Serves `value` as JSON, or as the CSV that `csv` makes of it.
pub fn serve<T: Serialize>(
    req: &HttpRequest,
    format: Format,
    value: &T,
    csv: impl FnOnce(&T) -> Result<String, ApiError>,
) -> Result<HttpResponse, ApiError> {
    Ok(match format {
        Format::Json => {
            let body = serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))?;
            respond(req, body, "application/json")
        }
        Format::Csv => respond(req, csv(value)?.into_bytes(), "text/csv; charset=utf-8"),
    })
}
