//! Registering cooperatives and unions, one or many at a time. The rules are checked in
//! memory against reference rows ([`Catalog`]) and the records, their first history
//! entries and their statistics are written with multi-row statements, so a single
//! registration and a bulk import take the same path.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::input::NewOrganization;
use super::model::{NewOrganizationRow, Organization};
use super::tails;
use super::views::OrganizationView;
use crate::db::bulk::rows_per_statement;
use crate::db::rows::{self, Value};
use crate::db::Conn;
use crate::domain::{OrgKind, Status};
use crate::error::{ApiError, FieldError};
use crate::on_backend;
use crate::reference::Catalog;
use crate::schema::organizations;
use crate::stats::ledger::{self, Life};
use crate::text::{clean, clean_optional, fold};

use super::store::now;

/// What search looks at: every name of the unit and its registration number.
pub(super) fn search_text(
    name: &str,
    name_en: Option<&str>,
    abbreviation: Option<&str>,
    number: &str,
) -> String {
    [Some(name), name_en, abbreviation, Some(number)]
        .into_iter()
        .flatten()
        .map(fold)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn fail_if_any(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Registers a unit: the record, its first history entries and its statistics.
pub fn create(conn: &mut Conn, kind: OrgKind, input: NewOrganization) -> Result<i64, ApiError> {
    let catalog = Catalog::for_new_unit(conn, &input.sector, input.province_id, input.district_id)?;
    let row = prepare(&catalog, kind, input, now())?;
    if !taken_numbers(conn, [row.registration_number.as_str()])?.is_empty() {
        return Err(number_taken(&row.registration_number));
    }
    let id = write(conn, std::slice::from_ref(&row))?[0];
    ledger::settle(conn, &ledger::Contribution::new(), &life(&row).contribution())?;
    Ok(id)
}

/// The record a new unit becomes, once it meets the rules the register's reference
/// data sets (and those across fields); its registration number is checked apart, as
/// that needs the register.
pub fn prepare(
    catalog: &Catalog,
    kind: OrgKind,
    input: NewOrganization,
    at: NaiveDateTime,
) -> Result<NewOrganizationRow, ApiError> {
    fail_if_any(input.cross_field_errors())?;
    let sector = catalog.sector(&input.sector, "sector")?;
    catalog.check_location(input.province_id, input.district_id, input.registration_date)?;
    let number = input.registration_number.trim().to_owned();
    let name = clean(&input.name);
    let name_en = clean_optional(input.name_en);
    let abbreviation = clean_optional(input.abbreviation);
    Ok(NewOrganizationRow {
        kind: kind.as_str().into(),
        name_key: fold(&name),
        search_text: search_text(&name, name_en.as_deref(), abbreviation.as_deref(), &number),
        registration_number: number,
        name,
        name_en,
        abbreviation,
        sector_id: sector.id,
        province_id: input.province_id,
        district_id: input.district_id,
        address: clean(&input.address),
        legal_representative: clean(&input.legal_representative),
        phone: clean_optional(input.phone),
        email: clean_optional(input.email),
        registration_date: input.registration_date,
        status: Status::Active.as_str().into(),
        dissolution_date: None,
        charter_capital: input.charter_capital,
        member_count: input.member_count,
        alliance_admission_date: input.alliance_admission_date,
        alliance_batch: clean_optional(input.alliance_batch),
        created_at: at,
        updated_at: at,
        version: 1,
    })
}

/// The 409 of a registration number the register holds already.
pub fn number_taken(number: &str) -> ApiError {
    ApiError::conflict(
        "registration_number",
        format!("registration number {number} is already in the register"),
    )
}

/// Those of `numbers` that the register holds already.
pub fn taken_numbers<'a>(
    conn: &mut Conn,
    numbers: impl IntoIterator<Item = &'a str>,
) -> Result<HashSet<String>, ApiError> {
    let numbers: Vec<&str> = numbers.into_iter().collect();
    let mut taken = HashSet::new();
    for chunk in numbers.chunks(rows_per_statement(1)) {
        let query = organizations::table
            .filter(organizations::registration_number.eq_any(chunk))
            .select(organizations::registration_number);
        taken.extend(on_backend!(conn, c => query.load::<String>(c))?);
    }
    Ok(taken)
}

/// Writes records that met the rules (their numbers free and distinct) with their first
/// capital, member and location entries, dated on the registration date; the ids, in
/// the order of `rows`.
pub fn write(conn: &mut Conn, rows: &[NewOrganizationRow]) -> Result<Vec<i64>, ApiError> {
    let values: Vec<[Value; RECORD_WIDTH]> = rows.iter().map(record_values).collect();
    let returned =
        rows::insert_returning(conn, RECORD_COLUMNS, " RETURNING registration_number, id", &values)?;
    // RETURNING promises no order: the (unique) numbers say which id is whose.
    let mut returned: HashMap<String, i64> = returned.into_iter().collect();
    let ids = rows
        .iter()
        .map(|row| {
            returned
                .remove(&row.registration_number)
                .ok_or_else(|| ApiError::Internal(format!("no id returned for {}", row.registration_number)))
        })
        .collect::<Result<Vec<i64>, ApiError>>()?;
    let pairs = || rows.iter().zip(ids.iter().copied());
    tails::write(
        conn,
        pairs().map(|(row, id)| tails::Filed {
            id,
            name_key: &row.name_key,
            kind: &row.kind,
            status: &row.status,
            sector_id: row.sector_id,
            province_id: row.province_id,
            district_id: row.district_id,
            registration_date: row.registration_date,
        }),
    )?;
    let entry = |head: &str, value: fn(&NewOrganizationRow) -> Value| {
        let values: Vec<[Value; 4]> = pairs()
            .map(|(row, id)| {
                [
                    Value::Int(id),
                    Value::date(row.registration_date),
                    value(row),
                    Value::timestamp(row.created_at),
                ]
            })
            .collect();
        (format!("INSERT INTO {head}, recorded_at)"), values)
    };
    let (head, values) = entry("capital_entries (organization_id, effective_date, charter_capital", |row| {
        Value::Int(row.charter_capital)
    });
    rows::insert(conn, &head, "", &values)?;
    let (head, values) = entry("member_entries (organization_id, effective_date, member_count", |row| {
        Value::Int32(row.member_count)
    });
    rows::insert(conn, &head, "", &values)?;
    let locations: Vec<[Value; 6]> = pairs()
        .map(|(row, id)| {
            [
                Value::Int(id),
                Value::date(row.registration_date),
                Value::Int(row.province_id),
                Value::NullableInt(row.district_id),
                Value::Text(&row.address),
                Value::timestamp(row.created_at),
            ]
        })
        .collect();
    let head = "INSERT INTO location_entries \
                (organization_id, effective_date, province_id, district_id, address, recorded_at)";
    rows::insert(conn, head, "", &locations)?;
    Ok(ids)
}

const RECORD_COLUMNS: &str = "INSERT INTO organizations (kind, registration_number, name, name_en, \
    abbreviation, name_key, search_text, sector_id, province_id, district_id, address, \
    legal_representative, phone, email, registration_date, status, dissolution_date, charter_capital, \
    member_count, alliance_admission_date, alliance_batch, created_at, updated_at, version)";
const RECORD_WIDTH: usize = 24;

/// The values of [`RECORD_COLUMNS`] for `row`.
fn record_values(row: &NewOrganizationRow) -> [Value<'_>; RECORD_WIDTH] {
    [
        Value::Text(&row.kind),
        Value::Text(&row.registration_number),
        Value::Text(&row.name),
        Value::NullableText(row.name_en.as_deref()),
        Value::NullableText(row.abbreviation.as_deref()),
        Value::Text(&row.name_key),
        Value::Text(&row.search_text),
        Value::Int(row.sector_id),
        Value::Int(row.province_id),
        Value::NullableInt(row.district_id),
        Value::Text(&row.address),
        Value::Text(&row.legal_representative),
        Value::NullableText(row.phone.as_deref()),
        Value::NullableText(row.email.as_deref()),
        Value::date(row.registration_date),
        Value::Text(&row.status),
        Value::nullable_date(row.dissolution_date),
        Value::Int(row.charter_capital),
        Value::Int32(row.member_count),
        Value::nullable_date(row.alliance_admission_date),
        Value::NullableText(row.alliance_batch.as_deref()),
        Value::timestamp(row.created_at),
        Value::timestamp(row.updated_at),
        Value::Int32(row.version),
    ]
}

/// The life the statistics see of a unit just written from `row`.
pub fn life(row: &NewOrganizationRow) -> Life {
    let day = row.registration_date;
    Life {
        kind: OrgKind::from_db(&row.kind).as_str(),
        sector_id: row.sector_id,
        registered: day,
        dissolved: None,
        admitted: row.alliance_admission_date,
        capital: vec![(day, row.charter_capital)],
        members: vec![(day, i64::from(row.member_count))],
        locations: vec![(day, row.province_id, row.district_id)],
    }
}

/// The record written from `row` as the API shows it (and a created audit entry holds),
/// from the values in hand; `None` if the catalog lacks a unit it names.
pub fn view(catalog: &Catalog, id: i64, row: NewOrganizationRow) -> Option<OrganizationView> {
    let sector = catalog.sector_by_id(row.sector_id)?.clone();
    let province = catalog.province(row.province_id)?.clone();
    let district = match row.district_id {
        Some(d) => Some(catalog.district(d)?.clone()),
        None => None,
    };
    let r = row;
    let record = Organization {
        id,
        kind: r.kind,
        registration_number: r.registration_number,
        name: r.name,
        name_en: r.name_en,
        abbreviation: r.abbreviation,
        sector_id: r.sector_id,
        province_id: r.province_id,
        district_id: r.district_id,
        address: r.address,
        legal_representative: r.legal_representative,
        phone: r.phone,
        email: r.email,
        registration_date: r.registration_date,
        status: r.status,
        dissolution_date: r.dissolution_date,
        charter_capital: r.charter_capital,
        member_count: r.member_count,
        alliance_admission_date: r.alliance_admission_date,
        alliance_batch: r.alliance_batch,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
    };
    Some(OrganizationView::from((record, sector, province, district)))
}
