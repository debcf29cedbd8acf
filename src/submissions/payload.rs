//! What a submission asks for: its payload read into the very input types the direct
//! routes take (same rules, same messages, fields named under `payload.`), and applied
//! through the same changes.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::{SubmissionKind, Unit};
use crate::auth::Actor;
use crate::db::Conn;
use crate::domain::{self, OrgKind, Status};
use crate::error::{ApiError, FieldError};
use crate::extract::{parse_json, validate};
use crate::groups::input::{GroupPatch, GroupStatusChange, NewGroup};
use crate::http::Precondition;
use crate::organizations::input::{
    NewCapitalEntry, NewMemberEntry, NewOrganization, OrganizationPatch, StatusChange,
};
use crate::organizations::queries::find_plain;
use crate::{groups, organizations};

/// Payload of an amendment to a cooperative or union: any of a change of fields
/// (address, representative, …), a new charter capital figure, a new member count.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationAmendment {
    #[validate(nested)]
    pub changes: Option<OrganizationPatch>,
    #[validate(nested)]
    pub capital: Option<NewCapitalEntry>,
    #[validate(nested)]
    pub members: Option<NewMemberEntry>,
}

/// Payload of an amendment to a cooperative group.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupAmendment {
    #[validate(nested)]
    pub changes: GroupPatch,
}

/// Payload of a dissolution.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dissolution {
    #[validate(custom(function = "domain::register_date"))]
    pub dissolution_date: NaiveDate,
}

/// A submission's change, typed.
pub enum Change {
    RegisterOrganization(OrgKind, NewOrganization),
    RegisterGroup(NewGroup),
    AmendOrganization(OrgKind, i64, OrganizationAmendment),
    AmendGroup(i64, GroupAmendment),
    DissolveOrganization(OrgKind, i64, NaiveDate),
    DissolveGroup(i64, NaiveDate),
}

/// Names the fields of an input error under `payload.`.
pub fn in_payload(e: ApiError) -> ApiError {
    let prefix = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|e| {
                let field =
                    if e.field == "body" { "payload".to_owned() } else { format!("payload.{}", e.field) };
                FieldError { field, ..e }
            })
            .collect()
    };
    match e {
        ApiError::Validation(errors) => ApiError::Validation(prefix(errors)),
        ApiError::BadRequest { errors, .. } => ApiError::Validation(prefix(errors)),
        ApiError::Conflict { detail, errors } => ApiError::Conflict { detail, errors: prefix(errors) },
        other => other,
    }
}

fn read<T: DeserializeOwned + Validate>(payload: &Value) -> Result<T, ApiError> {
    let bytes = serde_json::to_vec(payload).map_err(|e| ApiError::Internal(e.to_string()))?;
    let value: T = parse_json(&bytes).map_err(in_payload)?;
    validate(&value).map_err(in_payload)?;
    Ok(value)
}

/// Reads a payload. A registration of a cooperative or union gets `number` as its
/// registration number: numbers are issued on approval, so a payload may not bring one.
pub fn parse(
    kind: SubmissionKind,
    unit: Unit,
    target_id: Option<i64>,
    payload: &Value,
    number: &str,
) -> Result<Change, ApiError> {
    if !payload.is_object() {
        return Err(ApiError::invalid("payload", "must be a JSON object"));
    }
    let target = || target_id.ok_or_else(|| ApiError::invalid("target_id", "is required for this kind"));
    if kind == SubmissionKind::Registration && target_id.is_some() {
        return Err(ApiError::invalid("target_id", "does not go with a registration"));
    }
    Ok(match (kind, unit.organization_kind()) {
        (SubmissionKind::Registration, Some(org)) => {
            if payload.get("registration_number").is_some() {
                return Err(ApiError::invalid(
                    "payload.registration_number",
                    "is issued when the submission is approved",
                ));
            }
            let mut payload = payload.clone();
            payload["registration_number"] = Value::String(number.to_owned());
            Change::RegisterOrganization(org, read(&payload)?)
        }
        (SubmissionKind::Registration, None) => Change::RegisterGroup(read(payload)?),
        (SubmissionKind::Amendment, Some(org)) => {
            let amendment: OrganizationAmendment = read(payload)?;
            let no_changes = payload
                .get("changes")
                .is_none_or(|c| c.is_null() || c.as_object().is_some_and(Map::is_empty));
            if no_changes && amendment.capital.is_none() && amendment.members.is_none() {
                return Err(ApiError::invalid(
                    "payload",
                    "names no change: give changes, capital or members",
                ));
            }
            Change::AmendOrganization(org, target()?, amendment)
        }
        (SubmissionKind::Amendment, None) => Change::AmendGroup(target()?, read(payload)?),
        (SubmissionKind::Dissolution, Some(org)) => {
            Change::DissolveOrganization(org, target()?, read::<Dissolution>(payload)?.dissolution_date)
        }
        (SubmissionKind::Dissolution, None) => {
            Change::DissolveGroup(target()?, read::<Dissolution>(payload)?.dissolution_date)
        }
    })
}

/// The district a change concerns: the new record's, or the target's current one.
pub fn district(conn: &mut Conn, change: &Change) -> Result<Option<i64>, ApiError> {
    let of_target = |conn: &mut Conn, org: Option<OrgKind>, id: i64| -> Result<Option<i64>, ApiError> {
        match org {
            Some(kind) => Ok(find_plain(conn, kind, id)?.district_id),
            None => Ok(groups::store::find(conn, id)?.0.district_id),
        }
    };
    match change {
        Change::RegisterOrganization(_, input) => Ok(input.district_id),
        Change::RegisterGroup(input) => Ok(input.district_id),
        Change::AmendOrganization(kind, id, _) | Change::DissolveOrganization(kind, id, _) => {
            of_target(conn, Some(*kind), *id)
        }
        Change::AmendGroup(id, _) | Change::DissolveGroup(id, _) => of_target(conn, None, *id),
    }
}

/// Applies a change to the register (with its audit entries); returns the id of the
/// record it created or changed.
pub fn apply(conn: &mut Conn, actor: &Actor, change: Change) -> Result<i64, ApiError> {
    use organizations::changes as org;
    let any = Precondition::None;
    let dissolve = |day| StatusChange { status: Status::Dissolved, dissolution_date: Some(day) };
    match change {
        Change::RegisterOrganization(kind, input) => org::register(conn, actor, kind, input),
        Change::RegisterGroup(input) => groups::changes::register(conn, actor, input),
        Change::AmendOrganization(kind, id, amendment) => {
            if let Some(patch) = amendment.changes {
                org::update(conn, actor, kind, id, patch, &any)?;
            }
            if let Some(entry) = amendment.capital {
                org::add_capital(conn, actor, kind, id, entry, &any)?;
            }
            if let Some(entry) = amendment.members {
                org::add_members(conn, actor, kind, id, entry, &any)?;
            }
            Ok(id)
        }
        Change::AmendGroup(id, amendment) => {
            groups::changes::update(conn, actor, id, amendment.changes, &any)?;
            Ok(id)
        }
        Change::DissolveOrganization(kind, id, day) => {
            org::change_status(conn, actor, kind, id, dissolve(day), &any)?;
            Ok(id)
        }
        Change::DissolveGroup(id, day) => {
            let change = GroupStatusChange { status: Status::Dissolved, dissolution_date: Some(day) };
            groups::changes::change_status(conn, actor, id, change, &any)?;
            Ok(id)
        }
    }
}
