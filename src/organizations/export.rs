//! Streamed export of cooperatives or unions as CSV or newline-delimited JSON. One read
//! transaction on one connection (a consistent snapshot) reads the list chunk by chunk
//! over its keyset and encodes each chunk off the workers; a chunk waits for the client
//! to take the previous ones, so memory stays flat however many rows the filter selects.

use actix_web::web::Bytes;
use chrono::{Datelike, NaiveDate};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::input::{ListQuery, SortKey};
use super::model::Organization;
use super::queries;
use super::reader::Record;
use super::views::OrganizationView;
use crate::db::Db;
use crate::domain::{OrgKind, SectorGroup, Status};
use crate::error::ApiError;
use crate::reference::{Catalog, District, Province, Sector};

/// Rows read per chunk of the export (and per seek of the list, when one runs dry).
const CHUNK: usize = 1000;
/// Encoded chunks that may wait for the client.
const AHEAD: usize = 2;

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

/// The reference rows a record names, from the names read once per export.
fn references<'a>(
    names: &'a Catalog,
    o: &Organization,
) -> Result<(&'a Sector, &'a Province, Option<&'a District>), ApiError> {
    let missing = |what: &str| ApiError::Internal(format!("export: {} {} names no {what}", o.kind, o.id));
    let sector = names.sectors().iter().find(|s| s.id == o.sector_id).ok_or_else(|| missing("sector"))?;
    let province = names.province(o.province_id).ok_or_else(|| missing("province"))?;
    let district = match o.district_id {
        Some(id) => Some(names.district(id).ok_or_else(|| missing("district"))?),
        None => None,
    };
    Ok((sector, province, district))
}

/// Writes a date as its `Display` does (`2021-11-05`), without a string per field.
fn write_date(w: &mut csv::Writer<Vec<u8>>, date: Option<NaiveDate>) -> csv::Result<()> {
    let Some(d) = date else { return w.write_field("") };
    if !(0..=9999).contains(&d.year()) {
        return w.write_field(d.to_string());
    }
    let mut text = *b"0000-00-00";
    for (at, digits, mut n) in [(0, 4, d.year() as u32), (5, 2, d.month()), (8, 2, d.day())] {
        for i in (at..at + digits).rev() {
            text[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    w.write_field(text)
}

/// Writes one record's fields straight from the row read (the view's values: the kind,
/// status and sector group are stored as the view names them), with no string per field.
fn write_csv_record(
    w: &mut csv::Writer<Vec<u8>>,
    o: &Organization,
    (sector, province, district): (&Sector, &Province, Option<&District>),
) -> csv::Result<()> {
    let mut itoa = itoa::Buffer::new();
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
    write_date(w, Some(o.registration_date))?;
    w.write_field(&o.status)?;
    write_date(w, o.dissolution_date)?;
    w.write_field(itoa.format(o.charter_capital))?;
    w.write_field(itoa.format(o.member_count))?;
    write_date(w, o.alliance_admission_date)?;
    w.write_field(o.alliance_batch.as_deref().unwrap_or(""))?;
    w.write_record(None::<&[u8]>)
}

fn encode(
    format: ExportFormat,
    names: &Catalog,
    rows: Vec<(u8, Record)>,
    header: bool,
) -> Result<Bytes, ApiError> {
    let fail = |e: String| ApiError::Internal(format!("export encoding: {e}"));
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
            if header {
                w.write_record(CSV_HEADER).map_err(|e| fail(e.to_string()))?;
            }
            for (_, (o, _)) in rows {
                write_csv_record(&mut w, &o, references(names, &o)?).map_err(|e| fail(e.to_string()))?;
            }
            Ok(Bytes::from(w.into_inner().map_err(|e| fail(e.to_string()))?))
        }
        ExportFormat::Ndjson => {
            let mut out = Vec::with_capacity(rows.len() * 512);
            for (_, (o, _)) in rows {
                let (sector, province, district) = references(names, &o)?;
                serde_json::to_writer(&mut out, &OrganizationView::new(o, sector, province, district))
                    .map_err(|e| fail(e.to_string()))?;
                out.push(b'\n');
            }
            Ok(Bytes::from(out))
        }
    }
}

type Chunks = mpsc::Sender<Result<Bytes, ApiError>>;

/// Reads the list in one snapshot and sends it encoded, a chunk at a time, until its end
/// or until the response is dropped (then the transaction ends and the connection goes
/// back to its pool). A failure is sent in place of the next chunk.
fn produce(db: &Db, kind: OrgKind, filter: &ListQuery, format: ExportFormat, chunks: &Chunks) {
    let mut dropped = false;
    let read = db.snapshot_blocking(|c| {
        let names = Catalog::load(c)?;
        let mut merge = queries::open::<Record>(c, kind, filter)?;
        let mut header = true;
        loop {
            let rows = merge.next(c, CHUNK, CHUNK)?;
            let end = rows.len() < CHUNK;
            if header || !rows.is_empty() {
                let bytes = encode(format, &names, rows, header)?;
                if chunks.blocking_send(Ok(bytes)).is_err() {
                    dropped = true;
                    return Err(ApiError::Internal("export: the response was dropped".into()));
                }
            }
            header = false;
            if end {
                return Ok(());
            }
        }
    });
    if let Err(e) = read {
        if !dropped {
            crate::metrics::count_db_error(&e);
            let _ = chunks.blocking_send(Err(e));
        }
    }
}

/// Starts reading the list and waits for its first chunk (so a bad filter is a 400
/// before any byte is sent), then streams the rest as the client takes it.
pub async fn export(
    db: Db,
    kind: OrgKind,
    query: ExportQuery,
) -> Result<(ExportFormat, impl Stream<Item = Result<Bytes, ApiError>>), ApiError> {
    let format = query.format.unwrap_or_default();
    let filter = query.into_list();
    let limit = db.query_timeout();
    let (chunks, mut received) = mpsc::channel(AHEAD);
    actix_web::rt::task::spawn_blocking(move || produce(&db, kind, &filter, format, &chunks));
    let first = match limit {
        None => received.recv().await,
        Some(limit) => actix_web::rt::time::timeout(limit, received.recv())
            .await
            .map_err(|_| ApiError::Unavailable("the database did not answer in time".into()))?,
    };
    let first = first.unwrap_or_else(|| Err(ApiError::Internal("export: no first chunk".into())))?;
    let rest = stream::unfold(received, |mut received| async move {
        received.recv().await.map(|chunk| (chunk, received))
    });
    Ok((format, stream::once(async move { Ok(first) }).chain(rest)))
}
