//! The demo registry loaded by `serve --demo` and `seed-demo`.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::Db;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::on_backend;
use crate::organizations::input::NewOrganization;
use crate::organizations::store;
use crate::schema::organizations;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// Loads the demo registry into an empty register; returns false (and changes nothing)
/// when the register already holds records.
pub fn load(db: &Db) -> Result<bool, ApiError> {
    db.write_blocking(|conn| {
        let existing: i64 = on_backend!(conn, c => organizations::table.count().get_result(c))?;
        if existing > 0 {
            return Ok(false);
        }
        let units = [
            ("2402000101", "HTX Như Hoa", "crop_farming", 109, day(2016, 3, 14)),
            ("2402000102", "HTX Nông nghiệp Lục Ngạn", "crop_farming", 106, day(2017, 5, 2)),
            ("2402000103", "HTX Chăn nuôi Yên Thế", "livestock", 102, day(2018, 8, 20)),
            ("2402000104", "Quỹ tín dụng nhân dân Hiệp Hòa", "people_credit_fund", 110, day(2015, 1, 9)),
        ];
        for (number, name, sector, district, registered) in units {
            store::create(
                conn,
                OrgKind::Cooperative,
                NewOrganization {
                    registration_number: number.into(),
                    name: name.into(),
                    name_en: None,
                    abbreviation: None,
                    sector: sector.into(),
                    province_id: 1,
                    district_id: Some(district),
                    address: format!("Bắc Giang, district {district}"),
                    legal_representative: "Nguyễn Văn An".into(),
                    phone: None,
                    email: None,
                    registration_date: registered,
                    charter_capital: 1_500_000_000,
                    member_count: 25,
                    alliance_admission_date: None,
                    alliance_batch: None,
                },
            )?;
        }
        Ok(true)
    })
}
