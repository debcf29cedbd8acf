//! Reads of cooperatives and unions: one record, filtered and searched pages.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::input::{ListQuery, SortKey, DEFAULT_LIMIT};
use super::reader::{sort_value, Listed, Merge, Position, Reader};
use super::views::OrganizationRow;
use crate::db::Conn;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::http::{decode_cursor, Page};
use crate::on_backend;
use crate::reference::{District, Province, Sector};
use crate::schema::{
    capital_entries, districts, location_entries, member_entries, organizations, provinces, sectors,
};
use crate::text::fold;

use super::model::{CapitalEntry, LocationEntry, MemberEntry, Organization};

/// The organizations joined with the reference rows of their views.
macro_rules! organization_rows {
    () => {
        organization_rows!(@from organizations::table)
    };
    // With their names' tails.
    (tails) => {
        organization_rows!(@from organizations::table.inner_join(crate::schema::name_tails::table))
    };
    (@from $from:expr) => {
        $from
            .inner_join(sectors::table)
            .inner_join(provinces::table)
            .left_join(districts::table)
            .select((
                Organization::as_select(),
                Sector::as_select(),
                Province::as_select(),
                Option::<District>::as_select(),
            ))
    };
}
pub(super) use organization_rows;

pub fn find(conn: &mut Conn, kind: OrgKind, id: i64) -> Result<OrganizationRow, ApiError> {
    on_backend!(conn, c => organization_rows!()
        .filter(organizations::id.eq(id))
        .filter(organizations::kind.eq(kind.as_str()))
        .first(c)
        .optional())?
    .ok_or_else(|| ApiError::NotFound(format!("{} {id}", kind.noun())))
}

/// The plain row, for writes.
pub fn find_plain(conn: &mut Conn, kind: OrgKind, id: i64) -> Result<Organization, ApiError> {
    on_backend!(conn, c => organizations::table
        .filter(organizations::id.eq(id))
        .filter(organizations::kind.eq(kind.as_str()))
        .select(Organization::as_select())
        .first(c)
        .optional())?
    .ok_or_else(|| ApiError::NotFound(format!("{} {id}", kind.noun())))
}

/// Where a page ended: the sort it was made with, the last sort value and id (and, in
/// relevance order, the tier of the last match).
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sort: SortKey,
    value: String,
    id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tier: Option<u8>,
}

/// The name of the list of `kind` that its cursors carry: "cooperatives" or "unions".
fn list_name(kind: OrgKind) -> String {
    format!("{}s", kind.as_str())
}

/// The list a filter selects, in its order, from the filter's cursor on.
pub fn open<R: Listed>(conn: &mut Conn, kind: OrgKind, filter: &ListQuery) -> Result<Merge<R>, ApiError> {
    // A search ranks its best matches first unless another order is asked for.
    let typed = filter.q.as_deref().map(fold).filter(|q| !q.is_empty());
    let sort = match (filter.sort, &typed) {
        (Some(SortKey::Relevance), None) => SortKey::Name,
        (Some(sort), _) => sort,
        (None, Some(_)) => SortKey::Relevance,
        (None, None) => SortKey::Name,
    };
    let after: Option<Cursor> =
        filter.cursor.as_deref().map(|c| decode_cursor(&list_name(kind), c)).transpose()?;
    if after.as_ref().is_some_and(|c| c.sort != sort) {
        return Err(ApiError::bad_request("cursor", "was issued for another sort order"));
    }
    let position = after.map(|c| Position { tier: c.tier.unwrap_or(0), value: c.value, id: c.id });
    Ok(Reader::new(conn, kind, filter, sort)?.merge(position))
}

/// Whether a search under `filter` reads its second relevance tier from the filter's
/// units, being few, rather than from the phrase's tails (see `Reader::few_units`).
pub fn filter_has_few_units(conn: &mut Conn, kind: OrgKind, filter: &ListQuery) -> Result<bool, ApiError> {
    Reader::new(conn, kind, filter, SortKey::Relevance)?.few_units(conn)
}

pub fn list(conn: &mut Conn, kind: OrgKind, filter: &ListQuery) -> Result<Page<OrganizationRow>, ApiError> {
    let mut merge = open::<OrganizationRow>(conn, kind, filter)?;
    let sort = merge.sort();
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    let rows = merge.next(conn, usize::try_from(limit).unwrap_or(0) + 1, 0)?;
    let relevance = sort == SortKey::Relevance;
    let page = Page::from_rows(rows, limit, &list_name(kind), |(tier, (o, ..))| Cursor {
        sort,
        value: merge.value_in_tier(*tier, sort_value(o, sort)),
        id: o.id,
        tier: relevance.then_some(*tier),
    });
    Ok(Page { items: page.items.into_iter().map(|(_, row)| row).collect(), next_cursor: page.next_cursor })
}

/// The unit's charter capital entries, oldest first.
pub fn capital_history(conn: &mut Conn, kind: OrgKind, id: i64) -> Result<Vec<CapitalEntry>, ApiError> {
    find_plain(conn, kind, id)?;
    let query = capital_entries::table
        .filter(capital_entries::organization_id.eq(id))
        .order(capital_entries::effective_date.asc())
        .select(capital_entries::all_columns);
    Ok(on_backend!(conn, c => query.load(c))?)
}

/// The unit's member count entries, oldest first.
pub fn member_history(conn: &mut Conn, kind: OrgKind, id: i64) -> Result<Vec<MemberEntry>, ApiError> {
    find_plain(conn, kind, id)?;
    let query = member_entries::table
        .filter(member_entries::organization_id.eq(id))
        .order(member_entries::effective_date.asc())
        .select(member_entries::all_columns);
    Ok(on_backend!(conn, c => query.load(c))?)
}

/// The unit's location entries, oldest first.
pub fn location_history(conn: &mut Conn, kind: OrgKind, id: i64) -> Result<Vec<LocationEntry>, ApiError> {
    find_plain(conn, kind, id)?;
    let query = location_entries::table
        .filter(location_entries::organization_id.eq(id))
        .order(location_entries::effective_date.asc())
        .select(location_entries::all_columns);
    Ok(on_backend!(conn, c => query.load(c))?)
}
