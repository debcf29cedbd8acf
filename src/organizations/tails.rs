//! The tails of the names (migration `name_tails`): a name's key from each word after
//! the first on. A search's second relevance tier is a range of them; every write of a
//! name writes its tails in the same transaction.

use diesel::prelude::*;

use crate::db::rows::{self, Value};
use crate::db::sql::Sql;
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::name_tails;
use crate::stats::rebuild::rows_per_statement;
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

/// One row of `name_tails`.
#[derive(Insertable)]
#[diesel(table_name = name_tails)]
pub struct NewTail<'a> {
    organization_id: i64,
    word: i32,
    tail: &'a str,
}

/// The rows of the tails of organization `id`'s name key.
pub fn rows(id: i64, name_key: &str) -> impl Iterator<Item = NewTail<'_>> {
    tails(name_key).map(move |(word, tail)| NewTail { organization_id: id, word, tail })
}

/// Writes `rows` with one statement (see [`rows_per_statement`]).
pub fn insert(conn: &mut Conn, rows: &[NewTail]) -> Result<usize, diesel::result::Error> {
    on_backend!(conn, c => diesel::insert_into(name_tails::table).values(rows).execute(c))
}

/// Rows of `name_tails` per statement.
pub fn per_statement() -> usize {
    rows_per_statement(3)
}

/// Writes the tails of new names: `(organization id, name key)`.
pub fn write<'a>(conn: &mut Conn, names: impl IntoIterator<Item = (i64, &'a str)>) -> Result<(), ApiError> {
    let values: Vec<[Value; 3]> = names
        .into_iter()
        .flat_map(|(id, key)| {
            tails(key).map(move |(word, tail)| [Value::Int(id), Value::Int32(word), Value::Text(tail)])
        })
        .collect();
    rows::insert(conn, "INSERT INTO name_tails (organization_id, word, tail)", "", &values)?;
    Ok(())
}

/// Replaces the tails of a renamed organization.
pub fn replace(conn: &mut Conn, id: i64, name_key: &str) -> Result<(), ApiError> {
    let old = name_tails::table.filter(name_tails::organization_id.eq(id));
    on_backend!(conn, c => diesel::delete(old).execute(c))?;
    write(conn, [(id, name_key)])
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
