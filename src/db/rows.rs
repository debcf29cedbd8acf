//! Multi-row INSERTs of many rows, with the values bound from one flat list.
//!
//! Diesel's batch inserts walk a tuple of typed columns per row, several times per
//! execution (for the cache key, the bind types and the binds): writing 100,000 records
//! with their history, tails, statistics and audit entries spent more time there than
//! SQLite spent storing the rows. [`InsertRows`] binds the same values from a flat list
//! in one loop; its statements of full size are cached by their text.

use std::marker::PhantomData;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::serialize::{self, IsNull, Output};
use diesel::sql_types::{BigInt, Date, HasSqlType, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

use super::Conn;
use crate::on_backend;

/// A value to bind, typed as its column.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Int(i64),
    Int32(i32),
    Text(&'a str),
    Date(Day),
    Timestamp(Instant),
    NullableInt(Option<i64>),
    NullableText(Option<&'a str>),
    NullableDate(Option<Day>),
}

impl Value<'_> {
    pub fn date(day: NaiveDate) -> Self {
        Value::Date(Day(day))
    }

    pub fn nullable_date(day: Option<NaiveDate>) -> Self {
        Value::NullableDate(day.map(Day))
    }

    pub fn timestamp(at: NaiveDateTime) -> Self {
        Value::Timestamp(Instant(at))
    }
}

/// A date bound as SQLite stores it (`2024-05-02`, as Diesel writes it) without
/// chrono's formatting machinery, which took a twentieth of a bulk import on SQLite.
#[derive(Debug, Clone, Copy)]
pub struct Day(NaiveDate);

/// A timestamp bound as SQLite stores it (`2024-05-02 08:30:00.125`, as Diesel writes
/// it); see [`Day`].
#[derive(Debug, Clone, Copy)]
pub struct Instant(NaiveDateTime);

/// `n` in `width` digits, zero-padded.
fn push_digits(out: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 9];
    let mut rest = n;
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.push_str(std::str::from_utf8(&digits[..width]).expect("ASCII digits"));
}

/// `%F` of a date of years 1000–9999 (the others go through chrono).
fn iso_day(day: NaiveDate, out: &mut String) -> bool {
    let Ok(year) = u32::try_from(day.year()) else { return false };
    if !(1000..=9999).contains(&year) {
        return false;
    }
    push_digits(out, year, 4);
    out.push('-');
    push_digits(out, day.month(), 2);
    out.push('-');
    push_digits(out, day.day(), 2);
    true
}

impl ToSql<Date, Sqlite> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let mut text = String::with_capacity(10);
        if !iso_day(self.0, &mut text) {
            return ToSql::<Date, Sqlite>::to_sql(&self.0, out);
        }
        out.set_value(text);
        Ok(IsNull::No)
    }
}

impl ToSql<Date, Pg> for Day {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Date, Pg>::to_sql(&self.0, out)
    }
}

impl ToSql<Timestamp, Sqlite> for Instant {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let (at, nanos) = (self.0, self.0.nanosecond());
        let mut text = String::with_capacity(29);
        // Leap seconds (nanos past 10^9) go through chrono too.
        if nanos >= 1_000_000_000 || !iso_day(at.date(), &mut text) {
            return ToSql::<Timestamp, Sqlite>::to_sql(&self.0, out);
        }
        text.push(' ');
        push_digits(&mut text, at.hour(), 2);
        text.push(':');
        push_digits(&mut text, at.minute(), 2);
        text.push(':');
        push_digits(&mut text, at.second(), 2);
        // chrono's `%.f`: nothing, or 3, 6 or 9 digits, the fewest that hold it.
        if nanos % 1_000_000 == 0 && nanos > 0 {
            text.push('.');
            push_digits(&mut text, nanos / 1_000_000, 3);
        } else if nanos % 1_000 == 0 && nanos > 0 {
            text.push('.');
            push_digits(&mut text, nanos / 1_000, 6);
        } else if nanos > 0 {
            text.push('.');
            push_digits(&mut text, nanos, 9);
        }
        out.set_value(text);
        Ok(IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for Instant {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Timestamp, Pg>::to_sql(&self.0, out)
    }
}

/// Bound values per statement, near SQLite's limit (32,766): every statement that writes
/// records flushes the FTS5 index's pending terms at its savepoint, so fewer, larger ones
/// flush less.
pub(super) const VALUES_PER_STATEMENT: usize = 32_000;

/// An INSERT of the rows of `values` (`width` values each): `head` names the table and
/// columns, `tail` follows the rows (a RETURNING or ON CONFLICT clause, or nothing).
pub struct InsertRows<'q, 'v, ST = ()> {
    head: &'q str,
    tail: &'q str,
    width: usize,
    values: &'q [Value<'v>],
    cached: bool,
    returns: PhantomData<ST>,
}

impl<ST> QueryId for InsertRows<'_, '_, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST> Query for InsertRows<'_, '_, ST> {
    type SqlType = ST;
}

impl<DB, ST> QueryFragment<DB> for InsertRows<'_, '_, ST>
where
    DB: Backend
        + HasSqlType<BigInt>
        + HasSqlType<Integer>
        + HasSqlType<Text>
        + HasSqlType<Date>
        + HasSqlType<Timestamp>,
    i64: ToSql<BigInt, DB>,
    i32: ToSql<Integer, DB>,
    str: ToSql<Text, DB>,
    Day: ToSql<Date, DB>,
    Instant: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.cached {
            out.unsafe_to_cache_prepared();
        }
        out.push_sql(self.head);
        out.push_sql(" VALUES ");
        for (i, row) in self.values.chunks(self.width).enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            for (j, value) in row.iter().enumerate() {
                if j > 0 {
                    out.push_sql(", ");
                }
                match value {
                    Value::Int(v) => out.push_bind_param::<BigInt, i64>(v)?,
                    Value::Int32(v) => out.push_bind_param::<Integer, i32>(v)?,
                    Value::Text(v) => out.push_bind_param::<Text, str>(v)?,
                    Value::Date(v) => out.push_bind_param::<Date, Day>(v)?,
                    Value::Timestamp(v) => out.push_bind_param::<Timestamp, Instant>(v)?,
                    Value::NullableInt(v) => out.push_bind_param::<Nullable<BigInt>, Option<i64>>(v)?,
                    Value::NullableText(v) => out.push_bind_param::<Nullable<Text>, Option<&str>>(v)?,
                    Value::NullableDate(v) => out.push_bind_param::<Nullable<Date>, Option<Day>>(v)?,
                }
            }
            out.push_sql(")");
        }
        out.push_sql(self.tail);
        Ok(())
    }
}

impl<Conn, ST> RunQueryDsl<Conn> for InsertRows<'_, '_, ST> {}

/// The statements that write `rows`: all of the same size (cached) but the last.
fn statements<'q, 'v, ST, const N: usize>(
    head: &'q str,
    tail: &'q str,
    rows: &'q [[Value<'v>; N]],
) -> impl Iterator<Item = InsertRows<'q, 'v, ST>> {
    let per_statement = (VALUES_PER_STATEMENT / N.max(1)).max(1);
    rows.chunks(per_statement).map(move |chunk| InsertRows {
        head,
        tail,
        width: N,
        values: chunk.as_flattened(),
        cached: chunk.len() == per_statement,
        returns: PhantomData,
    })
}

/// Inserts `rows`: `head` is `INSERT INTO table (columns)` and `tail` follows the rows
/// (say an ON CONFLICT clause).
pub fn insert<const N: usize>(
    conn: &mut Conn,
    head: &str,
    tail: &str,
    rows: &[[Value; N]],
) -> Result<(), diesel::result::Error> {
    for statement in statements::<(), N>(head, tail, rows) {
        on_backend!(conn, c => statement.execute(c))?;
    }
    Ok(())
}

/// [`insert`] with a RETURNING clause in `tail` of a text and an id: what every row returned.
pub fn insert_returning<const N: usize>(
    conn: &mut Conn,
    head: &str,
    tail: &str,
    rows: &[[Value; N]],
) -> Result<Vec<(String, i64)>, diesel::result::Error> {
    let mut returned = Vec::with_capacity(rows.len());
    for statement in statements::<(Text, BigInt), N>(head, tail, rows) {
        returned.extend(on_backend!(conn, c => statement.load::<(String, i64)>(c))?);
    }
    Ok(returned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = Text)]
        text: String,
    }

    /// The text SQLite stores for `value` bound as `ST`.
    fn sqlite_text<ST, T>(conn: &mut diesel::SqliteConnection, value: T) -> String
    where
        ST: diesel::sql_types::SqlType + QueryId + 'static,
        Sqlite: HasSqlType<ST>,
        T: ToSql<ST, Sqlite> + Send + 'static,
    {
        let query = diesel::sql_query("SELECT CAST(? AS TEXT) AS text").bind::<ST, T>(value);
        query.get_result::<Stored>(conn).expect("a row").text
    }

    #[test]
    fn dates_and_timestamps_read_as_diesel_writes_them() {
        use diesel::Connection;
        let conn = &mut diesel::SqliteConnection::establish(":memory:").unwrap();
        let days = [
            (1000, 1, 1),
            (1999, 12, 31),
            (2024, 2, 29),
            (2026, 11, 24),
            (9999, 12, 31),
            (999, 5, 6),
            (-44, 3, 15),
        ];
        for (y, m, d) in days {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(sqlite_text::<Date, _>(conn, Day(day)), sqlite_text::<Date, _>(conn, day), "{day}");
            for nanos in
                [0, 5_000_000, 120_000_000, 123_400_000, 7_000, 123_456_000, 1, 999_999_999, 1_500_000_000]
            {
                let at = day.and_hms_nano_opt(23, 59, 59, nanos).unwrap();
                assert_eq!(
                    sqlite_text::<Timestamp, _>(conn, Instant(at)),
                    sqlite_text::<Timestamp, _>(conn, at),
                    "{at}"
                );
            }
        }
    }
}
