//! Streamed export of cooperatives or unions as CSV or newline-delimited JSON. One read
//! transaction on one connection (a consistent snapshot) reads the list chunk by chunk
//! over its keyset and encodes each chunk off the workers; a chunk waits for the client
//! to take the previous ones, so memory stays flat however many rows the filter selects.

use actix_web::web::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::encode::{self, RefJson};
use super::input::{list_query, ListQuery};
use super::queries;
use super::reader::Record;
use crate::db::Db;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::reference::Catalog;

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

list_query! {
    /// The list's filters, search and sort, without paging.
    #[derive(Debug, Deserialize, Validate, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct ExportQuery {
        /// `csv` (default) or `ndjson`.
        #[param(inline)]
        pub format: Option<ExportFormat>,
    }
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

/// Encodes the chunks of one export; the reference rows' JSON is kept across chunks.
struct Encoder {
    format: ExportFormat,
    names: Catalog,
    refs: RefJson,
}

impl Encoder {
    fn encode(&mut self, rows: Vec<(u8, Record)>, header: bool) -> Result<Bytes, ApiError> {
        let per_row = match self.format {
            ExportFormat::Csv => 384,
            ExportFormat::Ndjson => 1024,
        };
        let mut out = Vec::with_capacity(rows.len() * per_row);
        if header && self.format == ExportFormat::Csv {
            encode::csv_header(&mut out);
        }
        for (_, r) in &rows {
            let names = encode::references(&self.names, r)?;
            match self.format {
                ExportFormat::Csv => encode::csv_record(&mut out, r, names),
                ExportFormat::Ndjson => encode::json_record(&mut out, &mut self.refs, r, names),
            }
        }
        Ok(Bytes::from(out))
    }
}

type Chunks = mpsc::Sender<Result<Bytes, ApiError>>;

/// Reads the list in one snapshot and sends it encoded, a chunk at a time, until its end
/// or until the response is dropped (then the transaction ends and the connection goes
/// back to its pool). A failure is sent in place of the next chunk.
fn produce(db: &Db, kind: OrgKind, filter: &ListQuery, format: ExportFormat, chunks: &Chunks) {
    let mut dropped = false;
    let read = db.snapshot_blocking(|c| {
        let mut encoder = Encoder { format, names: Catalog::load(c)?, refs: RefJson::default() };
        let mut merge = queries::open::<Record>(c, kind, filter)?;
        let mut header = true;
        loop {
            let rows = merge.next(c, CHUNK, CHUNK)?;
            let end = rows.len() < CHUNK;
            if header || !rows.is_empty() {
                let bytes = encoder.encode(rows, header)?;
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
