//! Changes to cooperative groups with their audit entries, for the direct routes and
//! approved submissions alike.

use super::input::{GroupPatch, GroupStatusChange, NewGroup};
use super::store;
use crate::audit::{self, Object};
use crate::auth::Actor;
use crate::db::Conn;
use crate::error::ApiError;
use crate::http::Precondition;

pub fn register(conn: &mut Conn, actor: &Actor, input: NewGroup) -> Result<i64, ApiError> {
    let id = store::create(conn, input)?;
    audit::created(conn, actor, "group.register", Object::Group(id))?;
    Ok(id)
}

pub fn update(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    patch: GroupPatch,
    expected: &Precondition,
) -> Result<(), ApiError> {
    audit::change(conn, actor, "group.update", Object::Group(id), |c| store::update(c, id, patch, expected))
}

pub fn change_status(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    change: GroupStatusChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    audit::change(conn, actor, "group.change_status", Object::Group(id), |c| {
        store::change_status(c, id, change, expected)
    })
}
