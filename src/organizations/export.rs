//! Streamed export of cooperatives or unions as CSV or newline-delimited JSON: the rows
//! are read page by page over the list's keyset, so memory stays flat however many
//! rows the filter selects.

use actix_web::web::Bytes;
use chrono::NaiveDate;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::input::{ListQuery, SortKey};
use super::queries;
use super::views::OrganizationView;
use crate::db::Db;
use crate::domain::{OrgKind, SectorGroup, Status};
use crate::error::ApiError;

/// Rows read per page of the export.
const CHUNK: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// `text/csv`, with a header row.
    #[default]
    Csv,
    /// `application/x-ndjson`: one JSON record per line, as the single-record view.
    Ndjson,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Ndjson => "application/x-ndjson",
        }
    }
}

/// The list's filters, search and sort, without paging.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    pub province: Option<i64>,
    pub district: Option<i64>,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[param(min_length = 1, max_length = 64)]
    pub sector: Option<String>,
    pub sector_group: Option<SectorGroup>,
    pub status: Option<Status>,
    pub registered_from: Option<NaiveDate>,
    pub registered_to: Option<NaiveDate>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    #[param(inline)]
    pub sort: Option<SortKey>,
    /// `csv` (default) or `ndjson`.
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

impl ExportQuery {
    fn into_list(self) -> ListQuery {
        ListQuery {
            province: self.province,
            district: self.district,
            sector: self.sector,
            sector_group: self.sector_group,
            status: self.status,
            registered_from: self.registered_from,
            registered_to: self.registered_to,
            q: self.q,
            sort: self.sort,
            limit: Some(CHUNK),
            cursor: None,
        }
    }
}

const CSV_HEADER: [&str; 23] = [
    "id",
    "kind",
    "registration_number",
    "name",
    "name_en",
    "abbreviation",
    "sector",
    "sector_group",
    "province_id",
    "province",
    "district_id",
    "district",
    "address",
    "legal_representative",
    "phone",
    "email",
    "registration_date",
    "status",
    "dissolution_date",
    "charter_capital",
    "member_count",
    "alliance_admission_date",
    "alliance_batch",
];

fn csv_record(v: &OrganizationView) -> Vec<String> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let date = |d: &Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        v.id.to_string(),
        v.kind.as_str().into(),
        v.registration_number.clone(),
        v.name.clone(),
        opt(&v.name_en),
        opt(&v.abbreviation),
        v.sector.code.clone(),
        v.sector.group.as_str().into(),
        v.province.id.to_string(),
        v.province.name.clone(),
        v.district.as_ref().map(|d| d.id.to_string()).unwrap_or_default(),
        v.district.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
        v.address.clone(),
        v.legal_representative.clone(),
        opt(&v.phone),
        opt(&v.email),
        v.registration_date.to_string(),
        v.status.as_str().into(),
        date(&v.dissolution_date),
        v.charter_capital.to_string(),
        v.member_count.to_string(),
        date(&v.alliance_admission_date),
        opt(&v.alliance_batch),
    ]
}

fn encode(format: ExportFormat, rows: &[OrganizationView], header: bool) -> Result<Bytes, ApiError> {
    let fail = |e: String| ApiError::Internal(format!("export encoding: {e}"));
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            if header {
                w.write_record(CSV_HEADER).map_err(|e| fail(e.to_string()))?;
            }
            for row in rows {
                w.write_record(csv_record(row)).map_err(|e| fail(e.to_string()))?;
            }
            Ok(Bytes::from(w.into_inner().map_err(|e| fail(e.to_string()))?))
        }
        ExportFormat::Ndjson => {
            let mut out = Vec::new();
            for row in rows {
                serde_json::to_writer(&mut out, row).map_err(|e| fail(e.to_string()))?;
                out.push(b'\n');
            }
            Ok(Bytes::from(out))
        }
    }
}

/// Checks the filter by reading the first page (so a bad filter is a 400 before any
/// byte is sent), then streams every page.
pub async fn export(
    db: Db,
    kind: OrgKind,
    query: ExportQuery,
) -> Result<(ExportFormat, impl Stream<Item = Result<Bytes, ApiError>>), ApiError> {
    let format = query.format.unwrap_or_default();
    let filter = query.into_list();
    let first_filter = filter.clone();
    let first = db.read(move |c| queries::list(c, kind, &first_filter)).await?;
    struct State {
        db: Db,
        filter: ListQuery,
        page: Option<crate::http::Page<super::views::OrganizationRow>>,
        header: bool,
    }
    let state = State { db, filter, page: Some(first), header: true };
    let body = stream::try_unfold(state, move |mut state| async move {
        let page = match state.page.take() {
            Some(page) => page,
            None => {
                let Some(cursor) = state.filter.cursor.clone() else { return Ok(None) };
                let filter = ListQuery { cursor: Some(cursor), ..state.filter.clone() };
                state.db.read(move |c| queries::list(c, kind, &filter)).await?
            }
        };
        let views: Vec<OrganizationView> = page.items.into_iter().map(Into::into).collect();
        let bytes = encode(format, &views, state.header)?;
        state.header = false;
        match page.next_cursor {
            Some(next) => state.filter.cursor = Some(next),
            None => {
                state.filter.cursor = None;
                if bytes.is_empty() {
                    return Ok(None);
                }
            }
        }
        Ok(Some((bytes, state)))
    });
    Ok((format, body))
}
