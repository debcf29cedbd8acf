//! What an administrator sends to add or change reference data.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::domain::{self, text_enum, SectorGroup};
use crate::extract::double_option;

text_enum! {
    /// A province-level unit: a province or a centrally governed city.
    ProvinceKind { Province => "province", Municipality => "municipality" }
}

text_enum! {
    /// A district-level unit: a provincial city, a rural district or a town.
    DistrictKind { City => "city", District => "district", Town => "town" }
}

/// The last day reference periods may name: administrative plans reach years ahead,
/// not centuries.
fn latest_reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date")
}

/// A day a unit may begin or end on: from 1945 (the register's earliest date) to 2100.
/// Unlike register dates it may lie in the future: a reorganisation is decided ahead.
pub fn reference_date(date: &NaiveDate) -> Result<(), ValidationError> {
    if *date < domain::earliest_date() || *date > latest_reference_date() {
        return Err(ValidationError::new("date_out_of_range")
            .with_message("must be between 1945-01-01 and 2100-12-31".into()));
    }
    Ok(())
}

/// An official administrative code: digits only.
fn unit_code(code: &str) -> Result<(), ValidationError> {
    if !(2..=5).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new("unit_code").with_message("must be 2 to 5 digits".into()));
    }
    Ok(())
}

/// A new province-level unit (say, one formed by a merger).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvince {
    /// Official administrative code; unique among units that begin on the same day.
    #[validate(custom(function = "unit_code"))]
    #[schema(example = "24", pattern = "^[0-9]{2,5}$")]
    pub code: String,
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(example = "Bắc Ninh", min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: ProvinceKind,
    /// First day of the unit.
    #[validate(custom(function = "reference_date"))]
    pub valid_from: NaiveDate,
    /// Last day of the unit, when it has ceased (or will cease) to exist.
    #[validate(custom(function = "reference_date"))]
    pub valid_to: Option<NaiveDate>,
    /// The unit it became part of; it must exist the day after `valid_to`.
    pub successor_id: Option<i64>,
}

/// A new district-level unit of a province.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDistrict {
    /// The province it lies in; its period must lie within the province's.
    #[schema(example = 1)]
    pub province_id: i64,
    /// Official administrative code; unique among units that begin on the same day.
    #[validate(custom(function = "unit_code"))]
    #[schema(example = "222", pattern = "^[0-9]{2,5}$")]
    pub code: String,
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(example = "Việt Yên", min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: DistrictKind,
    #[validate(custom(function = "reference_date"))]
    pub valid_from: NaiveDate,
    #[validate(custom(function = "reference_date"))]
    pub valid_to: Option<NaiveDate>,
    /// The district-level unit it became part of; it must exist the day after `valid_to`.
    pub successor_id: Option<i64>,
}

/// A change to a province- or district-level unit: a new name, or its end (and the unit
/// it merged into). The code, kind, province and first day are fixed once recorded:
/// records and statistics of the past refer to them.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitChange {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Last day of the unit; `null` reopens it (it must then have no successor).
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "reference_date"))]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
    /// The unit it became part of; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub successor_id: Option<Option<i64>>,
}

/// A new sector of activity. Its report group is fixed once recorded: changing it would
/// rewrite the statistics of every past year.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSector {
    /// Stable identifier used by records and filters.
    #[validate(custom(function = "sector_code"))]
    #[schema(example = "medicinal_herbs", pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub code: String,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(example = "Dược liệu", min_length = 1, max_length = 200)]
    pub name_vi: String,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(example = "Medicinal herbs", min_length = 1, max_length = 200)]
    pub name_en: String,
    pub group: SectorGroup,
}

/// New names for a sector.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectorChange {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name_vi: Option<String>,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: Option<String>,
}

/// A sector code: lower-case snake case, as the register's codes are.
fn sector_code(code: &str) -> Result<(), ValidationError> {
    let mut bytes = code.bytes();
    let starts_well = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    if !starts_well
        || code.len() > 64
        || !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ValidationError::new("sector_code").with_message(
            "must be 1 to 64 lower-case letters, digits or '_', starting with a letter".into(),
        ));
    }
    Ok(())
}
