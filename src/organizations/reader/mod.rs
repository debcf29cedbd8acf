//! Reads a filtered, sorted list in order: pages of the list and the export. Each seek
//! of the [`Plan`] is read a chunk at a time after its own position, in the list's order
//! ([`seek`]); [`Merge`] merges them.

use std::cell::OnceCell;

use diesel::prelude::*;

use super::input::{ListQuery, SortKey};
pub use super::merge::{Merge, Position};
use super::model::Organization;
use super::plan::{Filters, Plan};
pub use super::record::Record;
use super::tails;
use crate::db::{Backend, Conn};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::on_backend;
use crate::reference;
use crate::schema::organizations;
use crate::text::{self, fold};

/// Relevance tiers of a search, best first. Tier 0: the name starts with what was typed
/// ("htx nong nghiep nhu" finds "HTX Nông nghiệp Như Hoa" first), a range of the name
/// index, in name order; tier 1: a later word of the name starts the phrase typed, a
/// range of the names' tails (see [`tails`]), in the order of the name from that word
/// on; tier 2: every other match (all words somewhere), in name order.
pub const TIERS: u8 = 3;

/// The most units a filter holds for a search's second tier to read them all and sort
/// them (see [`Reader::few_units`]). Small enough that the demo register's larger
/// filters still walk the tails, so the tests run both plans.
const FEW_UNITS: usize = 500;

/// The sort value of a row as the list orders it (dates in ISO form sort as text).
pub fn sort_value(o: &Organization, sort: SortKey) -> String {
    match sort {
        SortKey::Name | SortKey::NameDesc | SortKey::Relevance => fold(&o.name),
        SortKey::RegistrationDate | SortKey::RegistrationDateDesc => o.registration_date.to_string(),
        SortKey::RegistrationNumber | SortKey::RegistrationNumberDesc => o.registration_number.clone(),
    }
}

/// A list query with its reference data resolved once.
#[derive(Debug)]
pub struct Reader {
    kind: OrgKind,
    sort: SortKey,
    filters: Filters,
    plan: Plan,
    search: text::Search,
    /// SQLite: whether the words' full-text matches are few enough to read the pages
    /// that check them from the matches (see [`Plan::by_text`]); counted when a read
    /// first needs to know.
    few_words: OnceCell<bool>,
    /// Whether the filter holds at most [`FEW_UNITS`] units; counted when a read first
    /// needs to know (see [`Reader::few_units`]).
    few_units: OnceCell<bool>,
    typed: String,
}

/// The organizations of the export (with their names' tails: `tails`).
mod seek;

pub use seek::Listed;

impl Reader {
    /// Resolves the filter's references (a 400 names a bad one); `sort` is the order
    /// the list was asked in, relevance only with a search.
    pub fn new(
        conn: &mut Conn,
        kind: OrgKind,
        filter: &ListQuery,
        sort: SortKey,
    ) -> Result<Reader, ApiError> {
        let filters = Filters {
            provinces: match filter.province {
                Some(p) => Some(reference::province_and_predecessors(conn, p)?),
                None => None,
            },
            district: match filter.district {
                Some(d) => Some(reference::require_district(conn, d, "district").map(|_| d)?),
                None => None,
            },
            sector: match &filter.sector {
                Some(code) => Some(
                    reference::sector_by_code(conn, code, "sector")
                        .map_err(|_| {
                            ApiError::bad_request("sector", format!("unknown sector code '{code}'"))
                        })?
                        .id,
                ),
                None => None,
            },
            sectors: match filter.sector_group {
                Some(g) => Some(reference::sectors_of_group(conn, g)?),
                None => None,
            },
            status: filter.status,
            registered_from: filter.registered_from,
            registered_to: filter.registered_to,
        };
        crate::domain::forward_range(
            "registered_from",
            filter.registered_from,
            "registered_to",
            filter.registered_to,
        )?;
        let sqlite = conn.backend() == Backend::Sqlite;
        let search = text::search(filter.q.as_deref().unwrap_or(""), sqlite);
        let typed = filter.q.as_deref().map(fold).unwrap_or_default();
        Ok(Reader {
            kind,
            sort,
            plan: Plan::new(&filters, sort, sqlite),
            filters,
            search,
            few_words: OnceCell::new(),
            few_units: OnceCell::new(),
            typed,
        })
    }

    /// Whether the units under the list's district, province, sector and status (never
    /// without one of them) are at most [`FEW_UNITS`]: a search's second tier then reads
    /// them, checks the other filters and sorts them, as it does a district's, rather
    /// than walk the tails of the phrase, which passes all of them where the filter's
    /// units hold none ("tac x" among suspended units, 0.1-0.2 s at 1M). Counted once per
    /// list, up to one more than the bound, on the plan's driving index, which seeks the
    /// most selective of them; the others are checked, so the count passes at most a
    /// province's units. Dates and a sector group are left out of the count: walking a
    /// kind's units to find the few a rare one holds would pass the whole register.
    pub(super) fn few_units(&self, conn: &mut Conn) -> Result<bool, ApiError> {
        if let Some(few) = self.few_units.get() {
            return Ok(*few);
        }
        let f = &self.filters;
        let seeked = Filters {
            provinces: f.provinces.clone(),
            district: f.district,
            sector: f.sector,
            status: f.status,
            ..Filters::default()
        };
        let filtered = seeked.provinces.is_some()
            || seeked.district.is_some()
            || seeked.sector.is_some()
            || seeked.status.is_some();
        if !filtered {
            return Ok(*self.few_units.get_or_init(|| false));
        }
        let mut held = 0;
        for &seek in &self.plan.seeks {
            let conditions = self.plan.conditions(self.kind, &seeked, seek, (None, None));
            let more = i64::try_from(FEW_UNITS + 1 - held).unwrap_or(i64::MAX);
            held += on_backend!(conn, c => {
                let mut query = organizations::table.select(organizations::id).into_boxed();
                for condition in conditions {
                    query = query.filter(condition);
                }
                query.limit(more).load::<i64>(c)?.len()
            });
            if held > FEW_UNITS {
                break;
            }
        }
        Ok(*self.few_units.get_or_init(|| held <= FEW_UNITS))
    }

    /// The order of the list.
    pub fn sort(&self) -> SortKey {
        self.sort
    }

    /// How many seeks the list's plan merges.
    pub(super) fn seeks(&self) -> usize {
        self.plan.seeks.len()
    }

    /// The list from just after `after` (from its start without one).
    pub fn merge<R>(self, after: Option<Position>) -> Merge<R> {
        Merge::new(self, after)
    }

    /// Whether the rows of `tier` are read from the names' tails: relevance order's
    /// second tier.
    pub(super) fn by_tails(&self, tier: u8) -> bool {
        self.sort == SortKey::Relevance && tier == 1
    }

    /// A row's place in its tier, from its sort `value`: in the second relevance tier,
    /// the first tail of its name that starts with what was typed.
    pub(super) fn value_in_tier(&self, tier: u8, value: String) -> String {
        match self.by_tails(tier).then(|| tails::first_starting(&value, &self.typed)).flatten() {
            Some(tail) => tail.to_owned(),
            None => value,
        }
    }
}
