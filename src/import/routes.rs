//! `POST /api/v1/cooperatives/import`: a provincial spreadsheet, as CSV.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::ImportReport;
use crate::auth::{Authorized, Importers};
use crate::db::Db;
use crate::domain::OrgKind;
use crate::error::{AnyToken, ApiError, Problem};
use crate::extract::{check_declared_length, read_body, Query};

/// Largest accepted import file: a national list of a few hundred thousand rows.
pub const IMPORT_LIMIT: usize = 256 * 1024 * 1024;

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row and write nothing.
    pub dry_run: Option<bool>,
}

/// Import cooperatives from CSV (UTF-8, first line a header), all or nothing.
///
/// Columns by name, in English (the fields of a new cooperative) or Vietnamese, ignoring
/// case and diacritics: `registration_number` (Số đăng ký, Mã số HTX), `name` (Tên HTX),
/// `name_en`, `abbreviation`, `sector` (Ngành nghề: code or name), `province` (Tỉnh: id,
/// code or name), `district` (Huyện), `address` (Địa chỉ), `legal_representative`
/// (Người đại diện), `phone` (Điện thoại), `email`, `registration_date` (Ngày đăng ký:
/// 2024-05-02 or 02/05/2024), `charter_capital` (Vốn điều lệ, separators allowed),
/// `member_count` (Số thành viên), `alliance_admission_date`, `alliance_batch`. Other
/// columns are ignored and listed. Each row meets the rules of `POST /cooperatives`; a
/// 422 lists every bad row and column (`row 5, Ngày đăng ký`) and nothing is written.
#[utoipa::path(
    tag = "cooperatives",
    security(("bearer" = ["admin", "reviewer"])),
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The spreadsheet as CSV"),
    responses(
        (status = 200, description = "Imported (or, for a dry run, checked)", body = ImportReport),
        (status = 400, description = "Unreadable CSV or header", body = Problem, content_type = "application/problem+json"),
        AnyToken,
        (status = 403, description = "Role may not import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, each named with its column", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cooperatives/import")]
pub async fn import_cooperatives(
    db: web::Data<Db>,
    req: HttpRequest,
    actor: Authorized<Importers>,
    query: Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mime = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !mime.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv") {
        return Err(ApiError::UnsupportedMediaType(format!("expected text/csv, got '{mime}'")));
    }
    check_declared_length(&req, IMPORT_LIMIT)?;
    let csv = read_body(payload.into_inner(), IMPORT_LIMIT).await?;
    let check_only = query.0.dry_run.unwrap_or(false);
    // One write transaction either way: a dry run writes nothing, and a real import's
    // batches written before a bad row is found roll back with it.
    let report =
        db.write(move |c| super::import(c, &actor.0, OrgKind::Cooperative, &csv, check_only)).await?;
    Ok(HttpResponse::Ok().json(report))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_cooperatives);
}
