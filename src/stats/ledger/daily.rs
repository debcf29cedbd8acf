//! Adds flows to `stat_daily`, a row per (key, day), creating the rows it lacks.

use chrono::NaiveDate;

use super::Flows;
use crate::db::rows::{self, Value};
use crate::db::Conn;
use crate::error::ApiError;

/// The flows of a (key, day) to add.
pub struct DailyRow {
    key_id: i64,
    day: NaiveDate,
    active: i64,
    capital: i64,
    members: i64,
    registered: i64,
    dissolved: i64,
    admitted: i64,
}

impl DailyRow {
    pub fn new(key_id: i64, day: NaiveDate, f: &Flows) -> DailyRow {
        DailyRow {
            key_id,
            day,
            active: f.active,
            capital: f.capital,
            members: f.members,
            registered: f.registered,
            dissolved: f.dissolved,
            admitted: f.admitted,
        }
    }
}

/// Adds `rows` (one per (key, day)) to `stat_daily`, with multi-row upserts ([`rows`]:
/// Diesel builds multi-row upserts for PostgreSQL only).
pub fn add_daily(conn: &mut Conn, rows: &[DailyRow]) -> Result<(), ApiError> {
    let head = format!("INSERT INTO stat_daily (key_id, day, {})", FLOWS.join(", "));
    let values: Vec<Value> = rows
        .iter()
        .flat_map(|r| {
            [
                Value::Int(r.key_id),
                Value::date(r.day),
                Value::Int(r.active),
                Value::Int(r.capital),
                Value::Int(r.members),
                Value::Int(r.registered),
                Value::Int(r.dissolved),
                Value::Int(r.admitted),
            ]
        })
        .collect();
    rows::insert(conn, &head, &format!(" {}", on_conflict()), 8, &values)?;
    Ok(())
}

/// The flow columns of `stat_daily`.
const FLOWS: [&str; 6] = ["active", "capital", "members", "registered", "dissolved", "admitted"];

/// A row meeting its (key, day) adds its flows to it.
fn on_conflict() -> String {
    let sums: Vec<String> = FLOWS.iter().map(|c| format!("{c} = stat_daily.{c} + excluded.{c}")).collect();
    format!("ON CONFLICT (key_id, day) DO UPDATE SET {}", sums.join(", "))
}
