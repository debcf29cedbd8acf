//! Reads a filtered, sorted list in order: pages of the list and the export. Each seek
//! of the [`Plan`] is a stream in the list's order, read a chunk at a time after its own
//! position; the streams are merged, so a row read is a row used (up to the last chunk).

use std::cell::OnceCell;
use std::collections::VecDeque;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::input::{ListQuery, SortKey};
use super::model::Organization;
use super::plan::{Filters, Plan, Seek};
use super::queries::organization_rows;
pub use super::record::Record;
use super::tails;
use super::views::OrganizationRow;
use crate::db::sql::Bounded;
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

/// A position in a list: the sort value and id of a row, and the relevance tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub tier: u8,
    pub value: String,
    pub id: i64,
}

/// The sort value of a row as the list orders it (dates in ISO form sort as text).
pub fn sort_value(o: &Organization, sort: SortKey) -> String {
    match sort {
        SortKey::Name | SortKey::NameDesc | SortKey::Relevance => fold(&o.name),
        SortKey::RegistrationDate | SortKey::RegistrationDateDesc => o.registration_date.to_string(),
        SortKey::RegistrationNumber | SortKey::RegistrationNumberDesc => o.registration_number.clone(),
    }
}

/// A row's place in the list: its sort value and id.
type Key = (String, i64);

/// True when `a` comes before `b` in the list's order.
fn before(sort: SortKey, a: &Key, b: &Key) -> bool {
    match sort {
        SortKey::NameDesc | SortKey::RegistrationDateDesc | SortKey::RegistrationNumberDesc => a > b,
        _ => a < b,
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

/// What a list reads of each row: the page's joined rows, or the export's records.
pub trait Listed: Sized {
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

/// One seek's rows read ahead (with their keys), and where it continues.
#[derive(Debug)]
struct Stream<R> {
    buffer: VecDeque<(Key, R)>,
    after: Option<Key>,
    done: bool,
}

impl<R> Default for Stream<R> {
    fn default() -> Self {
        Stream { buffer: VecDeque::new(), after: None, done: false }
    }
}

/// The list in order from a position: every seek of the current tier merged.
#[derive(Debug)]
pub struct Merge<R = OrganizationRow> {
    reader: Reader,
    tier: u8,
    streams: Vec<Stream<R>>,
}

/// Narrows `$query` to the rows up to `$until` (inclusive) in the list's order; its ties
/// are broken by id as the cursor's are.
macro_rules! until {
    ($query:ident, $column:expr, $until:expr, asc) => {
        until!($query, $column, organizations::id, $until, asc)
    };
    ($query:ident, $column:expr, $until:expr, desc) => {
        if let Some((value, id)) = $until {
            $query =
                $query.filter($column.ge(value.clone()).and($column.gt(value).or(organizations::id.ge(id))));
        }
    };
    ($query:ident, $column:expr, $id:expr, $until:expr, asc) => {
        if let Some((value, id)) = $until {
            $query = $query.filter($column.le(value.clone()).and($column.lt(value).or($id.le(id))));
        }
    };
}

/// Defines the read of one seek for a selection of the organizations (`$rows`, a macro
/// naming the source and columns) loaded as `$row`: the same filters, bounds and order
/// whatever the selection.
macro_rules! read_seek {
    ($row:ty, $rows:ident, $key:expr $(, $keyed:expr)?) => {
        impl Listed for $row {
            fn key(&self, sort: SortKey) -> Key {
                $key(self, sort)
            }

            $(fn keyed(self, sort: SortKey) -> (Key, Self) {
                $keyed(self, sort)
            })?

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
        // Words of many matches stay a set read first: checked on the rows' text
        // instead, a walk that passes many rows before its page fills (say "htx an" past
        // every "hop tac xa …") cost twice as much.
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
            return Ok(on_backend!(conn, c => {
                let mut query = $rows!(tails).into_boxed();
                let conditions =
                    reader.plan.by_text().conditions(reader.kind, &reader.filters, Seek::default(), (low, high));
                for condition in conditions {
                    query = query.filter(condition);
                }
                if low.is_none_or(|low| low < typed.as_str()) {
                    query = query.filter(tail.ge(typed.clone()));
                }
                if high.is_none_or(|high| high >= prefix_end.as_str()) {
                    query = query.filter(tail.lt(prefix_end.clone()));
                }
                query = query.filter(not_starts()).filter(tails::first_with_prefix(typed, &prefix_end));
                until!(query, tail, name_tails::organization_id, until, asc);
                let query = keyset!(query, tail, name_tails::organization_id, after, asc);
                Bounded::planned_per_run_if(query.limit(limit), replan).load::<$row>(c)?
            }));
        }
        // PostgreSQL: how many rows a search's patterns match decides the plan (SQLite
        // plans without values). The first relevance tier checks no pattern, being a
        // range of the name index whatever was typed: its plan is kept.
        let replan = conn.backend() == Backend::Postgres && searched && !reader.search.like.is_empty();
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
                query = query.filter(organizations::search_text.like(pattern.clone()).escape('\\'));
            }
            if let Some(terms) = terms {
                query = query.filter(text::fts_match("organizations", terms));
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
            typed,
        })
    }

    /// Whether the rows of `tier` are read from the names' tails: relevance order's
    /// second tier.
    fn by_tails(&self, tier: u8) -> bool {
        self.sort == SortKey::Relevance && tier == 1
    }

    /// A row's place in its tier, from its sort `value`: in the second relevance tier,
    /// the first tail of its name that starts with what was typed.
    fn value_in_tier(&self, tier: u8, value: String) -> String {
        match self.by_tails(tier).then(|| tails::first_starting(&value, &self.typed)).flatten() {
            Some(tail) => tail.to_owned(),
            None => value,
        }
    }

    /// The list from just after `after` (from its start without one).
    pub fn merge<R>(self, after: Option<Position>) -> Merge<R> {
        let tier = after.as_ref().map_or(0, |p| p.tier.min(TIERS - 1));
        let at = after.map(|p| (p.value, p.id));
        let streams =
            (0..self.plan.seeks.len()).map(|_| Stream { after: at.clone(), ..Stream::default() }).collect();
        Merge { reader: self, tier, streams }
    }
}

impl<R: Listed> Merge<R> {
    /// The order of the list.
    pub fn sort(&self) -> SortKey {
        self.reader.sort
    }

    /// A row's place in a list of this order (see [`Reader::value_in_tier`]), from its
    /// sort value.
    pub fn value_in_tier(&self, tier: u8, value: String) -> String {
        self.reader.value_in_tier(tier, value)
    }

    /// The next `n` rows of the list (fewer at its end), each with its tier. A seek
    /// that runs dry reads `chunk` more rows (at least what the page still needs), and
    /// only up to the last row the other seeks hold when those fill the page: a seek of
    /// few matches (a rare status) then stops where the page ends instead of walking on.
    pub fn next(&mut self, conn: &mut Conn, n: usize, chunk: usize) -> Result<Vec<(u8, R)>, ApiError> {
        let sort = self.reader.sort;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let need = n - out.len();
            for seek in 0..self.streams.len() {
                let stream = &self.streams[seek];
                if !stream.buffer.is_empty() || stream.done {
                    continue;
                }
                let others = self.streams.iter().enumerate().filter(|(i, _)| *i != seek);
                let held: usize = others.clone().map(|(_, s)| s.buffer.len()).sum();
                let until = (held >= need)
                    .then(|| {
                        others
                            .filter_map(|(_, s)| s.buffer.back().map(|(k, _)| k))
                            .reduce(|a, b| if before(sort, a, b) { b } else { a })
                            .cloned()
                    })
                    .flatten();
                if let (Some(until), Some(after)) = (&until, &stream.after) {
                    if !before(sort, after, until) {
                        continue; // read up to the bound already
                    }
                }
                let want = chunk.max(need);
                let rows = R::read(
                    &self.reader,
                    conn,
                    seek,
                    self.tier,
                    (stream.after.clone(), until.clone()),
                    want,
                )?;
                let full = rows.len() == want;
                let (reader, tier) = (&self.reader, self.tier);
                let stream = &mut self.streams[seek];
                stream.buffer.extend(rows.into_iter().map(|row| {
                    let ((value, id), row) = row.keyed(sort);
                    ((reader.value_in_tier(tier, value), id), row)
                }));
                stream.after = match (&until, full) {
                    // Every row up to the bound is read.
                    (Some(until), false) => Some(until.clone()),
                    _ => stream.buffer.back().map(|(k, _)| k.clone()).or(stream.after.take()),
                };
                stream.done = until.is_none() && !full;
            }
            // The first head in the list's order: a seek without rows in hand has read
            // past it (or is done).
            let best = self
                .streams
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.buffer.front().map(|(k, _)| (i, k)))
                .reduce(|a, b| if before(sort, b.1, a.1) { b } else { a })
                .map(|(i, _)| i);
            match best {
                Some(i) => out.push((self.tier, self.streams[i].buffer.pop_front().expect("head").1)),
                None if sort == SortKey::Relevance && self.tier + 1 < TIERS => {
                    self.tier += 1;
                    self.streams.iter_mut().for_each(|s| *s = Stream::default());
                }
                None => break,
            }
        }
        Ok(out)
    }
}
