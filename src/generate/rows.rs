//! The generated units as rows: one Diesel insert per table, in statements and
//! transactions of bounded size (see [`crate::db::bulk`]).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::plan::{self, Kind, Unit};
use crate::db::bulk::{db_error, insert_all, rows_per_statement};
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::organizations::tails;
use crate::schema::{capital_entries, cooperative_groups, location_entries, member_entries, organizations};

fn at_eight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(8, 0, 0).expect("valid time"))
}

#[derive(Insertable)]
#[diesel(table_name = organizations)]
#[diesel(treat_none_as_default_value = false)]
struct OrganizationRow<'a> {
    id: i64,
    kind: &'static str,
    registration_number: &'a str,
    name: &'a str,
    name_en: Option<&'a str>,
    abbreviation: Option<&'a str>,
    name_key: &'a str,
    search_text: String,
    sector_id: i64,
    province_id: i64,
    district_id: Option<i64>,
    address: &'a str,
    legal_representative: &'a str,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    registration_date: NaiveDate,
    status: &'static str,
    dissolution_date: Option<NaiveDate>,
    charter_capital: i64,
    member_count: i32,
    alliance_admission_date: Option<NaiveDate>,
    alliance_batch: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = capital_entries)]
#[diesel(treat_none_as_default_value = false)]
struct CapitalRow {
    organization_id: i64,
    effective_date: NaiveDate,
    charter_capital: i64,
    note: Option<&'static str>,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = member_entries)]
#[diesel(treat_none_as_default_value = false)]
struct MemberRow {
    organization_id: i64,
    effective_date: NaiveDate,
    member_count: i32,
    note: Option<&'static str>,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = location_entries)]
#[diesel(treat_none_as_default_value = false)]
struct LocationRow<'a> {
    organization_id: i64,
    effective_date: NaiveDate,
    province_id: i64,
    district_id: Option<i64>,
    address: &'a str,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = cooperative_groups)]
#[diesel(treat_none_as_default_value = false)]
struct GroupRow<'a> {
    id: i64,
    name: &'a str,
    name_key: String,
    search_text: String,
    sector_id: i64,
    province_id: i64,
    district_id: Option<i64>,
    address: Option<&'a str>,
    representative: Option<&'a str>,
    founding_date: NaiveDate,
    member_count: i32,
    status: &'static str,
    dissolution_date: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

fn status(u: &Unit) -> &'static str {
    if u.dissolved.is_some() {
        "dissolved"
    } else {
        "active"
    }
}

/// The row of unit `u`, whose name's key is `name_key`.
fn organization_row<'a>(u: &'a Unit, name_key: &'a str) -> OrganizationRow<'a> {
    let search_text = format!("{name_key} {}", plan::name_key(&u.registration_number));
    let location = u.location();
    OrganizationRow {
        id: u.id,
        kind: u.kind.key(),
        registration_number: &u.registration_number,
        name: &u.name,
        name_en: None,
        abbreviation: None,
        name_key,
        search_text,
        sector_id: u.sector_id,
        province_id: location.province_id,
        district_id: Some(location.district_id),
        address: &location.address,
        legal_representative: &u.representative,
        phone: u.phone.as_deref(),
        email: None,
        registration_date: u.registered,
        status: status(u),
        dissolution_date: u.dissolved,
        charter_capital: u.capital_now(),
        member_count: u.members_now(),
        alliance_admission_date: u.admitted.as_ref().map(|a| a.0),
        alliance_batch: u.admitted.as_ref().map(|a| a.1.as_str()),
        created_at: at_eight(u.registered),
        updated_at: at_eight(u.last_change()),
        version: u.version(),
    }
}

fn group_row(u: &Unit) -> GroupRow<'_> {
    let name_key = plan::name_key(&u.name);
    let location = u.location();
    GroupRow {
        id: u.id,
        name: &u.name,
        search_text: name_key.clone(),
        name_key,
        sector_id: u.sector_id,
        province_id: location.province_id,
        district_id: Some(location.district_id),
        address: Some(&location.address),
        representative: Some(&u.representative),
        founding_date: u.registered,
        member_count: u.members_now(),
        status: status(u),
        dissolution_date: u.dissolved,
        created_at: at_eight(u.registered),
        updated_at: at_eight(u.last_change()),
        version: u.version(),
    }
}

/// Notes of history entries after the registration, as the demo writes them.
fn change_note(grew: bool, capital: bool) -> Option<&'static str> {
    Some(match (capital, grew) {
        (true, true) => "Tăng vốn điều lệ theo nghị quyết Đại hội thành viên",
        (true, false) => "Giảm vốn điều lệ do thành viên rút vốn góp",
        (false, true) => "Kết nạp thành viên mới",
        (false, false) => "Thành viên ra khỏi hợp tác xã",
    })
}

/// Writes the units (not their statistics); returns the capital, member and location
/// entries written.
pub fn write_units(conn: &mut Conn, units: &[Unit]) -> Result<(usize, usize, usize), ApiError> {
    let organizations: Vec<&Unit> = units.iter().filter(|u| !u.is_group()).collect();
    let groups = units.iter().filter(|u| u.kind == Kind::Group).map(group_row);
    let keys: Vec<(i64, String)> = organizations.iter().map(|u| (u.id, plan::name_key(&u.name))).collect();
    let rows: Vec<OrganizationRow> =
        organizations.iter().zip(&keys).map(|(u, (_, key))| organization_row(u, key)).collect();
    for chunk in rows.chunks(rows_per_statement(25)) {
        on_backend!(conn, c => diesel::insert_into(organizations::table).values(chunk).execute(c))
            .map_err(db_error)?;
    }
    tails::write(
        conn,
        rows.iter().map(|row| tails::Filed {
            id: row.id,
            name_key: row.name_key,
            kind: row.kind,
            status: row.status,
            sector_id: row.sector_id,
            province_id: row.province_id,
            district_id: row.district_id,
            registration_date: row.registration_date,
        }),
    )?;
    insert_all(
        conn,
        groups,
        rows_per_statement(16),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(cooperative_groups::table).values(rows).execute(c)),
    )?;
    let capital = organizations.iter().flat_map(|u| {
        u.capital.iter().enumerate().map(|(i, (day, amount))| CapitalRow {
            organization_id: u.id,
            effective_date: *day,
            charter_capital: *amount,
            note: if i == 0 { None } else { change_note(*amount >= u.capital[i - 1].1, true) },
            recorded_at: at_eight(*day),
        })
    });
    let capital = insert_all(
        conn,
        capital,
        rows_per_statement(5),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(capital_entries::table).values(rows).execute(c)),
    )?;
    let members = organizations.iter().flat_map(|u| {
        u.members.iter().enumerate().map(|(i, (day, count))| MemberRow {
            organization_id: u.id,
            effective_date: *day,
            member_count: *count,
            note: if i == 0 { None } else { change_note(*count >= u.members[i - 1].1, false) },
            recorded_at: at_eight(*day),
        })
    });
    let members = insert_all(
        conn,
        members,
        rows_per_statement(5),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(member_entries::table).values(rows).execute(c)),
    )?;
    let locations = organizations.iter().flat_map(|u| {
        u.locations.iter().map(|l| LocationRow {
            organization_id: u.id,
            effective_date: l.from,
            province_id: l.province_id,
            district_id: Some(l.district_id),
            address: &l.address,
            recorded_at: at_eight(l.from),
        })
    });
    let locations = insert_all(
        conn,
        locations,
        rows_per_statement(6),
        |conn, rows| on_backend!(conn, c => diesel::insert_into(location_entries::table).values(rows).execute(c)),
    )?;
    Ok((capital, members, locations))
}
