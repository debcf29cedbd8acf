use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::cooperative_groups;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = cooperative_groups)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub sector_id: i64,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: Option<String>,
    pub representative: Option<String>,
    pub founding_date: NaiveDate,
    pub member_count: i32,
    pub status: String,
    pub dissolution_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = cooperative_groups)]
pub struct NewGroupRow {
    pub name: String,
    pub name_key: String,
    pub search_text: String,
    pub sector_id: i64,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: Option<String>,
    pub representative: Option<String>,
    pub founding_date: NaiveDate,
    pub member_count: i32,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(AsChangeset, Debug, Default, PartialEq)]
#[diesel(table_name = cooperative_groups)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub name_key: Option<String>,
    pub search_text: Option<String>,
    pub sector_id: Option<i64>,
    pub province_id: Option<i64>,
    pub district_id: Option<Option<i64>>,
    pub address: Option<Option<String>>,
    pub representative: Option<Option<String>>,
    pub member_count: Option<i32>,
    pub status: Option<String>,
    pub dissolution_date: Option<Option<NaiveDate>>,
    pub updated_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
}
