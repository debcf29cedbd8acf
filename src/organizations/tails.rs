//! The tails of the names (migration `name_tails`): a name's key from each word after
//! the first on. A search's second relevance tier is a range of them; every write of a
//! name writes its tails in the same transaction. Each tail carries copies of its
//! organization's filtered columns (migration `tail_filters`): written here with it, and
//! kept equal by a trigger on every later change of the organization.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::Organization;
use crate::db::rows::{self, Value};
use crate::db::sql::Sql;
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::name_tails;
use crate::text::like_escape;

/// The tails of a name key, with the number of the word each starts at (1 for the
/// second word): "htx nhu hoa" has "nhu hoa" (1) and "hoa" (2). Keys hold single spaces
/// between words (see [`crate::text::fold`]).
pub fn tails(name_key: &str) -> impl Iterator<Item = (i32, &str)> {
    name_key.match_indices(' ').zip(1..).map(|((at, _), word)| (word, &name_key[at + 1..]))
}

/// The tail of `name_key` that a list of the second tier orders it by: the first that
/// starts with `typed`, if any.
pub fn first_starting<'a>(name_key: &'a str, typed: &str) -> Option<&'a str> {
    tails(name_key).map(|(_, tail)| tail).find(|tail| tail.starts_with(typed))
}

/// A name to write the tails of, with the organization's columns that each tail carries
/// (migration `tail_filters`) so that a search checks its filters on the tail.
pub struct Filed<'a> {
    pub id: i64,
    pub name_key: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    pub sector_id: i64,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub registration_date: NaiveDate,
}

/// Writes the tails of new names.
pub fn write<'a>(conn: &mut Conn, names: impl IntoIterator<Item = Filed<'a>>) -> Result<(), ApiError> {
    let names: Vec<Filed> = names.into_iter().collect();
    let values: Vec<[Value; 9]> = names
        .iter()
        .flat_map(|n| {
            tails(n.name_key).map(move |(word, tail)| {
                [
                    Value::Int(n.id),
                    Value::Int32(word),
                    Value::Text(tail),
                    Value::Text(n.kind),
                    Value::Text(n.status),
                    Value::Int(n.sector_id),
                    Value::Int(n.province_id),
                    Value::NullableInt(n.district_id),
                    Value::date(n.registration_date),
                ]
            })
        })
        .collect();
    let head = "INSERT INTO name_tails (organization_id, word, tail, kind, status, sector_id, province_id, \
                district_id, registration_date)";
    rows::insert(conn, head, "", &values)?;
    Ok(())
}

/// Replaces the tails of a renamed organization, as it now is.
pub fn replace(conn: &mut Conn, renamed: &Organization, name_key: &str) -> Result<(), ApiError> {
    let old = name_tails::table.filter(name_tails::organization_id.eq(renamed.id));
    on_backend!(conn, c => diesel::delete(old).execute(c))?;
    write(
        conn,
        [Filed {
            id: renamed.id,
            name_key,
            kind: &renamed.kind,
            status: &renamed.status,
            sector_id: renamed.sector_id,
            province_id: renamed.province_id,
            district_id: renamed.district_id,
            registration_date: renamed.registration_date,
        }],
    )
}

/// The tails that start with `typed`, for the second tier's reads.
#[derive(Debug, Clone, Copy)]
pub enum Range<'a> {
    /// SQLite: from `from` (inclusive) up to `to` (exclusive), each bound where given
    /// (the read's position may bound it already); `seek`: whether the tails' index
    /// reads them (otherwise `+tail`, so that the planner drives from another index).
    Between { from: Option<&'a str>, to: Option<&'a str>, seek: bool },
    /// PostgreSQL: `LIKE 'typed%'`, which its planner both ranges on (the column sorts
    /// byte-wise) and estimates by the prefix; a plain range it estimated at one row.
    Like(&'a str),
}

impl Range<'_> {
    pub fn conditions(self) -> Vec<Sql> {
        match self {
            Range::Between { from, to, seek } => {
                let column = if seek { "name_tails.tail" } else { "+name_tails.tail" };
                let from = from.map(|v| Sql::new(format!("{column} >= ")).string(v));
                let to = to.map(|v| Sql::new(format!("{column} < ")).string(v));
                from.into_iter().chain(to).collect()
            }
            Range::Like(typed) => vec![Sql::new("name_tails.tail LIKE ")
                .string(format!("{}%", like_escape(typed)))
                .text(" ESCAPE '\\'")],
        }
    }
}

/// The row is the first tail of its name that starts with `typed`: a name holding it at
/// two words is listed once. The earlier tails are found by the name (the key's
/// prefix), never by their text.
pub fn first_starting_with(typed: &str) -> Sql {
    let chars = i64::try_from(typed.chars().count()).unwrap_or(i64::MAX);
    Sql::new(
        "NOT EXISTS (SELECT 1 FROM name_tails AS earlier \
         WHERE earlier.organization_id = name_tails.organization_id \
         AND earlier.word < name_tails.word AND substr(earlier.tail, 1, CAST(",
    )
    .int(chars)
    .text(" AS INTEGER)) = ")
    .string(typed)
    .text(")")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_start_at_every_word_after_the_first() {
        let all: Vec<_> = tails("htx nong nghiep nhu hoa").collect();
        assert_eq!(all, [(1, "nong nghiep nhu hoa"), (2, "nghiep nhu hoa"), (3, "nhu hoa"), (4, "hoa")]);
        assert_eq!(tails("htx").count(), 0);
        assert_eq!(tails("").count(), 0);
    }

    #[test]
    fn orders_by_the_first_tail_that_starts_with_the_phrase() {
        assert_eq!(first_starting("htx an binh an phu", "an"), Some("an binh an phu"));
        assert_eq!(first_starting("htx an binh an phu", "an p"), Some("an phu"));
        assert_eq!(first_starting("an phu", "an"), None);
        assert_eq!(first_starting("htx nhu hoa", "hoa x"), None);
    }
}
