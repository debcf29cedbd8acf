//! Changes to cooperatives and unions as callers make them: each store change together
//! with its audit entry, in the caller's transaction. The direct routes and approved
//! submissions both come through here.

use serde_json::json;

use super::input::{NewCapitalEntry, NewMemberEntry, NewOrganization, OrganizationPatch, StatusChange};
use super::model::{CapitalEntry, MemberEntry};
use super::store;
use super::views::{CapitalEntryView, MemberEntryView};
use crate::audit::{self, Object};
use crate::auth::Actor;
use crate::db::Conn;
use crate::domain::{OrgKind, Status};
use crate::error::ApiError;
use crate::http::Precondition;
use crate::unions::memberships;

fn action(kind: OrgKind, verb: &str) -> String {
    format!("{}.{verb}", kind.as_str())
}

pub fn register(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    input: NewOrganization,
) -> Result<i64, ApiError> {
    let id = store::create(conn, kind, input)?;
    audit::created(conn, actor, &action(kind, "register"), Object::Organization(kind, id))?;
    Ok(id)
}

pub fn update(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    id: i64,
    patch: OrganizationPatch,
    expected: &Precondition,
) -> Result<(), ApiError> {
    audit::change(conn, actor, &action(kind, "update"), Object::Organization(kind, id), |c| {
        store::update(c, kind, id, patch, expected)
    })
}

pub fn change_status(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    id: i64,
    change: StatusChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let dissolved_on = change.dissolution_date.filter(|_| change.status == Status::Dissolved);
    audit::change(conn, actor, &action(kind, "change_status"), Object::Organization(kind, id), |c| {
        store::change_status(c, kind, id, change, expected)
    })?;
    // A dissolved unit leaves its unions (a dissolved union loses its members) that day,
    // each an entry of the audit trail as a leave is.
    if let Some(day) = dissolved_on {
        for membership in memberships::open_of(conn, id)? {
            audit::change(conn, actor, "membership.leave", Object::Membership(membership), |c| {
                memberships::end(c, membership, day)
            })?;
        }
    }
    Ok(())
}

pub fn add_capital(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    id: i64,
    entry: NewCapitalEntry,
    expected: &Precondition,
) -> Result<CapitalEntry, ApiError> {
    audit::change_noting(
        conn,
        actor,
        &action(kind, "add_capital"),
        Object::Organization(kind, id),
        |c| store::add_capital(c, kind, id, entry, expected),
        |row| Some(("capital_entry", json!(CapitalEntryView::from(row.clone())))),
    )
}

pub fn add_members(
    conn: &mut Conn,
    actor: &Actor,
    kind: OrgKind,
    id: i64,
    entry: NewMemberEntry,
    expected: &Precondition,
) -> Result<MemberEntry, ApiError> {
    audit::change_noting(
        conn,
        actor,
        &action(kind, "add_members"),
        Object::Organization(kind, id),
        |c| store::add_members(c, kind, id, entry, expected),
        |row| Some(("member_entry", json!(MemberEntryView::from(row.clone())))),
    )
}
