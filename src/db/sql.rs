//! SQL written at run time that the statement cache may keep.
//!
//! Diesel prepares a statement anew on every execution when any part of it is a raw
//! `sql()` literal or a `sql_query`, and on SQLite a list page spent more time in
//! `sqlite3_prepare` than in running the query. [`Sql`] is a condition whose text holds
//! only column names and placeholders (the values are bound), so the cache can key it by
//! its text; [`Bounded`] lets a query built from such pieces into the cache only while
//! the number of distinct texts seen stays small, because Diesel's cache is unbounded and
//! every connection would otherwise keep a statement per shape a client can ask for.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::{LazyLock, Mutex};

use chrono::NaiveDate;
use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryBuilder, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, Bool, Date, HasSqlType, SqlType, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

/// A boolean condition: SQL text with bound values in between.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Int(i64),
    Str(String),
    Date(NaiveDate),
}

impl Sql {
    /// Starts with `text` (column names and operators, never a client's value).
    pub fn new(text: impl Into<String>) -> Sql {
        Sql::default().text(text)
    }

    pub fn text(mut self, text: impl Into<String>) -> Sql {
        self.parts.push(Part::Text(text.into()));
        self
    }

    pub fn int(mut self, value: i64) -> Sql {
        self.parts.push(Part::Int(value));
        self
    }

    /// `value, value, …` bound one by one.
    pub fn ints(mut self, values: &[i64]) -> Sql {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.parts.push(Part::Text(", ".into()));
            }
            self.parts.push(Part::Int(*v));
        }
        self
    }

    pub fn string(mut self, value: impl Into<String>) -> Sql {
        self.parts.push(Part::Str(value.into()));
        self
    }

    pub fn date(mut self, value: NaiveDate) -> Sql {
        self.parts.push(Part::Date(value));
        self
    }
}

impl Expression for Sql {
    type SqlType = Bool;
}

impl ValidGrouping<()> for Sql {
    type IsAggregate = is_aggregate::Never;
}

impl<QS> AppearsOnTable<QS> for Sql {}

impl<QS> SelectableExpression<QS> for Sql {}

impl QueryId for Sql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for Sql
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text> + HasSqlType<Date>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDate: ToSql<Date, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_sql(text),
                Part::Int(v) => out.push_bind_param::<BigInt, _>(v)?,
                Part::Str(v) => out.push_bind_param::<Text, _>(v)?,
                Part::Date(v) => out.push_bind_param::<Date, _>(v)?,
            }
        }
        Ok(())
    }
}

/// `column IN (values)` in a text of one shape whatever the number of values: SQLite
/// reads the values from one bound JSON array, PostgreSQL from one bound array (Diesel's
/// `eq_any` writes one placeholder per value on SQLite, a text per length that it never
/// caches).
#[derive(Debug, Clone)]
pub struct AnyOf<T> {
    column: &'static str,
    values: Vec<T>,
    json: String,
}

/// A value [`AnyOf`] can list.
pub trait ListValue: Clone {
    /// Its SQL type.
    type SqlType;
    /// Appends it as a JSON array element (as SQLite stores it).
    fn push_json(&self, out: &mut String);
}

impl ListValue for i64 {
    type SqlType = BigInt;
    fn push_json(&self, out: &mut String) {
        out.push_str(itoa::Buffer::new().format(*self));
    }
}

impl ListValue for NaiveDate {
    type SqlType = Date;
    fn push_json(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "\"{self}\"");
    }
}

impl<T: ListValue> AnyOf<T> {
    /// `column` is the qualified column name (`table.column`).
    pub fn new(column: &'static str, values: &[T]) -> AnyOf<T> {
        let mut json = String::with_capacity(2 + values.len() * 8);
        json.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            v.push_json(&mut json);
        }
        json.push(']');
        AnyOf { column, values: values.to_vec(), json }
    }
}

impl<T> Expression for AnyOf<T> {
    type SqlType = Bool;
}

impl<T> ValidGrouping<()> for AnyOf<T> {
    type IsAggregate = is_aggregate::Never;
}

impl<T, QS> AppearsOnTable<QS> for AnyOf<T> {}

impl<T, QS> SelectableExpression<QS> for AnyOf<T> {}

impl<T> QueryId for AnyOf<T> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T> QueryFragment<Sqlite> for AnyOf<T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(self.column);
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<T> QueryFragment<Pg> for AnyOf<T>
where
    T: ListValue,
    Pg: HasSqlType<T::SqlType>,
    Vec<T>: ToSql<Array<T::SqlType>, Pg>,
    T::SqlType: SqlType,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.column);
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<T::SqlType>, _>(&self.values)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Distinct statement texts [`Bounded`] lets into the cache, over the whole process.
/// Real clients ask a few dozen shapes; this bounds what a client cycling through every
/// combination of filters, sorts and search words can make each connection keep.
const MAX_CACHED_SHAPES: usize = 400;

struct Shapes {
    hasher: RandomState,
    seen: Mutex<HashSet<u64>>,
}

static SHAPES: LazyLock<Shapes> =
    LazyLock::new(|| Shapes { hasher: RandomState::new(), seen: Mutex::new(HashSet::new()) });

/// A query that is cached by its text only if that text is one of the first
/// [`MAX_CACHED_SHAPES`] seen (otherwise prepared for each execution, as before).
#[derive(Debug)]
pub struct Bounded<Q> {
    query: Q,
    cached: bool,
}

impl<Q> Bounded<Q> {
    pub fn new<DB>(query: Q) -> Bounded<Q>
    where
        DB: Backend + Default,
        DB::QueryBuilder: Default,
        Q: QueryFragment<DB>,
    {
        let mut text = DB::QueryBuilder::default();
        let cached = query.to_sql(&mut text, &DB::default()).is_ok() && {
            let hash = SHAPES.hasher.hash_one(text.finish());
            let mut seen = SHAPES.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            seen.contains(&hash) || (seen.len() < MAX_CACHED_SHAPES && seen.insert(hash))
        };
        Bounded { query, cached }
    }

    /// [`Bounded::new`], unless `per_run`: then a query that is never cached, so that it is
    /// planned for its values on every run. PostgreSQL keeps a generic plan for a prepared
    /// statement after five runs, and a generic plan cannot see how many rows a search's
    /// `LIKE` patterns match: words in half the names ("tac xa") were then read in full
    /// and sorted (90–430 ms at 100,000 units) where walking the name index fills the page
    /// at once (0.2 ms).
    pub fn planned_per_run_if<DB>(query: Q, per_run: bool) -> Bounded<Q>
    where
        DB: Backend + Default,
        DB::QueryBuilder: Default,
        Q: QueryFragment<DB>,
    {
        if per_run {
            Bounded { query, cached: false }
        } else {
            Bounded::new(query)
        }
    }
}

impl<Q: Query> Query for Bounded<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for Bounded<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Bounded<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.cached {
            out.unsafe_to_cache_prepared();
        }
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, C> RunQueryDsl<C> for Bounded<Q> {}
