use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::{self, SectorGroup, Status};
use crate::extract::double_option;
use crate::organizations::input::{MAX_LIMIT, MAX_MEMBERS};

/// A new cooperative group.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(example = "Tổ hợp tác trồng vải thiều Thanh Hà", min_length = 1, max_length = 200)]
    pub name: String,
    /// Sector code (see `GET /api/v1/sectors`).
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(example = "crop_farming", min_length = 1, max_length = 64)]
    pub sector: String,
    /// Province valid on the founding date.
    pub province_id: i64,
    /// District valid on the founding date; required where the province had districts.
    pub district_id: Option<i64>,
    #[validate(
        length(min = 1, max = 500, message = "must be 1 to 500 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 500)]
    pub address: Option<String>,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub representative: Option<String>,
    /// On or after 1945-01-01, not in the future.
    #[validate(custom(function = "domain::register_date"))]
    pub founding_date: NaiveDate,
    #[validate(range(min = 0, max = MAX_MEMBERS, message = "must be between 0 and 10000000"))]
    #[schema(minimum = 0, maximum = 10_000_000, example = 12)]
    pub member_count: i32,
}

/// A partial update; `null` clears an optional field.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub sector: Option<String>,
    pub province_id: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub district_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub representative: Option<Option<String>>,
    #[validate(range(min = 0, max = MAX_MEMBERS, message = "must be between 0 and 10000000"))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub member_count: Option<i32>,
}

/// A change of status; dissolution needs its date and is final.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupStatusChange {
    pub status: Status,
    /// Required when `status` is `dissolved`, refused otherwise.
    #[validate(custom(function = "domain::register_date"))]
    pub dissolution_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize, ToSchema)]
pub enum GroupSort {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "founding_date")]
    FoundingDate,
    #[serde(rename = "-founding_date")]
    FoundingDateDesc,
}

/// Filters, search and pagination of cooperative groups.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GroupListQuery {
    /// Province id; a province also finds the groups of the provinces merged into it.
    pub province: Option<i64>,
    /// District id.
    pub district: Option<i64>,
    /// Sector code.
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[param(min_length = 1, max_length = 64)]
    pub sector: Option<String>,
    pub sector_group: Option<SectorGroup>,
    pub status: Option<Status>,
    /// Founded on or after this date.
    pub founded_from: Option<NaiveDate>,
    /// Founded on or before this date.
    pub founded_to: Option<NaiveDate>,
    /// Words to find in the name, ignoring case and diacritics.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// Order of the list: `name` by default.
    #[param(inline)]
    pub sort: Option<GroupSort>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = MAX_LIMIT, message = "must be between 1 and 200"))]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}
