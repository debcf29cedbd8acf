//! Diesel models of cooperatives and unions and their dated histories.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{capital_entries, location_entries, member_entries, organizations};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = organizations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Organization {
    pub id: i64,
    pub kind: String,
    pub registration_number: String,
    pub name: String,
    pub name_en: Option<String>,
    pub abbreviation: Option<String>,
    pub sector_id: i64,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: String,
    pub legal_representative: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub registration_date: NaiveDate,
    pub status: String,
    pub dissolution_date: Option<NaiveDate>,
    pub charter_capital: i64,
    pub member_count: i32,
    pub alliance_admission_date: Option<NaiveDate>,
    pub alliance_batch: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = organizations)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewOrganizationRow {
    pub kind: String,
    pub registration_number: String,
    pub name: String,
    pub name_en: Option<String>,
    pub abbreviation: Option<String>,
    pub name_key: String,
    pub search_text: String,
    pub sector_id: i64,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: String,
    pub legal_representative: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub registration_date: NaiveDate,
    pub status: String,
    pub dissolution_date: Option<NaiveDate>,
    pub charter_capital: i64,
    pub member_count: i32,
    pub alliance_admission_date: Option<NaiveDate>,
    pub alliance_batch: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

/// The columns a PATCH may change; `None` leaves a column as it is.
#[derive(AsChangeset, Debug, Default, PartialEq)]
#[diesel(table_name = organizations)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub name_en: Option<Option<String>>,
    pub abbreviation: Option<Option<String>>,
    pub name_key: Option<String>,
    pub search_text: Option<String>,
    pub sector_id: Option<i64>,
    pub province_id: Option<i64>,
    pub district_id: Option<Option<i64>>,
    pub address: Option<String>,
    pub legal_representative: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub status: Option<String>,
    pub dissolution_date: Option<Option<NaiveDate>>,
    pub charter_capital: Option<i64>,
    pub member_count: Option<i32>,
    pub alliance_admission_date: Option<Option<NaiveDate>>,
    pub alliance_batch: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = capital_entries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CapitalEntry {
    pub id: i64,
    pub organization_id: i64,
    pub effective_date: NaiveDate,
    pub charter_capital: i64,
    pub note: Option<String>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = capital_entries)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewCapitalEntry {
    pub organization_id: i64,
    pub effective_date: NaiveDate,
    pub charter_capital: i64,
    pub note: Option<String>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = member_entries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MemberEntry {
    pub id: i64,
    pub organization_id: i64,
    pub effective_date: NaiveDate,
    pub member_count: i32,
    pub note: Option<String>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = member_entries)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewMemberEntry {
    pub organization_id: i64,
    pub effective_date: NaiveDate,
    pub member_count: i32,
    pub note: Option<String>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = location_entries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
#[diesel(treat_none_as_default_value = false)]
pub struct LocationEntry {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub organization_id: i64,
    pub effective_date: NaiveDate,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: String,
    pub recorded_at: NaiveDateTime,
}
