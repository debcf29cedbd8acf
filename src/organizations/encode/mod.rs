//! The bytes of an export: records as CSV rows or as the single-record view's JSON, one
//! per line. Both are written straight from the row read into one buffer per chunk; the
//! reference rows' JSON is written once per export and copied into each record. The
//! output is what the `csv` writer (default settings) and `serde_json` with
//! [`OrganizationView`] write; the tests below hold them to it.

use std::collections::HashMap;

use serde::Serialize;

use super::record::{Day, Record};
use super::views::{SectorRef, UnitRef};
use crate::domain::{OrgKind, Status};
use crate::error::ApiError;
use crate::reference::{Catalog, District, Province, Sector};

pub const CSV_HEADER: [&str; 23] = [
    "id",
    "kind",
    "registration_number",
    "name",
    "name_en",
    "abbreviation",
    "sector",
    "sector_group",
    "province_id",
    "province",
    "district_id",
    "district",
    "address",
    "legal_representative",
    "phone",
    "email",
    "registration_date",
    "status",
    "dissolution_date",
    "charter_capital",
    "member_count",
    "alliance_admission_date",
    "alliance_batch",
];

/// The reference rows a record names, from the names read once per export.
pub fn references<'a>(
    names: &'a Catalog,
    r: &Record,
) -> Result<(&'a Sector, &'a Province, Option<&'a District>), ApiError> {
    let missing = |what: &str| ApiError::Internal(format!("export: {} {} names no {what}", r.kind, r.id));
    let sector = names.sector_by_id(r.sector_id).ok_or_else(|| missing("sector"))?;
    let province = names.province(r.province_id).ok_or_else(|| missing("province"))?;
    let district = match r.district_id {
        Some(id) => Some(names.district(id).ok_or_else(|| missing("district"))?),
        None => None,
    };
    Ok((sector, province, district))
}

/// Appends one CSV field, quoted (its quotes doubled) only when it holds a delimiter, a
/// quote or a line break, as the `csv` writer does by default. The test has no early
/// exit, so the compiler checks many bytes at a time (fields are short).
fn field(out: &mut Vec<u8>, text: &[u8]) {
    let special = text.iter().fold(false, |any, &b| any | matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if !special {
        return out.extend_from_slice(text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    for (i, part) in text.split(|&b| b == b'"').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\"\"");
        }
        out.extend_from_slice(part);
    }
    out.push(b'"');
}

/// Appends a CSV row of `fields`, which must not be empty.
fn row<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a [u8]>) {
    for (i, text) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        field(out, text);
    }
    out.push(b'\n');
}

/// A date as its `Display` writes it (`2021-11-05`), empty when there is none.
enum DateText {
    Iso([u8; 10]),
    Other(String),
}

impl DateText {
    fn new(date: Option<Day>) -> DateText {
        match date {
            None => DateText::Other(String::new()),
            Some(d) => d.iso().map_or_else(|| DateText::Other(d.0.to_string()), DateText::Iso),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            DateText::Iso(text) => text,
            DateText::Other(text) => text.as_bytes(),
        }
    }
}

pub fn csv_header(out: &mut Vec<u8>) {
    row(out, CSV_HEADER.iter().map(|h| h.as_bytes()));
}

/// One record's row (the view's values: kind, status and sector group are stored as the
/// view names them).
pub fn csv_record(
    out: &mut Vec<u8>,
    r: &Record,
    (sector, province, district): (&Sector, &Province, Option<&District>),
) {
    let mut numbers = [itoa::Buffer::new(), itoa::Buffer::new(), itoa::Buffer::new()];
    let [id, province_id, district_id] = &mut numbers;
    let mut amounts = [itoa::Buffer::new(), itoa::Buffer::new()];
    let [capital, members] = &mut amounts;
    fn text(t: &Option<String>) -> &[u8] {
        t.as_deref().unwrap_or("").as_bytes()
    }
    let (registered, dissolved, admitted) = (
        DateText::new(Some(r.registration_date)),
        DateText::new(r.dissolution_date),
        DateText::new(r.alliance_admission_date),
    );
    row(
        out,
        [
            id.format(r.id).as_bytes(),
            r.kind.as_bytes(),
            r.registration_number.as_bytes(),
            r.name.as_bytes(),
            text(&r.name_en),
            text(&r.abbreviation),
            sector.code.as_bytes(),
            sector.sector_group.as_bytes(),
            province_id.format(province.id).as_bytes(),
            province.name.as_bytes(),
            district.map_or(&b""[..], |d| district_id.format(d.id).as_bytes()),
            district.map_or(&b""[..], |d| d.name.as_bytes()),
            r.address.as_bytes(),
            r.legal_representative.as_bytes(),
            text(&r.phone),
            text(&r.email),
            registered.bytes(),
            r.status.as_bytes(),
            dissolved.bytes(),
            capital.format(r.charter_capital).as_bytes(),
            members.format(r.member_count).as_bytes(),
            admitted.bytes(),
            text(&r.alliance_batch),
        ],
    );
}

/// Appends `value` as `serde_json` writes it.
fn json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value).expect("JSON of plain data into memory");
}

/// Appends a JSON string: as is between quotes when nothing in it needs escaping (a
/// control character, a quote or a backslash, all `serde_json` escapes), else escaped.
fn json_str(out: &mut Vec<u8>, s: &str) {
    // No early exit: the compiler checks many bytes at a time.
    if s.bytes().fold(false, |any, b| any | (b < 0x20) | (b == b'"') | (b == b'\\')) {
        return json(out, s);
    }
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

fn json_opt(out: &mut Vec<u8>, s: &Option<String>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn json_date(out: &mut Vec<u8>, d: Option<Day>) {
    match d.and_then(Day::iso) {
        Some(text) => {
            out.push(b'"');
            out.extend_from_slice(&text);
            out.push(b'"');
        }
        None => json(out, &d),
    }
}

/// The JSON of the reference rows, written once per export.
#[derive(Default)]
pub struct RefJson {
    sectors: HashMap<i64, Vec<u8>>,
    provinces: HashMap<i64, Vec<u8>>,
    districts: HashMap<i64, Vec<u8>>,
}

/// The single-record view's JSON of `r` and a line break.
pub fn json_record(
    out: &mut Vec<u8>,
    refs: &mut RefJson,
    r: &Record,
    (sector, province, district): (&Sector, &Province, Option<&District>),
) {
    let key = |out: &mut Vec<u8>, name: &str| {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    };
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(itoa::Buffer::new().format(r.id).as_bytes());
    key(out, "kind");
    json(out, &OrgKind::from_db(&r.kind));
    key(out, "registration_number");
    json_str(out, &r.registration_number);
    key(out, "name");
    json_str(out, &r.name);
    key(out, "name_en");
    json_opt(out, &r.name_en);
    key(out, "abbreviation");
    json_opt(out, &r.abbreviation);
    key(out, "sector");
    out.extend_from_slice(refs.sectors.entry(sector.id).or_insert_with(|| to_json(&SectorRef::from(sector))));
    key(out, "province");
    out.extend_from_slice(
        refs.provinces.entry(province.id).or_insert_with(|| to_json(&UnitRef::from(province))),
    );
    key(out, "district");
    match district {
        Some(d) => {
            out.extend_from_slice(refs.districts.entry(d.id).or_insert_with(|| to_json(&UnitRef::from(d))))
        }
        None => out.extend_from_slice(b"null"),
    }
    key(out, "address");
    json_str(out, &r.address);
    key(out, "legal_representative");
    json_str(out, &r.legal_representative);
    key(out, "phone");
    json_opt(out, &r.phone);
    key(out, "email");
    json_opt(out, &r.email);
    key(out, "registration_date");
    json_date(out, Some(r.registration_date));
    key(out, "status");
    json(out, &Status::from_db(&r.status));
    key(out, "dissolution_date");
    json_date(out, r.dissolution_date);
    key(out, "charter_capital");
    out.extend_from_slice(itoa::Buffer::new().format(r.charter_capital).as_bytes());
    key(out, "member_count");
    out.extend_from_slice(itoa::Buffer::new().format(r.member_count).as_bytes());
    key(out, "alliance_admission_date");
    json_date(out, r.alliance_admission_date);
    key(out, "alliance_batch");
    json_opt(out, &r.alliance_batch);
    key(out, "created_at");
    json(out, &r.created_at);
    key(out, "updated_at");
    json(out, &r.updated_at);
    key(out, "version");
    out.extend_from_slice(itoa::Buffer::new().format(r.version).as_bytes());
    out.extend_from_slice(b"}\n");
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    json(&mut out, value);
    out
}

#[cfg(test)]
mod tests;
