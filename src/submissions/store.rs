//! Submissions in the database: filing (checked by a dry run of the change), reading,
//! and deciding once.

use chrono::{Datelike, NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::payload::{self, Change};
use super::{Submission, SubmissionKind, SubmissionStatus, SubmissionView, Unit};
use crate::audit::{self, Object};
use crate::auth::{Actor, Role};
use crate::db::{dry_run, Conn};
use crate::error::ApiError;
use crate::http::{decode_cursor, Page, Precondition};
use crate::on_backend;
use crate::organizations::store::now;
use crate::schema::{provinces, submissions};

/// The list its cursors name (see [`crate::http::encode_cursor`]).
const LIST: &str = "submissions";

/// A submission to file.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    pub kind: SubmissionKind,
    pub unit: Unit,
    /// The record to amend or dissolve; absent for a registration.
    pub target_id: Option<i64>,
    /// The change, as the direct write takes it: for a registration of a cooperative or
    /// union, a `NewOrganization` without `registration_number` (issued on approval); of
    /// a group, a `NewGroup`; an amendment, an `OrganizationAmendment` or
    /// `GroupAmendment`; a dissolution, a `Dissolution`.
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// Filters and pagination of the submissions list (newest first).
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubmissionsQuery {
    pub status: Option<SubmissionStatus>,
    /// District id (a district token sees its own district only).
    pub district: Option<i64>,
    pub kind: Option<SubmissionKind>,
    pub unit: Option<Unit>,
    /// Submitted on or after this day (UTC).
    pub submitted_from: Option<NaiveDate>,
    /// Submitted on or before this day (UTC).
    pub submitted_to: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200, message = "must be between 1 and 200"))]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

pub fn find(conn: &mut Conn, id: i64) -> Result<Submission, ApiError> {
    on_backend!(conn, c => submissions::table.find(id).select(Submission::as_select()).first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("submission {id}")))
}

/// A submission the actor may see: a district committee only its own district's.
pub fn find_visible(conn: &mut Conn, actor: &Actor, id: i64) -> Result<Submission, ApiError> {
    let submission = find(conn, id)?;
    actor.speaks_for(Some(submission.district_id))?;
    Ok(submission)
}

/// A registration number nobody holds, for the dry run of a registration.
fn provisional_number() -> Result<String, ApiError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("PENDING.{}", crate::text::hex(&bytes)))
}

/// Files a submission for the actor's district, after checking that the change would
/// be accepted right now (a dry run of it, rolled back).
pub fn file(conn: &mut Conn, actor: &Actor, input: NewSubmission) -> Result<i64, ApiError> {
    let change =
        payload::parse(input.kind, input.unit, input.target_id, &input.payload, &provisional_number()?)?;
    let district = payload::district(conn, &change)?;
    let Some(district_id) = district else {
        return Err(ApiError::invalid(
            "payload.district_id",
            "a submission is filed for a district: name it",
        ));
    };
    actor.speaks_for(Some(district_id))?;
    // The register's own checks name fields of the payload.
    dry_run(conn, |c| payload::apply(c, actor, change)).map_err(payload::in_payload)?;
    let submitted_by =
        actor.token_id.ok_or_else(|| ApiError::Internal("a submission without a token".into()))?;
    let row = (
        submissions::kind.eq(input.kind.as_str()),
        submissions::unit.eq(input.unit.as_str()),
        submissions::target_id.eq(input.target_id),
        submissions::district_id.eq(district_id),
        submissions::payload.eq(input.payload.to_string()),
        submissions::status.eq(SubmissionStatus::Pending.as_str()),
        submissions::submitted_by.eq(submitted_by),
        submissions::submitted_at.eq(now()),
        submissions::version.eq(1),
    );
    let id: i64 = on_backend!(conn, c => diesel::insert_into(submissions::table)
        .values(row)
        .returning(submissions::id)
        .get_result(c))?;
    audit::created(conn, actor, "submission.file", Object::Submission(id))?;
    Ok(id)
}

pub fn list(
    conn: &mut Conn,
    actor: &Actor,
    query: &SubmissionsQuery,
) -> Result<Page<SubmissionView>, ApiError> {
    let district = match (actor.role, actor.district_id, query.district) {
        (Some(Role::District), Some(own), Some(asked)) if asked != own => {
            return Err(ApiError::Forbidden(format!(
                "this token sees the submissions of district {own} only"
            )));
        }
        (Some(Role::District), Some(own), _) => Some(own),
        (_, _, asked) => asked,
    };
    crate::domain::forward_range("submitted_from", query.submitted_from, "submitted_to", query.submitted_to)?;
    let after: Option<i64> = query.cursor.as_deref().map(|c| decode_cursor(LIST, c)).transpose()?;
    let limit = query.limit.unwrap_or(50);
    let rows: Vec<Submission> = on_backend!(conn, c => {
        let mut q = submissions::table.select(Submission::as_select()).into_boxed();
        if let Some(d) = district {
            q = q.filter(submissions::district_id.eq(d));
        }
        if let Some(s) = query.status {
            q = q.filter(submissions::status.eq(s.as_str()));
        }
        if let Some(k) = query.kind {
            q = q.filter(submissions::kind.eq(k.as_str()));
        }
        if let Some(u) = query.unit {
            q = q.filter(submissions::unit.eq(u.as_str()));
        }
        if let Some(from) = query.submitted_from {
            q = q.filter(submissions::submitted_at.ge(from.and_time(NaiveTime::MIN)));
        }
        if let Some(to) = query.submitted_to {
            q = q.filter(submissions::submitted_at.le(crate::domain::end_of_day(to)));
        }
        if let Some(after) = after {
            q = q.filter(submissions::id.lt(after));
        }
        q.order(submissions::id.desc()).limit(limit + 1).load(c)?
    });
    let rows = rows.into_iter().map(SubmissionView::from).collect();
    Ok(Page::from_rows(rows, limit, LIST, |s: &SubmissionView| s.id))
}

/// How a pending submission ends.
pub enum Decision {
    /// Apply it; a registration of a cooperative or union gets this number, or one issued
    /// from the province code, the year and the submission id.
    Approve {
        registration_number: Option<String>,
    },
    Reject {
        reason: String,
    },
    Withdraw,
}

/// Marks the submission decided if it is still pending at the version read: of ten
/// concurrent deciders exactly one gets here, the others find it decided.
fn claim(
    conn: &mut Conn,
    current: &Submission,
    actor: &Actor,
    status: SubmissionStatus,
    reason: Option<String>,
) -> Result<(), ApiError> {
    let target = submissions::table
        .filter(submissions::id.eq(current.id))
        .filter(submissions::status.eq(SubmissionStatus::Pending.as_str()))
        .filter(submissions::version.eq(current.version));
    let changes = (
        submissions::status.eq(status.as_str()),
        submissions::decided_by.eq(actor.token_id),
        submissions::decided_at.eq(now()),
        submissions::reason.eq(reason),
        submissions::version.eq(current.version + 1),
    );
    let updated = on_backend!(conn, c => diesel::update(target).set(changes).execute(c))?;
    if updated == 1 {
        Ok(())
    } else {
        Err(ApiError::conflict("status", format!("submission {} was decided meanwhile", current.id)))
    }
}

/// The number an approved registration gets unless the reviewer gives one.
fn issued_number(conn: &mut Conn, submission: &Submission, payload: &Value) -> Result<String, ApiError> {
    let province = payload.get("province_id").and_then(Value::as_i64).unwrap_or_default();
    let code = provinces::table.find(province).select(provinces::code);
    let code: String = on_backend!(conn, c => code.first(c).optional())?.unwrap_or_else(|| "00".into());
    Ok(format!("{code}.{}.{:06}", crate::domain::today().year(), submission.id))
}

/// Approves, rejects or withdraws a pending submission; an approval applies the change
/// in the same transaction.
pub fn decide(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    decision: Decision,
    expected: &Precondition,
) -> Result<Submission, ApiError> {
    let current = find(conn, id)?;
    if matches!(decision, Decision::Withdraw) {
        actor.speaks_for(Some(current.district_id))?;
    }
    expected.check(&current.etag())?;
    if current.status != SubmissionStatus::Pending.as_str() {
        return Err(ApiError::conflict("status", format!("submission {id} is {} already", current.status)));
    }
    let verb = match &decision {
        Decision::Approve { .. } => "approve",
        Decision::Reject { .. } => "reject",
        Decision::Withdraw => "withdraw",
    };
    audit::change(conn, actor, &format!("submission.{verb}"), Object::Submission(id), |conn| {
        match decision {
            Decision::Approve { registration_number } => {
                if registration_number.is_some() && current.kind != SubmissionKind::Registration.as_str() {
                    return Err(ApiError::invalid(
                        "registration_number",
                        "only goes with the approval of a registration",
                    ));
                }
                claim(conn, &current, actor, SubmissionStatus::Approved, None)?;
                let payload: Value =
                    serde_json::from_str(&current.payload).map_err(|e| ApiError::Internal(e.to_string()))?;
                let number = match registration_number {
                    Some(number) => number,
                    None => issued_number(conn, &current, &payload)?,
                };
                let kind = SubmissionKind::from_db(&current.kind);
                let unit = Unit::from_db(&current.unit);
                let change: Change = payload::parse(kind, unit, current.target_id, &payload, &number)?;
                let target = payload::apply(conn, actor, change)?;
                let set_target =
                    diesel::update(submissions::table.find(id)).set(submissions::target_id.eq(target));
                on_backend!(conn, c => set_target.execute(c))?;
            }
            Decision::Reject { reason } => {
                claim(conn, &current, actor, SubmissionStatus::Rejected, Some(reason))?
            }
            Decision::Withdraw => claim(conn, &current, actor, SubmissionStatus::Withdrawn, None)?,
        }
        find(conn, id)
    })
}
