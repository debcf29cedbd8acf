//! Reads of cooperatives and unions: one record, filtered and searched pages.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::{Deserialize, Serialize};

use super::input::{ListQuery, SortKey, DEFAULT_LIMIT};
use super::views::OrganizationRow;
use crate::db::{Backend, Conn};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::http::{decode_cursor, Page};
use crate::reference::{self, District, Province, Sector};
use crate::schema::{districts, organizations, provinces, sectors};
use crate::text::{self, fold};
use crate::{keyset, on_backend};

use super::model::Organization;

/// The organizations joined with the reference rows of their views.
macro_rules! organization_rows {
    () => {
        organizations::table
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

/// Relevance tiers of a search, best first; within a tier, name order.
const TIERS: u8 = 3;

fn sort_value(o: &Organization, sort: SortKey) -> String {
    match sort {
        SortKey::Name | SortKey::NameDesc | SortKey::Relevance => fold(&o.name),
        SortKey::RegistrationDate | SortKey::RegistrationDateDesc => o.registration_date.to_string(),
        SortKey::RegistrationNumber | SortKey::RegistrationNumberDesc => o.registration_number.clone(),
    }
}

pub fn list(conn: &mut Conn, kind: OrgKind, filter: &ListQuery) -> Result<Page<OrganizationRow>, ApiError> {
    // A search ranks its best matches first unless another order is asked for.
    let typed = filter.q.as_deref().map(fold).filter(|q| !q.is_empty());
    let sort = match (filter.sort, &typed) {
        (Some(SortKey::Relevance), None) => SortKey::Name,
        (Some(sort), _) => sort,
        (None, Some(_)) => SortKey::Relevance,
        (None, None) => SortKey::Name,
    };
    let after: Option<Cursor> = filter.cursor.as_deref().map(decode_cursor).transpose()?;
    if after.as_ref().is_some_and(|c| c.sort != sort) {
        return Err(ApiError::bad_request("cursor", "was issued for another sort order"));
    }
    let after_date = match (&after, sort) {
        (Some(c), SortKey::RegistrationDate | SortKey::RegistrationDateDesc) => Some((
            c.value
                .parse::<NaiveDate>()
                .map_err(|_| ApiError::bad_request("cursor", "is not a cursor this API issued"))?,
            c.id,
        )),
        _ => None,
    };
    let after_text = after.as_ref().map(|c| (c.value.clone(), c.id));

    let provinces_in = match filter.province {
        Some(p) => Some(reference::province_and_predecessors(conn, p)?),
        None => None,
    };
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

    let first_tier = after.as_ref().and_then(|c| c.tier).unwrap_or(0).min(TIERS - 1);
    let typed = typed.unwrap_or_default();
    // Tier 0: the name starts with what was typed ("htx nong nghiep nhu" finds "HTX Nông
    // nghiệp Như Hoa" first), a range of the name index; tier 1: a word of the name
    // starts the phrase typed; tier 2: every other match (all words somewhere).
    let (prefix_end, phrase) = (format!("{typed}\u{10FFFF}"), format!("% {}%", text::like_escape(&typed)));

    let rows: Vec<(u8, OrganizationRow)> = on_backend!(conn, c => {
        // `searched`: with the search's own filters; a name that starts with what was
        // typed holds every word of it, so the first tier needs only the name index.
        let base = |searched: bool| {
            let mut query = organization_rows!()
                .filter(organizations::kind.eq(kind.as_str()))
                .into_boxed();
            if let Some(ids) = &provinces_in {
                query = query.filter(organizations::province_id.eq_any(ids.clone()));
            }
            if let Some(d) = filter.district {
                query = query.filter(organizations::district_id.eq(d));
            }
            if let Some(s) = sector_id {
                query = query.filter(organizations::sector_id.eq(s));
            }
            if let Some(g) = filter.sector_group {
                query = query.filter(sectors::sector_group.eq(g.as_str()));
            }
            if let Some(s) = filter.status {
                query = query.filter(organizations::status.eq(s.as_str()));
            }
            if let Some(d) = filter.registered_from {
                query = query.filter(organizations::registration_date.ge(d));
            }
            if let Some(d) = filter.registered_to {
                query = query.filter(organizations::registration_date.le(d));
            }
            for pattern in search.like.iter().filter(|_| searched) {
                query = query.filter(organizations::search_text.like(pattern.clone()).escape('\\'));
            }
            if let Some(terms) = search.fts.as_ref().filter(|_| searched) {
                query = query.filter(
                    sql::<Bool>("organizations.id IN (SELECT rowid FROM organizations_search WHERE organizations_search MATCH ")
                        .bind::<Text, _>(terms.clone())
                        .sql(")"),
                );
            }
            query
        };
        if sort == SortKey::Relevance {
            let name = organizations::name_key;
            let mut rows = Vec::new();
            for tier in first_tier..TIERS {
                let mut query = base(tier > 0);
                let starts = name.ge(typed.clone()).and(name.lt(prefix_end.clone()));
                let not_starts = name.lt(typed.clone()).or(name.ge(prefix_end.clone()));
                let has_phrase = name.like(phrase.clone()).escape('\\');
                query = match tier {
                    0 => query.filter(starts),
                    1 => query.filter(not_starts).filter(has_phrase),
                    _ => query.filter(not_starts).filter(diesel::dsl::not(has_phrase)),
                };
                let after = after_text.clone().filter(|_| tier == first_tier);
                let query = keyset!(query, organizations::name_key, organizations::id, after, asc);
                let found: Vec<OrganizationRow> = query.limit(limit + 1 - rows.len() as i64).load(c)?;
                rows.extend(found.into_iter().map(|row| (tier, row)));
                if rows.len() as i64 > limit {
                    break;
                }
            }
            rows
        } else {
            let mut query = base(true);
            let query = match sort {
                SortKey::Name | SortKey::Relevance => keyset!(query, organizations::name_key, organizations::id, after_text.clone(), asc),
                SortKey::NameDesc => keyset!(query, organizations::name_key, organizations::id, after_text.clone(), desc),
                SortKey::RegistrationNumber => keyset!(query, organizations::registration_number, organizations::id, after_text.clone(), asc),
                SortKey::RegistrationNumberDesc => keyset!(query, organizations::registration_number, organizations::id, after_text.clone(), desc),
                SortKey::RegistrationDate => keyset!(query, organizations::registration_date, organizations::id, after_date, asc),
                SortKey::RegistrationDateDesc => keyset!(query, organizations::registration_date, organizations::id, after_date, desc),
            };
            query.limit(limit + 1).load::<OrganizationRow>(c)?.into_iter().map(|row| (0, row)).collect()
        }
    });

    let relevance = sort == SortKey::Relevance;
    let page = Page::from_rows(rows, limit, |(tier, (o, ..))| Cursor {
        sort,
        value: sort_value(o, sort),
        id: o.id,
        tier: relevance.then_some(*tier),
    });
    Ok(Page { items: page.items.into_iter().map(|(_, row)| row).collect(), next_cursor: page.next_cursor })
}
