//! Reads a filtered, sorted list in order: pages of the list and the export. Each seek
//! of the [`Plan`] is read here a chunk at a time after its own position, in the list's
//! order; [`Merge`] merges them.

use std::cell::OnceCell;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::input::{ListQuery, SortKey};
use super::merge::Key;
pub use super::merge::{Merge, Position};
use super::model::Organization;
use super::plan::{Filters, Plan, Seek};
use super::queries::organization_rows;
pub use super::record::Record;
use super::tails;
use super::views::OrganizationRow;
use crate::db::sql::{Bounded, Sql};
use crate::db::{Backend, Conn};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::reference::{self, District, Province, Sector};
use crate::schema::{districts, name_tails, organizations, provinces, sectors};
use crate::text::{self, fold};
use crate::{keyset, on_backend};

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
macro_rules! export_records {
    () => {
        organizations::table.select(Record::as_select())
    };
    (tails) => {
        organizations::table.inner_join(name_tails::table).select(Record::as_select())
    };
}

/// The ids of a walk (see [`WalkedId`]).
macro_rules! walked_ids {
    () => {
        organizations::table.select((organizations::id,))
    };
    (tails) => {
        organizations::table.inner_join(name_tails::table).select((organizations::id,))
    };
}

/// A row of a walk that reads ids alone: PostgreSQL walks a list's order that checks a
/// search's words this way first, so that the name-order indexes, which carry the search
/// text (migration `index_search_text`), check the words on each entry in an index-only
/// scan; the page's rows are then read by id. Read with the rows, the walk fetched every
/// row under the filter from the table, however few held the words.
#[derive(Debug, Queryable)]
pub struct WalkedId(i64);

/// What a list reads of each row: the page's joined rows, or the export's records.
pub trait Listed: Sized {
    /// Whether the row is a walk's id alone ([`WalkedId`]).
    const WALKED_ID: bool = false;

    /// The row's place in a list of this order.
    fn key(&self, sort: SortKey) -> Key;

    /// The row with its place in a list of this order.
    fn keyed(self, sort: SortKey) -> (Key, Self) {
        (self.key(sort), self)
    }

    /// Up to `n` rows of `seek` in `tier` after `after` and up to `until` (inclusive),
    /// in the list's order.
    fn read(
        reader: &Reader,
        conn: &mut Conn,
        seek: usize,
        tier: u8,
        bounds: Bounds,
        n: usize,
    ) -> Result<Vec<Self>, ApiError>;
}

/// Where a read starts (after) and ends (up to), when it does.
type Bounds = (Option<Key>, Option<Key>);

/// Narrows `$query` to the rows up to `$until` (inclusive) in the list's order; its ties
/// are broken by id as the cursor's are.
macro_rules! until {
    ($query:ident, $column:expr, $until:expr, asc) => {
        until!($query, $column, organizations::id, $until, asc)
    };
    ($query:ident, $column:expr, $until:expr, desc) => {
        until!($query, $column, organizations::id, $until, desc)
    };
    ($query:ident, $column:expr, $id:expr, $until:expr, asc) => {
        if let Some((value, id)) = $until {
            $query = $query.filter($column.le(value.clone()).and($column.lt(value).or($id.le(id))));
        }
    };
    ($query:ident, $column:expr, $id:expr, $until:expr, desc) => {
        if let Some((value, id)) = $until {
            $query = $query.filter($column.ge(value.clone()).and($column.gt(value).or($id.ge(id))));
        }
    };
}

/// Defines the read of one seek for a selection of the organizations (`$rows`, a macro
/// naming the source and columns) loaded as `$row`: the same filters, bounds and order
/// whatever the selection.
macro_rules! read_seek {
    ($row:ty, $rows:ident, $key:expr, WALKED_ID) => {
        read_seek!(@impl $row, $rows, $key, [const WALKED_ID: bool = true;]);
    };
    ($row:ty, $rows:ident, $key:expr $(, $keyed:expr)?) => {
        read_seek!(@impl $row, $rows, $key, [$(fn keyed(self, sort: SortKey) -> (Key, Self) {
            $keyed(self, sort)
        })?]);
    };
    (@impl $row:ty, $rows:ident, $key:expr, [$($item:item)*]) => {
        impl Listed for $row {
            $($item)*

            fn key(&self, sort: SortKey) -> Key {
                $key(self, sort)
            }

    /// Up to `n` rows of `seek` in `tier` after `after` and up to `until` (inclusive),
    /// in the list's order.
    fn read(
        reader: &Reader,
        conn: &mut Conn,
        seek: usize,
        tier: u8,
        (after, until): Bounds,
        n: usize,
    ) -> Result<Vec<Self>, ApiError> {
        let date = |key: &Option<Key>| match (key, reader.sort) {
            (Some((value, id)), SortKey::RegistrationDate | SortKey::RegistrationDateDesc) => value
                .parse::<NaiveDate>()
                .map(|d| Some((d, *id)))
                .map_err(|_| ApiError::bad_request("cursor", "is not a cursor this API issued")),
            _ => Ok(None),
        };
        let (after_date, until_date) = (date(&after)?, date(&until)?);
        // SQLite ranges an index on one lower and one upper bound of a column and only
        // checks the others, so a filter's bound that the position (`after`, `until`)
        // already narrows is left out: the range is then the position's.
        fn value(key: &Option<Key>) -> Option<&str> {
            key.as_ref().map(|(v, _)| v.as_str())
        }
        let (low, high) = match reader.sort {
            SortKey::NameDesc | SortKey::RegistrationDateDesc | SortKey::RegistrationNumberDesc => {
                (value(&until), value(&after))
            }
            _ => (value(&after), value(&until)),
        };
        let searched = reader.sort != SortKey::Relevance || tier > 0;
        let by_tails = reader.by_tails(tier);
        let terms = reader.search.fts.as_ref().filter(|_| searched && !by_tails);
        let by_text = match terms {
            Some(terms) => match reader.few_words.get() {
                Some(few) => *few,
                None => {
                    let counted = text::few_matches(conn, "organizations", terms)?;
                    *reader.few_words.get_or_init(|| counted)
                }
            },
            None => false,
        };
        if (by_text || by_tails) && seek > 0 {
            // The one seek of the text (or tails) plan reads every seek's rows.
            return Ok(Vec::new());
        }
        let typed = &reader.typed;
        let (prefix_end, phrase) = (format!("{typed}\u{10FFFF}"), format!("% {}%", text::like_escape(typed)));
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let name = organizations::name_key;
        let not_starts = || name.lt(typed.clone()).or(name.ge(prefix_end.clone()));
        if by_tails {
            // The names with a later word that starts the phrase, in the order of their
            // tail from that word on: a range of the tails' index. Such a name holds
            // every word typed, so no word is checked.
            let tail = name_tails::tail;
            // The range's size decides the plan (PostgreSQL).
            let replan = conn.backend() == Backend::Postgres;
            // A district's few thousand units, or a filter's few (see
            // [`Reader::few_units`]), are read and sorted (SQLite, where the plan is one
            // seek), or planned on the organizations' columns (PostgreSQL), rather than
            // the phrase's tails walked, which would pass every tail of a phrase common
            // elsewhere. Other filters are checked on the tails.
            let narrow = reader.plan.narrow() || reader.few_units(conn)?;
            let sqlite = conn.backend() == Backend::Sqlite;
            let by_place = narrow && (!sqlite || reader.plan.seeks.len() == 1);
            let (by_text, on_tails) = (reader.plan.by_text(), reader.plan.on_tails());
            let plan = match (by_place, sqlite) {
                (true, true) => &reader.plan,
                (true, false) => &by_text,
                (false, _) => &on_tails,
            };
            let by_place = by_place && sqlite;
            let conditions = plan.conditions(reader.kind, &reader.filters, plan.seeks[0], (low, high));
            let range = match conn.backend() {
                Backend::Sqlite => tails::Range::Between {
                    from: low.is_none_or(|low| low < typed.as_str()).then_some(typed.as_str()),
                    to: high.is_none_or(|high| high >= prefix_end.as_str()).then_some(prefix_end.as_str()),
                    seek: !by_place,
                },
                Backend::Postgres => tails::Range::Like(typed),
            };
            return Ok(on_backend!(conn, c => {
                let mut query = $rows!(tails).into_boxed();
                for condition in conditions {
                    query = query.filter(condition);
                }
                for bound in range.conditions() {
                    query = query.filter(bound);
                }
                query = query.filter(not_starts()).filter(tails::first_starting_with(typed));
                until!(query, tail, name_tails::organization_id, until, asc);
                let query = keyset!(query, tail, name_tails::organization_id, after, asc);
                Bounded::planned_per_run_if(query.limit(limit), replan).load::<$row>(c)?
            }));
        }
        // PostgreSQL: how many rows a search's patterns match decides the plan (SQLite
        // plans without values). The first relevance tier checks no pattern, being a
        // range of the name index whatever was typed: its plan is kept.
        let replan = conn.backend() == Backend::Postgres && searched && !reader.search.like.is_empty();
        let pg = conn.backend() == Backend::Postgres;
        if replan && !<$row as Listed>::WALKED_ID {
            let ids: Vec<i64> = WalkedId::read(reader, conn, seek, tier, (after.clone(), until.clone()), n)?
                .into_iter()
                .map(|walked| walked.0)
                .collect();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut rows =
                on_backend!(conn, c => $rows!().filter(organizations::id.eq_any(&ids)).load::<$row>(c)?);
            let place: std::collections::HashMap<i64, usize> =
                ids.iter().enumerate().map(|(at, &id)| (id, at)).collect();
            rows.sort_by_cached_key(|row| place.get(&row.key(reader.sort).1).copied());
            return Ok(rows);
        }
        Ok(on_backend!(conn, c => {
            let mut query = $rows!().into_boxed();
            let conditions = if by_text {
                reader.plan.by_text().conditions(reader.kind, &reader.filters, Seek::default(), (low, high))
            } else {
                reader.plan.conditions(reader.kind, &reader.filters, reader.plan.seeks[seek], (low, high))
            };
            for condition in conditions {
                query = query.filter(condition);
            }
            // A name that starts with what was typed holds every word of it, so the
            // first tier needs only the name index.
            for pattern in reader.search.like.iter().filter(|_| searched) {
                if pg && !text::trigram_indexed(pattern) {
                    // A word of one or two letters has no trigram: the trigram index
                    // returns every row for it, yet the planner took such words for
                    // selective ones and chose that over walking the list's order ("tac
                    // xa ve si" in one sector: 0.35 s). Written on an expression the index
                    // does not hold, the word is only checked.
                    query = query.filter(
                        Sql::new("(organizations.search_text || '') LIKE ").string(pattern.clone()).text(" ESCAPE '\\'"),
                    );
                } else {
                    query = query.filter(organizations::search_text.like(pattern.clone()).escape('\\'));
                }
            }
            // A few full-text matches are the rows read (by id, then sorted). Walking the
            // list's order instead, the words are checked with `LIKE` on the search text:
            // on the index entry where the index carries it (the name orders, migration
            // `index_search_text`), before a record is read. A set of many matches built
            // first cost more than the walk itself (all of "tac" is every "hop tac xa …").
            match terms {
                Some(terms) if by_text => query = query.filter(text::fts_match("organizations", terms)),
                Some(_) => {
                    for pattern in &reader.search.fts_like {
                        query = query.filter(organizations::search_text.like(pattern.clone()).escape('\\'));
                    }
                }
                None => {}
            }
            if reader.sort == SortKey::Relevance {
                if tier == 0 && low.is_none_or(|low| low < typed.as_str()) {
                    query = query.filter(name.ge(typed.clone()));
                }
                if tier == 0 && high.is_none_or(|high| high >= prefix_end.as_str()) {
                    query = query.filter(name.lt(prefix_end.clone()));
                }
                let has_phrase = name.like(phrase.clone()).escape('\\');
                if tier > 0 {
                    query = query.filter(not_starts()).filter(diesel::dsl::not(has_phrase));
                }
            }
            // The upper bound in the list's order; its ties are broken by id as the
            // cursor's are.
            match reader.sort {
                SortKey::Name | SortKey::Relevance => until!(query, organizations::name_key, until, asc),
                SortKey::NameDesc => until!(query, organizations::name_key, until, desc),
                SortKey::RegistrationNumber => until!(query, organizations::registration_number, until, asc),
                SortKey::RegistrationNumberDesc => until!(query, organizations::registration_number, until, desc),
                SortKey::RegistrationDate => until!(query, organizations::registration_date, until_date, asc),
                SortKey::RegistrationDateDesc => until!(query, organizations::registration_date, until_date, desc),
            }
            let query = match reader.sort {
                SortKey::Name | SortKey::Relevance => keyset!(query, organizations::name_key, organizations::id, after, asc),
                SortKey::NameDesc => keyset!(query, organizations::name_key, organizations::id, after, desc),
                SortKey::RegistrationNumber => keyset!(query, organizations::registration_number, organizations::id, after, asc),
                SortKey::RegistrationNumberDesc => keyset!(query, organizations::registration_number, organizations::id, after, desc),
                SortKey::RegistrationDate => keyset!(query, organizations::registration_date, organizations::id, after_date, asc),
                SortKey::RegistrationDateDesc => keyset!(query, organizations::registration_date, organizations::id, after_date, desc),
            };
            Bounded::planned_per_run_if(query.limit(limit), replan).load::<$row>(c)?
        }))
    }
        }
    };
}

read_seek!(OrganizationRow, organization_rows, |row: &OrganizationRow, sort| (
    sort_value(&row.0, sort),
    row.0.id
));
// The name key as stored, rather than the name folded again.
read_seek!(
    Record,
    export_records,
    |r: &Record, sort| match sort {
        SortKey::Name | SortKey::NameDesc | SortKey::Relevance => (r.name_key.clone(), r.id),
        SortKey::RegistrationDate | SortKey::RegistrationDateDesc =>
            (r.registration_date.0.to_string(), r.id),
        SortKey::RegistrationNumber | SortKey::RegistrationNumberDesc =>
            (r.registration_number.clone(), r.id),
    },
    |mut r: Record, sort| match sort {
        // The export writes no name key: the key takes it rather than a copy.
        SortKey::Name | SortKey::NameDesc | SortKey::Relevance =>
            ((std::mem::take(&mut r.name_key), r.id), r),
        _ => (r.key(sort), r),
    }
);

// Its key is never asked: the walk's rows are keyed as read by id.
read_seek!(WalkedId, walked_ids, |walked: &WalkedId, _| (String::new(), walked.0), WALKED_ID);

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

    /// Whether the list's filter holds at most [`FEW_UNITS`] units (never without a
    /// filter): a search's second tier then reads them and sorts them, as it does a
    /// district's, rather than walk the tails of the phrase, which passes all of them
    /// where the filter's units hold none ("tac x" among suspended units, 0.1-0.2 s at
    /// 1M). Counted once per list, up to one more than the bound, on the filter's index.
    fn few_units(&self, conn: &mut Conn) -> Result<bool, ApiError> {
        if let Some(few) = self.few_units.get() {
            return Ok(*few);
        }
        let f = &self.filters;
        let filtered = f.provinces.is_some()
            || f.district.is_some()
            || f.sector.is_some()
            || f.sectors.is_some()
            || f.status.is_some()
            || f.registered_from.is_some()
            || f.registered_to.is_some();
        let mut held = 0;
        for &seek in self.plan.seeks.iter().take_while(|_| filtered) {
            let conditions = self.plan.conditions(self.kind, f, seek, (None, None));
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
        Ok(*self.few_units.get_or_init(|| filtered && held <= FEW_UNITS))
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
