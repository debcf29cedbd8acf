//! The audit trail: every change to the register, to submissions and to tokens writes
//! an entry in the same transaction — when, which token (id and role, never the secret),
//! what action, which object, and the fields before and after. Entries are append-only
//! (the database refuses updates and deletes of them).

pub mod routes;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::db::rows::{self, Value as Bound};
use crate::db::Conn;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::organizations::store::now;
use crate::reference::views::{DistrictView, ProvinceView, SectorView};
use crate::schema::audit_entries;

/// What an entry is about.
#[derive(Debug, Clone, Copy)]
pub enum Object {
    Organization(OrgKind, i64),
    Group(i64),
    Membership(i64),
    Submission(i64),
    Token(i64),
    PlanTarget(i64),
    Province(i64),
    District(i64),
    Sector(i64),
}

impl Object {
    pub fn type_name(self) -> &'static str {
        match self {
            Object::Organization(kind, _) => kind.as_str(),
            Object::Group(_) => "group",
            Object::Membership(_) => "membership",
            Object::Submission(_) => "submission",
            Object::Token(_) => "token",
            Object::PlanTarget(_) => "plan_target",
            Object::Province(_) => "province",
            Object::District(_) => "district",
            Object::Sector(_) => "sector",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Object::Organization(_, id)
            | Object::Group(id)
            | Object::Membership(id)
            | Object::Submission(id)
            | Object::Token(id)
            | Object::PlanTarget(id)
            | Object::Province(id)
            | Object::District(id)
            | Object::Sector(id) => id,
        }
    }

    /// The object as the API shows it, or `None` when it does not exist (yet).
    fn snapshot(self, conn: &mut Conn) -> Result<Option<Value>, ApiError> {
        let found = match self {
            Object::Organization(kind, id) => json(
                crate::organizations::queries::find(conn, kind, id)
                    .map(crate::organizations::views::OrganizationView::from),
            ),
            Object::Group(id) => {
                json(crate::groups::store::find(conn, id).map(crate::groups::views::GroupView::from))
            }
            Object::Membership(id) => json(crate::unions::memberships::find(conn, id)),
            Object::Submission(id) => {
                json(crate::submissions::store::find(conn, id).map(crate::submissions::SubmissionView::from))
            }
            Object::Token(id) => {
                json(crate::auth::tokens::find(conn, id).map(crate::auth::tokens::TokenView::from))
            }
            Object::PlanTarget(id) => {
                json(crate::stats::plans::find(conn, id).map(crate::stats::views::PlanTargetView::from))
            }
            Object::Province(id) => json(crate::reference::find_province(conn, id).map(ProvinceView::from)),
            Object::District(id) => json(crate::reference::find_district(conn, id).map(DistrictView::from)),
            Object::Sector(id) => json(crate::reference::find_sector(conn, id).map(SectorView::from)),
        };
        match found {
            Ok(value) => Ok(Some(value)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn json<T: Serialize>(found: Result<T, ApiError>) -> Result<Value, ApiError> {
    found.and_then(|v| serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string())))
}

/// Fields every write touches; the entry's own time says when.
const NOISE: &[&str] = &["updated_at"];

/// The fields that differ, as (before, after) objects; a side that does not exist is
/// `None`, and a created or vanished object is shown whole.
fn difference(before: Option<Value>, after: Option<Value>) -> (Option<Value>, Option<Value>) {
    match (before, after) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            let mut was = Map::new();
            let mut is = Map::new();
            for (field, value) in &new {
                if NOISE.contains(&field.as_str()) || old.get(field) == Some(value) {
                    continue;
                }
                was.insert(field.clone(), old.get(field).cloned().unwrap_or(Value::Null));
                is.insert(field.clone(), value.clone());
            }
            (Some(Value::Object(was)), Some(Value::Object(is)))
        }
        other => other,
    }
}

/// An entry to write.
struct NewEntry<'a> {
    at: NaiveDateTime,
    actor_id: Option<i64>,
    actor_role: &'static str,
    action: &'a str,
    object_type: &'static str,
    object_id: i64,
    before: Option<String>,
    after: Option<String>,
    request_id: Option<&'a str>,
}

impl<'a> NewEntry<'a> {
    fn new(
        actor: &'a Actor,
        action: &'a str,
        object: Object,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Self {
        NewEntry {
            at: now(),
            actor_id: actor.token_id,
            actor_role: actor.role_label(),
            action,
            object_type: object.type_name(),
            object_id: object.id(),
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
            request_id: actor.request_id.as_deref(),
        }
    }
}

/// Writes entries with multi-row inserts.
fn write_all(conn: &mut Conn, entries: &[NewEntry]) -> Result<(), ApiError> {
    let values: Vec<[Bound; 9]> = entries
        .iter()
        .map(|e| {
            [
                Bound::timestamp(e.at),
                Bound::NullableInt(e.actor_id),
                Bound::Text(e.actor_role),
                Bound::Text(e.action),
                Bound::Text(e.object_type),
                Bound::Int(e.object_id),
                Bound::NullableText(e.before.as_deref()),
                Bound::NullableText(e.after.as_deref()),
                Bound::NullableText(e.request_id),
            ]
        })
        .collect();
    let head = "INSERT INTO audit_entries \
                (at, actor_id, actor_role, action, object_type, object_id, before, after, request_id)";
    rows::insert(conn, head, "", &values)?;
    Ok(())
}

/// Writes one entry.
fn write(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    object: Object,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), ApiError> {
    write_all(conn, &[NewEntry::new(actor, action, object, before, after)])
}

/// Entries made, not yet written: see [`creations`].
pub struct Entries<'a>(Vec<NewEntry<'a>>);

/// Entries saying that each object was just created, shown whole as the caller gives it:
/// the view of the values it wrote, where [`created`] would read each object back. They
/// need no connection, so a bulk write can make them while its connection does other work.
pub fn creations<'a, T: Serialize>(
    actor: &'a Actor,
    action: &'a str,
    objects: impl IntoIterator<Item = (Object, T)>,
) -> Result<Entries<'a>, ApiError> {
    // Straight to text: through a `Value` took twice as long, for the same JSON object.
    objects
        .into_iter()
        .map(|(object, view)| {
            let after = serde_json::to_string(&view).map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(NewEntry { after: Some(after), ..NewEntry::new(actor, action, object, None, None) })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map(Entries)
}

/// Writes entries [`creations`] made.
pub fn write_entries(conn: &mut Conn, entries: &Entries) -> Result<(), ApiError> {
    write_all(conn, &entries.0)
}

/// Records that each object was just created: [`creations`], written.
pub fn created_all<T: Serialize>(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    objects: impl IntoIterator<Item = (Object, T)>,
) -> Result<(), ApiError> {
    write_entries(conn, &creations(actor, action, objects)?)
}

/// Records that `object` was just created (it is shown whole).
pub fn created(conn: &mut Conn, actor: &Actor, action: &str, object: Object) -> Result<(), ApiError> {
    let after = object.snapshot(conn)?;
    write(conn, actor, action, object, None, after)
}

/// Runs `change` on `object` and records the fields it changed.
pub fn change<T>(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    object: Object,
    change: impl FnOnce(&mut Conn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    change_noting(conn, actor, action, object, change, |_| None)
}

/// [`change`], adding to the entry's `after` what `note` says of the result (say, the
/// history entry a change added) under `note`'s key.
pub fn change_noting<T>(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    object: Object,
    change: impl FnOnce(&mut Conn) -> Result<T, ApiError>,
    note: impl FnOnce(&T) -> Option<(&'static str, Value)>,
) -> Result<T, ApiError> {
    let before = object.snapshot(conn)?;
    let result = change(conn)?;
    let (before, mut after) = difference(before, object.snapshot(conn)?);
    if let (Some((key, value)), Some(Value::Object(fields))) = (note(&result), after.as_mut()) {
        fields.insert(key.to_owned(), value);
    }
    // The trail records changes: a request that changed nothing leaves no entry.
    let unchanged =
        |side: &Option<Value>| side.as_ref().and_then(Value::as_object).is_some_and(Map::is_empty);
    if !(unchanged(&before) && unchanged(&after)) {
        write(conn, actor, action, object, before, after)?;
    }
    Ok(result)
}

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = audit_entries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: i64,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
}

/// One change, as the audit trail shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The token that made the change; absent for the command line.
    pub actor_id: Option<i64>,
    /// The token's role, or `cli`.
    #[schema(example = "reviewer")]
    pub actor_role: String,
    /// What was done, e.g. `cooperative.update` or `submission.approve`.
    #[schema(example = "cooperative.update")]
    pub action: String,
    /// `cooperative`, `union`, `group`, `membership`, `submission`, `token`, `plan_target`,
    /// `province`, `district` or `sector`.
    pub object_type: String,
    pub object_id: i64,
    /// The changed fields before the change; absent for a creation.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The changed fields after the change (the whole object for a creation).
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> AuditEntryView {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        AuditEntryView {
            id: e.id,
            at: e.at.and_utc(),
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            before: parse(e.before),
            after: parse(e.after),
            request_id: e.request_id,
        }
    }
}
