//! Submissions: a district steering committee proposes a registration, an amendment or
//! a dissolution; the provincial office approves (which applies it to the register in
//! the same transaction) or rejects it; the district may withdraw it while pending.

pub mod payload;
pub mod routes;
pub mod store;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::text_enum;
use crate::schema::submissions;

text_enum! {
    /// What a submission asks for.
    SubmissionKind { Registration => "registration", Amendment => "amendment", Dissolution => "dissolution" }
}

text_enum! {
    /// Which kind of record a submission is about.
    Unit { Cooperative => "cooperative", Union => "union", Group => "group" }
}

text_enum! {
    /// Where a submission stands; every state but `pending` is final.
    SubmissionStatus { Pending => "pending", Approved => "approved", Rejected => "rejected", Withdrawn => "withdrawn" }
}

impl Unit {
    /// The organization kind of a cooperative or union; `None` for a group.
    fn organization_kind(self) -> Option<crate::domain::OrgKind> {
        match self {
            Unit::Cooperative => Some(crate::domain::OrgKind::Cooperative),
            Unit::Union => Some(crate::domain::OrgKind::Union),
            Unit::Group => None,
        }
    }

    /// The API path of a record of this kind.
    pub fn record_path(self, id: i64) -> String {
        match self {
            Unit::Cooperative => format!("/api/v1/cooperatives/{id}"),
            Unit::Union => format!("/api/v1/unions/{id}"),
            Unit::Group => format!("/api/v1/cooperative-groups/{id}"),
        }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = submissions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Submission {
    pub id: i64,
    pub kind: String,
    pub unit: String,
    pub target_id: Option<i64>,
    pub district_id: i64,
    pub payload: String,
    pub status: String,
    pub submitted_by: i64,
    pub submitted_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
    pub version: i32,
}

impl Submission {
    pub fn etag(&self) -> String {
        crate::http::etag("submission", self.id, self.version)
    }
}

/// A submission as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: i64,
    pub kind: SubmissionKind,
    pub unit: Unit,
    /// The record amended or dissolved; for an approved registration, the record created.
    pub target_id: Option<i64>,
    /// API path of that record.
    pub target: Option<String>,
    /// The district the submission is for.
    pub district_id: i64,
    /// The change asked for, as submitted.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub status: SubmissionStatus,
    /// Token that submitted it.
    pub submitted_by: i64,
    pub submitted_at: DateTime<Utc>,
    /// Token that approved, rejected or withdrew it.
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub version: i32,
}

impl From<Submission> for SubmissionView {
    fn from(s: Submission) -> SubmissionView {
        let unit = Unit::from_db(&s.unit);
        SubmissionView {
            id: s.id,
            kind: SubmissionKind::from_db(&s.kind),
            unit,
            target_id: s.target_id,
            target: s.target_id.map(|id| unit.record_path(id)),
            district_id: s.district_id,
            payload: serde_json::from_str(&s.payload).unwrap_or(Value::Null),
            status: SubmissionStatus::from_db(&s.status),
            submitted_by: s.submitted_by,
            submitted_at: s.submitted_at.and_utc(),
            decided_by: s.decided_by,
            decided_at: s.decided_at.map(|d| d.and_utc()),
            reason: s.reason,
            version: s.version,
        }
    }
}
