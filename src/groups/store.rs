//! Reads and writes of cooperative groups.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::input::{GroupListQuery, GroupPatch, GroupSort, GroupStatusChange, NewGroup};
use super::model::{Group, GroupChanges, NewGroupRow};
use super::views::GroupRow;
use crate::db::sql::{Bounded, Sql};
use crate::db::{Backend, Conn};
use crate::domain::Status;
use crate::error::ApiError;
use crate::http::{decode_cursor, encode_cursor, etag, Page, Precondition};
use crate::organizations::input::DEFAULT_LIMIT;
use crate::organizations::store::now;
use crate::reference::{self, District, Province, Sector};
use crate::schema::{cooperative_groups, districts, provinces, sectors};
use crate::stats::ledger;
use crate::text::{self, clean, clean_optional, fold};
use crate::{keyset, on_backend};

/// The list its cursors name (see [`crate::http::encode_cursor`]).
const LIST: &str = "cooperative groups";

macro_rules! group_rows {
    () => {
        cooperative_groups::table
            .inner_join(sectors::table)
            .inner_join(provinces::table)
            .left_join(districts::table)
            .select((
                Group::as_select(),
                Sector::as_select(),
                Province::as_select(),
                Option::<District>::as_select(),
            ))
    };
}

pub fn find(conn: &mut Conn, id: i64) -> Result<GroupRow, ApiError> {
    on_backend!(conn, c => group_rows!().filter(cooperative_groups::id.eq(id)).first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("cooperative group {id}")))
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sort: GroupSort,
    value: String,
    id: i64,
}

pub fn list(conn: &mut Conn, filter: &GroupListQuery) -> Result<Page<GroupRow>, ApiError> {
    let sort = filter.sort.unwrap_or_default();
    let after: Option<Cursor> = filter.cursor.as_deref().map(|c| decode_cursor(LIST, c)).transpose()?;
    if after.as_ref().is_some_and(|c| c.sort != sort) {
        return Err(ApiError::bad_request("cursor", "was issued for another sort order"));
    }
    let after_text = after.as_ref().map(|c| (c.value.clone(), c.id));
    let after_date = match &after {
        Some(c) if matches!(sort, GroupSort::FoundingDate | GroupSort::FoundingDateDesc) => Some((
            c.value
                .parse::<NaiveDate>()
                .map_err(|_| ApiError::bad_request("cursor", "is not a cursor this API issued"))?,
            c.id,
        )),
        _ => None,
    };
    crate::domain::forward_range("founded_from", filter.founded_from, "founded_to", filter.founded_to)?;
    let provinces_in = filter.province.map(|p| reference::province_and_predecessors(conn, p)).transpose()?;
    if let Some(d) = filter.district {
        reference::require_district(conn, d, "district")?;
    }
    let sector_id = match &filter.sector {
        Some(code) => Some(
            reference::sector_by_code(conn, code, "sector")
                .map_err(|_| ApiError::bad_request("sector", format!("unknown sector code '{code}'")))?
                .id,
        ),
        None => None,
    };
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    let search = text::search(filter.q.as_deref().unwrap_or(""), conn.backend() == Backend::Sqlite);
    // PostgreSQL: the search's patterns decide the plan (see `Bounded::planned_per_run_if`).
    let replan = conn.backend() == Backend::Postgres && !search.like.is_empty();

    let mut rows: Vec<GroupRow> = on_backend!(conn, c => {
        let mut query = group_rows!().into_boxed();
        if let Some(ids) = &provinces_in {
            query = query.filter(Sql::new("cooperative_groups.province_id IN (").ints(ids).text(")"));
        }
        if let Some(d) = filter.district {
            query = query.filter(cooperative_groups::district_id.eq(d));
        }
        if let Some(s) = sector_id {
            query = query.filter(cooperative_groups::sector_id.eq(s));
        }
        if let Some(g) = filter.sector_group {
            query = query.filter(sectors::sector_group.eq(g.as_str()));
        }
        if let Some(s) = filter.status {
            query = query.filter(cooperative_groups::status.eq(s.as_str()));
        }
        if let Some(d) = filter.founded_from {
            query = query.filter(cooperative_groups::founding_date.ge(d));
        }
        if let Some(d) = filter.founded_to {
            query = query.filter(cooperative_groups::founding_date.le(d));
        }
        for pattern in &search.like {
            query = query.filter(cooperative_groups::search_text.like(pattern.clone()).escape('\\'));
        }
        if let Some(terms) = &search.fts {
            query = query.filter(text::fts_match("cooperative_groups", terms));
        }
        let query = match sort {
            GroupSort::Name => keyset!(query, cooperative_groups::name_key, cooperative_groups::id, after_text.clone(), asc),
            GroupSort::NameDesc => keyset!(query, cooperative_groups::name_key, cooperative_groups::id, after_text.clone(), desc),
            GroupSort::FoundingDate => keyset!(query, cooperative_groups::founding_date, cooperative_groups::id, after_date, asc),
            GroupSort::FoundingDateDesc => keyset!(query, cooperative_groups::founding_date, cooperative_groups::id, after_date, desc),
        };
        Bounded::planned_per_run_if(query.limit(limit + 1), replan).load(c)
    })?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(g, ..)| {
            let value = match sort {
                GroupSort::Name | GroupSort::NameDesc => fold(&g.name),
                GroupSort::FoundingDate | GroupSort::FoundingDateDesc => g.founding_date.to_string(),
            };
            encode_cursor(LIST, &Cursor { sort, value, id: g.id })
        })
    } else {
        None
    };
    Ok(Page { items: rows, next_cursor })
}

pub fn create(conn: &mut Conn, input: NewGroup) -> Result<i64, ApiError> {
    let sector = reference::sector_by_code(conn, &input.sector, "sector")?;
    reference::check_location(conn, input.province_id, input.district_id, input.founding_date)?;
    let at = now();
    let name = clean(&input.name);
    let row = NewGroupRow {
        name_key: fold(&name),
        search_text: fold(&name),
        name,
        sector_id: sector.id,
        province_id: input.province_id,
        district_id: input.district_id,
        address: clean_optional(input.address),
        representative: clean_optional(input.representative),
        founding_date: input.founding_date,
        member_count: input.member_count,
        status: Status::Active.as_str().into(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    let id: i64 = on_backend!(conn, c => diesel::insert_into(cooperative_groups::table)
        .values(&row)
        .returning(cooperative_groups::id)
        .get_result(c))?;
    let after = ledger::group_life(conn, id)?.contribution();
    ledger::settle(conn, &ledger::Contribution::new(), &after)?;
    Ok(id)
}

/// Runs a change to group `id` and records what it does to the statistics.
fn tracked(
    conn: &mut Conn,
    id: i64,
    change: impl FnOnce(&mut Conn) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let before = ledger::group_life(conn, id)?.contribution();
    change(conn)?;
    let after = ledger::group_life(conn, id)?.contribution();
    ledger::settle(conn, &before, &after)
}

fn find_plain(conn: &mut Conn, id: i64, expected: &Precondition) -> Result<Group, ApiError> {
    let group: Group = on_backend!(conn, c => cooperative_groups::table.find(id).select(Group::as_select()).first(c).optional())?
        .ok_or_else(|| ApiError::NotFound(format!("cooperative group {id}")))?;
    expected.check(&etag(super::routes::ETAG_KIND, group.id, group.version))?;
    Ok(group)
}

fn save(conn: &mut Conn, current: &Group, mut changes: GroupChanges) -> Result<(), ApiError> {
    if changes == GroupChanges::default() {
        // A change that names nothing (`PATCH {}`) leaves the record and its version.
        return Ok(());
    }
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now());
    let target = cooperative_groups::table
        .filter(cooperative_groups::id.eq(current.id))
        .filter(cooperative_groups::version.eq(current.version));
    match on_backend!(conn, c => diesel::update(target).set(&changes).execute(c))? {
        1 => Ok(()),
        _ => Err(ApiError::PreconditionFailed("the record was changed concurrently; read it again".into())),
    }
}

pub fn update(conn: &mut Conn, id: i64, patch: GroupPatch, expected: &Precondition) -> Result<(), ApiError> {
    find_plain(conn, id, &Precondition::None)?;
    tracked(conn, id, |c| update_untracked(c, id, patch, expected))
}

fn update_untracked(
    conn: &mut Conn,
    id: i64,
    patch: GroupPatch,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let current = find_plain(conn, id, expected)?;
    let mut changes = GroupChanges::default();
    if let Some(name) = patch.name {
        let name = clean(&name);
        changes.name_key = Some(fold(&name));
        changes.search_text = Some(fold(&name));
        changes.name = Some(name);
    }
    if let Some(code) = &patch.sector {
        changes.sector_id = Some(reference::sector_by_code(conn, code, "sector")?.id);
    }
    let province_id = patch.province_id.unwrap_or(current.province_id);
    let district_id = match (patch.district_id, patch.province_id) {
        (Some(d), _) => d,
        (None, Some(p)) if p != current.province_id => None,
        (None, _) => current.district_id,
    };
    // Sending back the location the client read moves nothing.
    if (province_id, district_id) != (current.province_id, current.district_id) {
        if current.status == Status::Dissolved.as_str() {
            return Err(ApiError::conflict("status", "a dissolved group cannot move"));
        }
        // groups keep no location history: the new location must be valid today
        reference::check_location(conn, province_id, district_id, crate::domain::today())?;
        changes.province_id = Some(province_id);
        changes.district_id = Some(district_id);
    }
    changes.address = patch.address.map(clean_optional);
    changes.representative = patch.representative.map(clean_optional);
    changes.member_count = patch.member_count;
    save(conn, &current, changes)
}

pub fn change_status(
    conn: &mut Conn,
    id: i64,
    change: GroupStatusChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    find_plain(conn, id, &Precondition::None)?;
    tracked(conn, id, |c| change_status_untracked(c, id, change, expected))
}

fn change_status_untracked(
    conn: &mut Conn,
    id: i64,
    change: GroupStatusChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let current = find_plain(conn, id, expected)?;
    if current.status == Status::Dissolved.as_str() {
        return Err(ApiError::conflict("status", "the cooperative group is dissolved; dissolution is final"));
    }
    let mut changes = GroupChanges { status: Some(change.status.as_str().into()), ..Default::default() };
    match (change.status, change.dissolution_date) {
        (Status::Dissolved, None) => {
            return Err(ApiError::invalid("dissolution_date", "is required to dissolve"))
        }
        (Status::Dissolved, Some(day)) if day < current.founding_date => {
            return Err(ApiError::invalid("dissolution_date", "must not be before the founding date"));
        }
        (Status::Dissolved, Some(day)) => changes.dissolution_date = Some(Some(day)),
        (_, Some(_)) => return Err(ApiError::invalid("dissolution_date", "only goes with status dissolved")),
        (status, None) if status.as_str() == current.status => return Ok(()),
        (_, None) => {}
    }
    save(conn, &current, changes)
}
