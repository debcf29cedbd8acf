//! Adds flows to `stat_daily`, a row per (key, day), creating the rows it lacks.

use chrono::NaiveDate;

use super::Flows;
use crate::db::rows::{self, Value};
use crate::db::Conn;
use crate::error::ApiError;

/// Adds the flows of `rows` (key id, day, flows; one per (key, day)) to `stat_daily`, with
/// multi-row upserts ([`rows`]: Diesel builds multi-row upserts for PostgreSQL only).
pub fn add_daily(conn: &mut Conn, rows: &[(i64, NaiveDate, Flows)]) -> Result<(), ApiError> {
    let head = format!("INSERT INTO stat_daily (key_id, day, {})", FLOWS.join(", "));
    let values: Vec<[Value; 8]> = rows
        .iter()
        .map(|(key_id, day, f)| {
            [
                Value::Int(*key_id),
                Value::date(*day),
                Value::Int(f.active),
                Value::Int(f.capital),
                Value::Int(f.members),
                Value::Int(f.registered),
                Value::Int(f.dissolved),
                Value::Int(f.admitted),
            ]
        })
        .collect();
    rows::insert(conn, &head, &format!(" {}", on_conflict()), &values)?;
    Ok(())
}

/// The flow columns of `stat_daily`.
const FLOWS: [&str; 6] = ["active", "capital", "members", "registered", "dissolved", "admitted"];

/// A row meeting its (key, day) adds its flows to it.
fn on_conflict() -> String {
    let sums: Vec<String> = FLOWS.iter().map(|c| format!("{c} = stat_daily.{c} + excluded.{c}")).collect();
    format!("ON CONFLICT (key_id, day) DO UPDATE SET {}", sums.join(", "))
}
