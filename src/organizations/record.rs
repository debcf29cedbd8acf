//! The row an export reads: the columns it writes, its dates read without chrono's
//! format parser. Diesel parses a SQLite date or timestamp by trying format strings in
//! turn; at 100,000 rows that
//! was an eighth of the instructions of a CSV export.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};
use serde::{Serialize, Serializer};

use crate::schema::organizations;

/// An organization as the export writes it, with its name key (its place in name order).
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = organizations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Record {
    pub id: i64,
    pub kind: String,
    pub registration_number: String,
    pub name: String,
    pub name_en: Option<String>,
    pub abbreviation: Option<String>,
    pub name_key: String,
    pub sector_id: i64,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: String,
    pub legal_representative: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub registration_date: Day,
    pub status: String,
    pub dissolution_date: Option<Day>,
    pub charter_capital: i64,
    pub member_count: i32,
    pub alliance_admission_date: Option<Day>,
    pub alliance_batch: Option<String>,
    pub created_at: Stamp,
    pub updated_at: Stamp,
    pub version: i32,
}

/// A date column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
#[diesel(sql_type = Date)]
pub struct Day(pub NaiveDate);

/// A timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
#[diesel(sql_type = Timestamp)]
pub struct Stamp(pub NaiveDateTime);

/// The number in `digits` (ASCII digits only).
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`, the form Diesel writes a date in.
fn iso_date(s: &[u8]) -> Option<NaiveDate> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&s[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&s[5..7])?, number(&s[8..10])?)
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 9 digits, the form Diesel
/// writes a timestamp in.
fn iso_stamp(s: &[u8]) -> Option<NaiveDateTime> {
    if s.len() < 19 || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let nanos = match &s[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            number(digits)? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let (h, m, sec) = (number(&s[11..13])?, number(&s[14..16])?, number(&s[17..19])?);
    // A leap second (60) is left to chrono's parser.
    if sec > 59 {
        return None;
    }
    iso_date(&s[..10])?.and_hms_nano_opt(h, m, sec, nanos)
}

/// The text of a SQLite value stored as text, parsed by `parse`; `None` when it is not
/// text of that form (Diesel's own reading then decides).
fn stored_text<T>(value: &mut SqliteValue<'_, '_, '_>, parse: fn(&[u8]) -> Option<T>) -> Option<T> {
    if value.value_type() != Some(SqliteType::Text) {
        return None;
    }
    parse(value.read_text().as_bytes())
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        match stored_text(&mut value, iso_date) {
            Some(d) => Ok(Day(d)),
            None => <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Day),
        }
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Day)
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        match stored_text(&mut value, iso_stamp) {
            Some(t) => Ok(Stamp(t)),
            None => <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp),
        }
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl Day {
    /// The date as its `Display` writes it (`2021-11-05`), for years 0 to 9999.
    pub fn iso(self) -> Option<[u8; 10]> {
        let d = self.0;
        if !(0..=9999).contains(&d.year()) {
            return None;
        }
        let mut text = *b"0000-00-00";
        for (at, digits, mut n) in [(0, 4, d.year() as u32), (5, 2, d.month()), (8, 2, d.day())] {
            for i in (at..at + digits).rev() {
                text[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        }
        Some(text)
    }
}

/// As chrono serializes a `NaiveDate`, without its formatter.
impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.iso() {
            Some(text) => s.serialize_str(std::str::from_utf8(&text).expect("ASCII digits")),
            None => self.0.serialize(s),
        }
    }
}

/// As chrono serializes the UTC time of the view (`2021-11-05T10:00:00Z`).
impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let Some(date) = Day(t.date()).iso().filter(|_| t.nanosecond() == 0) else {
            return t.and_utc().serialize(s);
        };
        let mut text = [0u8; 20];
        text[..10].copy_from_slice(&date);
        text[10] = b'T';
        for (at, n) in [(11, t.hour()), (14, t.minute()), (17, t.second())] {
            text[at] = b'0' + (n / 10) as u8;
            text[at + 1] = b'0' + (n % 10) as u8;
        }
        text[13] = b':';
        text[16] = b':';
        text[19] = b'Z';
        s.serialize_str(std::str::from_utf8(&text).expect("ASCII digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: Serialize>(v: T) -> String {
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn parses_what_diesel_writes_as_chrono_does() {
        for text in ["2021-11-05", "0001-01-01", "9999-12-31", "2024-02-29"] {
            assert_eq!(iso_date(text.as_bytes()), NaiveDate::parse_from_str(text, "%F").ok(), "{text}");
        }
        for text in ["2023-02-29", "2021-13-01", "2021-1-05", "+12021-01-05", "2021-11-05x"] {
            assert_eq!(iso_date(text.as_bytes()), None, "{text}");
        }
        for text in ["2021-11-05 10:00:00", "2021-11-05 23:59:59.5", "2021-11-05 00:00:00.123456789"] {
            let chrono = NaiveDateTime::parse_from_str(text, "%F %T%.f").ok();
            assert_eq!(iso_stamp(text.as_bytes()), chrono, "{text}");
        }
        for text in ["2021-11-05T10:00:00", "2021-11-05 24:00:00", "2021-11-05 10:00:60", "2021-11-05 10:00"]
        {
            assert_eq!(iso_stamp(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn serializes_as_chrono() {
        let day = NaiveDate::from_ymd_opt(2021, 11, 5).unwrap();
        assert_eq!(json(Day(day)), json(day));
        let far = NaiveDate::from_ymd_opt(12021, 1, 5).unwrap();
        assert_eq!(json(Day(far)), json(far));
        for (h, m, s, n) in [(10, 0, 0, 0), (23, 59, 59, 0), (1, 2, 3, 500_000_000), (0, 0, 0, 1000)] {
            let t = day.and_hms_nano_opt(h, m, s, n).unwrap();
            assert_eq!(json(Stamp(t)), json(t.and_utc()));
        }
        assert_eq!(
            json(Stamp(far.and_hms_opt(1, 2, 3).unwrap())),
            json(far.and_hms_opt(1, 2, 3).unwrap().and_utc())
        );
    }
}
