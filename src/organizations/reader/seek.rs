//! The read of one seek of a list, a chunk at a time in the list's order, for each
//! selection a list reads: the page's rows, the export's records and a walk's ids.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{sort_value, tails, Reader};
use crate::db::sql::{Bounded, Sql};
use crate::db::{Backend, Conn};
use crate::error::ApiError;
use crate::organizations::input::SortKey;
use crate::organizations::merge::Key;
use crate::organizations::model::Organization;
use crate::organizations::plan::Seek;
use crate::organizations::queries::organization_rows;
use crate::organizations::record::Record;
use crate::organizations::views::OrganizationRow;
use crate::reference::{District, Province, Sector};
use crate::schema::{districts, name_tails, organizations, provinces, sectors};
use crate::text;
use crate::{keyset, on_backend};

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

    /// The row's organization.
    fn id(&self) -> i64;

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

/// A read's position in the list's order: the bounds on the sort column (`low`, `high`)
/// and, in date order, the same bounds as dates.
struct Span<'k> {
    low: Option<&'k str>,
    high: Option<&'k str>,
    after_date: Option<(NaiveDate, i64)>,
    until_date: Option<(NaiveDate, i64)>,
}

impl<'k> Span<'k> {
    /// The span after `after` and up to `until` in `sort`'s order.
    fn new(sort: SortKey, after: &'k Option<Key>, until: &'k Option<Key>) -> Result<Span<'k>, ApiError> {
        let date = |key: &Option<Key>| match (key, sort) {
            (Some((value, id)), SortKey::RegistrationDate | SortKey::RegistrationDateDesc) => value
                .parse::<NaiveDate>()
                .map(|d| Some((d, *id)))
                .map_err(|_| ApiError::bad_request("cursor", "is not a cursor this API issued")),
            _ => Ok(None),
        };
        // SQLite ranges an index on one lower and one upper bound of a column and only
        // checks the others, so a filter's bound that the position already narrows is
        // left out: the range is then the position's.
        let value = |key: &'k Option<Key>| key.as_ref().map(|(v, _)| v.as_str());
        let (low, high) = match sort {
            SortKey::NameDesc | SortKey::RegistrationDateDesc | SortKey::RegistrationNumberDesc => {
                (value(until), value(after))
            }
            _ => (value(after), value(until)),
        };
        Ok(Span { low, high, after_date: date(after)?, until_date: date(until)? })
    }
}

impl Reader {
    /// SQLite: whether a read that checks the full-text `terms` reads their matches (few
    /// enough, see [`Plan::by_text`](crate::organizations::plan::Plan::by_text)) rather
    /// than walk the list's order; counted once per list.
    fn reads_by_text(&self, conn: &mut Conn, terms: Option<&str>) -> Result<bool, ApiError> {
        let Some(terms) = terms else { return Ok(false) };
        if let Some(few) = self.few_words.get() {
            return Ok(*few);
        }
        let counted = text::few_matches(conn, "organizations", terms)?;
        Ok(*self.few_words.get_or_init(|| counted))
    }

    /// The filters and the range of the second relevance tier's read of the names'
    /// tails, between `low` and `high` of the list's position. A district's few
    /// thousand units, or a filter's few (see [`Reader::few_units`]), are read and
    /// sorted (SQLite, where the plan is one seek), or planned on the organizations'
    /// columns (PostgreSQL), rather than the phrase's tails walked, which would pass
    /// every tail of a phrase common elsewhere. Other filters are checked on the tails.
    fn tails_read(
        &self,
        conn: &mut Conn,
        pg: bool,
        (low, high): (Option<&str>, Option<&str>),
        prefix_end: &str,
    ) -> Result<(Vec<Sql>, Vec<Sql>), ApiError> {
        let narrow = self.plan.narrow() || self.few_units(conn)?;
        let by_place = narrow && (pg || self.plan.seeks.len() == 1);
        let (by_text, on_tails) = (self.plan.by_text(), self.plan.on_tails());
        let plan = match (by_place, pg) {
            (true, false) => &self.plan,
            (true, true) => &by_text,
            (false, _) => &on_tails,
        };
        let conditions = plan.conditions(self.kind, &self.filters, plan.seeks[0], (low, high));
        let typed = self.typed.as_str();
        let range = if pg {
            tails::Range::Like(typed)
        } else {
            tails::Range::Between {
                from: low.is_none_or(|low| low < typed).then_some(typed),
                to: high.is_none_or(|high| high >= prefix_end).then_some(prefix_end),
                seek: !by_place,
            }
        };
        Ok((conditions, range.conditions()))
    }
}

/// Defines the read of one seek for a selection of the organizations (`$rows`, a macro
/// naming the source and columns) loaded as `$row`: the same filters, bounds and order
/// whatever the selection.
macro_rules! read_seek {
    ($row:ty, $rows:ident, $id:expr, $key:expr, WALKED_ID) => {
        read_seek!(@impl $row, $rows, $id, $key, [const WALKED_ID: bool = true;]);
    };
    ($row:ty, $rows:ident, $id:expr, $key:expr $(, $keyed:expr)?) => {
        read_seek!(@impl $row, $rows, $id, $key, [$(fn keyed(self, sort: SortKey) -> (Key, Self) {
            $keyed(self, sort)
        })?]);
    };
    (@impl $row:ty, $rows:ident, $id:expr, $key:expr, [$($item:item)*]) => {
        impl Listed for $row {
            $($item)*

            fn id(&self) -> i64 {
                $id(self)
            }

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
                let Span { low, high, after_date, until_date } = Span::new(reader.sort, &after, &until)?;
                let pg = conn.backend() == Backend::Postgres;
                let searched = reader.sort != SortKey::Relevance || tier > 0;
                let by_tails = reader.by_tails(tier);
                let terms = reader.search.fts.as_deref().filter(|_| searched && !by_tails);
                let by_text = reader.reads_by_text(conn, terms)?;
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
                    let (conditions, range) = reader.tails_read(conn, pg, (low, high), &prefix_end)?;
                    return Ok(on_backend!(conn, c => {
                        let mut query = $rows!(tails).into_boxed();
                        for condition in conditions.into_iter().chain(range) {
                            query = query.filter(condition);
                        }
                        query = query.filter(not_starts()).filter(tails::first_starting_with(typed));
                        until!(query, tail, name_tails::organization_id, until, asc);
                        let query = keyset!(query, tail, name_tails::organization_id, after, asc);
                        // The range's size decides the plan (PostgreSQL).
                        Bounded::planned_per_run_if(query.limit(limit), pg).load::<$row>(c)?
                    }));
                }
                // PostgreSQL: how many rows a search's patterns match decides the plan (SQLite
                // plans without values). The first relevance tier checks no pattern, being a
                // range of the name index whatever was typed: its plan is kept.
                let replan = pg && searched && !reader.search.like.is_empty();
                if replan && !<$row as Listed>::WALKED_ID {
                    let ids: Vec<i64> = WalkedId::read(reader, conn, seek, tier, (after.clone(), until.clone()), n)?
                        .iter()
                        .map(Listed::id)
                        .collect();
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut rows =
                        on_backend!(conn, c => $rows!().filter(organizations::id.eq_any(&ids)).load::<$row>(c)?);
                    let place: std::collections::HashMap<i64, usize> =
                        ids.iter().enumerate().map(|(at, &id)| (id, at)).collect();
                    rows.sort_by_key(|row| place.get(&row.id()).copied());
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

read_seek!(
    OrganizationRow,
    organization_rows,
    |row: &OrganizationRow| row.0.id,
    |row: &OrganizationRow, sort| (sort_value(&row.0, sort), row.0.id)
);
// The name key as stored, rather than the name folded again.
read_seek!(
    Record,
    export_records,
    |r: &Record| r.id,
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

// Its key is never asked: the walk's rows are placed by id.
read_seek!(
    WalkedId,
    walked_ids,
    |walked: &WalkedId| walked.0,
    |walked: &WalkedId, _| (String::new(), walked.0),
    WALKED_ID
);
