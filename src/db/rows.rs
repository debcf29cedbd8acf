//! Multi-row INSERTs of many rows, with the values bound from one flat list.
//!
//! Diesel's batch inserts walk a tuple of typed columns per row, several times per
//! execution (for the cache key, the bind types and the binds): writing 100,000 records
//! with their history, tails, statistics and audit entries spent more time there than
//! SQLite spent storing the rows. [`InsertRows`] binds the same values from a flat list
//! in one loop; its statements of full size are cached by their text.

use std::marker::PhantomData;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Integer, Nullable, Text, Timestamp};
use diesel::{QueryResult, RunQueryDsl};

use super::Conn;
use crate::on_backend;

/// A value to bind, typed as its column.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Int(i64),
    Int32(i32),
    Text(&'a str),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
    NullableInt(Option<i64>),
    NullableText(Option<&'a str>),
    NullableDate(Option<NaiveDate>),
}

/// Bound values per statement (both backends allow many more; larger statements gained
/// nothing measurable).
const VALUES_PER_STATEMENT: usize = 8_192;

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
    NaiveDate: ToSql<Date, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
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
                    Value::Date(v) => out.push_bind_param::<Date, NaiveDate>(v)?,
                    Value::Timestamp(v) => out.push_bind_param::<Timestamp, NaiveDateTime>(v)?,
                    Value::NullableInt(v) => out.push_bind_param::<Nullable<BigInt>, Option<i64>>(v)?,
                    Value::NullableText(v) => out.push_bind_param::<Nullable<Text>, Option<&str>>(v)?,
                    Value::NullableDate(v) => out.push_bind_param::<Nullable<Date>, Option<NaiveDate>>(v)?,
                }
            }
            out.push_sql(")");
        }
        out.push_sql(self.tail);
        Ok(())
    }
}

impl<Conn, ST> RunQueryDsl<Conn> for InsertRows<'_, '_, ST> {}

/// The statements that write `values` in rows of `width`: all of the same size (cached)
/// but the last.
fn statements<'q, 'v, ST>(
    head: &'q str,
    tail: &'q str,
    width: usize,
    values: &'q [Value<'v>],
) -> impl Iterator<Item = InsertRows<'q, 'v, ST>> {
    assert!(width > 0 && values.len() % width == 0, "whole rows of {width} values");
    let per_statement = (VALUES_PER_STATEMENT / width).max(1) * width;
    values.chunks(per_statement).map(move |chunk| InsertRows {
        head,
        tail,
        width,
        values: chunk,
        cached: chunk.len() == per_statement,
        returns: PhantomData,
    })
}

/// Inserts the rows of `values`, `width` values each: `head` is `INSERT INTO table
/// (columns)` and `tail` follows the rows (say an ON CONFLICT clause).
pub fn insert(
    conn: &mut Conn,
    head: &str,
    tail: &str,
    width: usize,
    values: &[Value],
) -> Result<(), diesel::result::Error> {
    for statement in statements::<()>(head, tail, width, values) {
        on_backend!(conn, c => statement.execute(c))?;
    }
    Ok(())
}

/// [`insert`] with a RETURNING clause in `tail` of a text and an id: what every row returned.
pub fn insert_returning(
    conn: &mut Conn,
    head: &str,
    tail: &str,
    width: usize,
    values: &[Value],
) -> Result<Vec<(String, i64)>, diesel::result::Error> {
    let mut returned = Vec::with_capacity(values.len() / width.max(1));
    for statement in statements::<(Text, BigInt)>(head, tail, width, values) {
        returned.extend(on_backend!(conn, c => statement.load::<(String, i64)>(c))?);
    }
    Ok(returned)
}
