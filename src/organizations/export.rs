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
use super::reader::Merge;
use super::views::{OrganizationRow, OrganizationView};
use crate::db::Db;
use crate::domain::{OrgKind, SectorGroup, Status};
use crate::error::ApiError;

/// Rows read per chunk of the export (and per seek of the list, when one runs dry).
const CHUNK: usize = 1000;

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
            limit: None,
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

/// Writes one record's fields straight from the row read (the view's values: the kind,
/// status and sector group are stored as the view names them), with no string per field.
fn write_csv_record(
    w: &mut csv::Writer<Vec<u8>>,
    (o, sector, province, district): &OrganizationRow,
) -> csv::Result<()> {
    let mut itoa = itoa::Buffer::new();
    let date = |d: &Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    w.write_field(itoa.format(o.id))?;
    w.write_field(&o.kind)?;
    w.write_field(&o.registration_number)?;
    w.write_field(&o.name)?;
    w.write_field(o.name_en.as_deref().unwrap_or(""))?;
    w.write_field(o.abbreviation.as_deref().unwrap_or(""))?;
    w.write_field(&sector.code)?;
    w.write_field(&sector.sector_group)?;
    w.write_field(itoa.format(province.id))?;
    w.write_field(&province.name)?;
    match district {
        Some(d) => {
            w.write_field(itoa.format(d.id))?;
            w.write_field(&d.name)?;
        }
        None => {
            w.write_field("")?;
            w.write_field("")?;
        }
    }
    w.write_field(&o.address)?;
    w.write_field(&o.legal_representative)?;
    w.write_field(o.phone.as_deref().unwrap_or(""))?;
    w.write_field(o.email.as_deref().unwrap_or(""))?;
    w.write_field(o.registration_date.to_string())?;
    w.write_field(&o.status)?;
    w.write_field(date(&o.dissolution_date))?;
    w.write_field(itoa.format(o.charter_capital))?;
    w.write_field(itoa.format(o.member_count))?;
    w.write_field(date(&o.alliance_admission_date))?;
    w.write_field(o.alliance_batch.as_deref().unwrap_or(""))?;
    w.write_record(None::<&[u8]>)
}

fn encode(format: ExportFormat, rows: Vec<(u8, OrganizationRow)>, header: bool) -> Result<Bytes, ApiError> {
    let fail = |e: String| ApiError::Internal(format!("export encoding: {e}"));
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
            if header {
                w.write_record(CSV_HEADER).map_err(|e| fail(e.to_string()))?;
            }
            for (_, row) in rows {
                write_csv_record(&mut w, &row).map_err(|e| fail(e.to_string()))?;
            }
            Ok(Bytes::from(w.into_inner().map_err(|e| fail(e.to_string()))?))
        }
        ExportFormat::Ndjson => {
            let mut out = Vec::with_capacity(rows.len() * 512);
            for (_, row) in rows {
                serde_json::to_writer(&mut out, &OrganizationView::from(row))
                    .map_err(|e| fail(e.to_string()))?;
                out.push(b'\n');
            }
            Ok(Bytes::from(out))
        }
    }
}

/// Opens the list and reads its first chunk (so a bad filter is a 400 before any byte
/// is sent), then streams the rest a chunk at a time.
pub async fn export(
    db: Db,
    kind: OrgKind,
    query: ExportQuery,
) -> Result<(ExportFormat, impl Stream<Item = Result<Bytes, ApiError>>), ApiError> {
    let format = query.format.unwrap_or_default();
    let filter = query.into_list();
    let (merge, first) = db
        .read(move |c| {
            let mut merge = queries::open(c, kind, &filter)?;
            let rows = merge.next(c, CHUNK, CHUNK)?;
            Ok((merge, rows))
        })
        .await?;
    struct State {
        db: Db,
        /// `None` once the list has been read to its end.
        merge: Option<Merge>,
        first: Option<Vec<(u8, OrganizationRow)>>,
        header: bool,
    }
    let state = State { db, merge: Some(merge), first: Some(first), header: true };
    let body = stream::try_unfold(state, move |mut state| async move {
        let rows = match (state.first.take(), state.merge.take()) {
            (Some(rows), merge) => {
                state.merge = merge;
                rows
            }
            (None, Some(mut merge)) => {
                let (merge, rows) = state
                    .db
                    .read(move |c| {
                        let rows = merge.next(c, CHUNK, CHUNK)?;
                        Ok((merge, rows))
                    })
                    .await?;
                state.merge = Some(merge);
                rows
            }
            (None, None) => return Ok(None),
        };
        if rows.len() < CHUNK {
            state.merge = None;
        }
        if rows.is_empty() && !state.header {
            return Ok(None);
        }
        let bytes = encode(format, rows, state.header)?;
        state.header = false;
        Ok(Some((bytes, state)))
    });
    Ok((format, body))
}
