//! Request bodies and query parameters for cooperatives and unions, with their rules.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::{self, Status};
use crate::error::FieldError;
use crate::extract::double_option;

/// Upper bound of one unit's charter capital (1,000 billion đồng): keeps national totals
/// of a million units far inside 64-bit integers.
pub const MAX_CAPITAL: i64 = 1_000_000_000_000;
/// Upper bound of one unit's member count.
pub const MAX_MEMBERS: i32 = 10_000_000;

/// A new cooperative or union. Its capital and member count become the first entries of
/// its histories, dated on the registration date.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// Registration number issued by the registration office; unique in the register.
    #[validate(custom(function = "domain::registration_number"))]
    #[schema(
        example = "2402000123",
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9./-]{2,31}$"
    )]
    pub registration_number: String,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(example = "HTX Như Hoa", min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    #[schema(max_length = 200)]
    pub name_en: Option<String>,
    #[validate(length(max = 50, message = "must be at most 50 characters"))]
    #[schema(max_length = 50)]
    pub abbreviation: Option<String>,
    /// Sector code (see `GET /api/v1/sectors`).
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(example = "crop_farming", min_length = 1, max_length = 64)]
    pub sector: String,
    /// Province valid on the registration date.
    #[schema(example = 1)]
    pub province_id: i64,
    /// District valid on the registration date; required where the province had districts.
    #[schema(example = 109)]
    pub district_id: Option<i64>,
    #[validate(
        length(min = 1, max = 500, message = "must be 1 to 500 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 500)]
    pub address: String,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub legal_representative: String,
    #[validate(custom(function = "domain::phone"))]
    #[schema(example = "0204 3854 123", max_length = 24, pattern = r"^\+?(?:[ .-]*[0-9]){8,15}[ .-]*$")]
    pub phone: Option<String>,
    #[validate(
        email(message = "must be an email address"),
        length(max = 254, message = "must be at most 254 characters")
    )]
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    /// On or after 1945-01-01, not in the future.
    #[validate(custom(function = "domain::register_date"))]
    pub registration_date: NaiveDate,
    /// Charter capital in đồng (VND).
    #[validate(range(min = 0, max = MAX_CAPITAL, message = "must be between 0 and 1000000000000"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64, example = 1_500_000_000_i64)]
    pub charter_capital: i64,
    #[validate(range(min = 0, max = MAX_MEMBERS, message = "must be between 0 and 10000000"))]
    #[schema(minimum = 0, maximum = 10_000_000, example = 25)]
    pub member_count: i32,
    #[validate(custom(function = "domain::register_date"))]
    pub alliance_admission_date: Option<NaiveDate>,
    /// Admission batch, e.g. `2/2021`; needs an admission date.
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    #[schema(example = "2/2021", min_length = 1, max_length = 32)]
    pub alliance_batch: Option<String>,
}

impl NewOrganization {
    /// Rules that span fields.
    pub fn cross_field_errors(&self) -> Vec<FieldError> {
        alliance_errors(self.registration_date, self.alliance_admission_date, self.alliance_batch.as_deref())
    }
}

pub fn alliance_errors(
    registered: NaiveDate,
    admitted: Option<NaiveDate>,
    batch: Option<&str>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if admitted.is_some_and(|d| d < registered) {
        errors.push(FieldError::new("alliance_admission_date", "must not be before the registration date"));
    }
    if batch.is_some() && admitted.is_none() {
        errors.push(FieldError::new("alliance_batch", "needs an alliance_admission_date"));
    }
    errors
}

/// A partial update: absent fields stay as they are, `null` clears an optional field.
/// Capital, members and status have their own routes, which keep their histories.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub name_en: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 50, message = "must be at most 50 characters"))]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub abbreviation: Option<Option<String>>,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub sector: Option<String>,
    /// A move: province, district and address of the new location.
    pub province_id: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub district_id: Option<Option<i64>>,
    #[validate(
        length(min = 1, max = 500, message = "must be 1 to 500 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 500)]
    pub address: Option<String>,
    /// When a change of location took effect (default: today).
    #[validate(custom(function = "domain::register_date"))]
    pub location_effective_date: Option<NaiveDate>,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(function = "domain::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub legal_representative: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "domain::phone"))]
    #[schema(value_type = Option<String>, max_length = 24, pattern = r"^\+?(?:[ .-]*[0-9]){8,15}[ .-]*$")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(
        email(message = "must be an email address"),
        length(max = 254, message = "must be at most 254 characters")
    )]
    #[schema(value_type = Option<String>, format = "email", max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "domain::register_date"))]
    #[schema(value_type = Option<NaiveDate>)]
    pub alliance_admission_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 32)]
    pub alliance_batch: Option<Option<String>>,
}

/// A change of status. Dissolution needs its date and is final.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
    /// Required when `status` is `dissolved`, refused otherwise.
    #[validate(custom(function = "domain::register_date"))]
    pub dissolution_date: Option<NaiveDate>,
}

/// A new charter capital figure from a date on.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCapitalEntry {
    #[validate(custom(function = "domain::register_date"))]
    pub effective_date: NaiveDate,
    #[validate(range(min = 0, max = MAX_CAPITAL, message = "must be between 0 and 1000000000000"))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub charter_capital: i64,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A new member count from a date on.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberEntry {
    #[validate(custom(function = "domain::register_date"))]
    pub effective_date: NaiveDate,
    #[validate(range(min = 0, max = MAX_MEMBERS, message = "must be between 0 and 10000000"))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub member_count: i32,
    #[validate(length(max = 500, message = "must be at most 500 characters"))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Orders a list can be sorted in; `-` sorts descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize, ToSchema)]
pub enum SortKey {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "registration_date")]
    RegistrationDate,
    #[serde(rename = "-registration_date")]
    RegistrationDateDesc,
    #[serde(rename = "registration_number")]
    RegistrationNumber,
    #[serde(rename = "-registration_number")]
    RegistrationNumberDesc,
    /// Best matches of `q` first: names that start with it (by name), then names with a
    /// later word that starts it (by the name from that word on), then the other matches
    /// (by name); the default when `q` is given.
    #[serde(rename = "relevance")]
    Relevance,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Declares a query of the organizations' list: its filters, search and sort, written
/// and documented once, followed by the query's own fields (the list's paging, the
/// export's format).
macro_rules! list_query {
    ($(#[$meta:meta])* pub struct $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// Province id; a province also finds the units of the provinces merged into it.
            pub province: Option<i64>,
            /// District id.
            pub district: Option<i64>,
            /// Sector code.
            #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
            #[param(min_length = 1, max_length = 64)]
            pub sector: Option<String>,
            pub sector_group: Option<$crate::domain::SectorGroup>,
            pub status: Option<$crate::domain::Status>,
            /// Registered on or after this date.
            pub registered_from: Option<::chrono::NaiveDate>,
            /// Registered on or before this date.
            pub registered_to: Option<::chrono::NaiveDate>,
            /// Words to find in the name, English name, abbreviation or registration number,
            /// ignoring case and diacritics (`nhu hoa` finds "HTX Như Hoa").
            #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
            #[param(min_length = 1, max_length = 200)]
            pub q: Option<String>,
            /// Order of the list: `name` by default, `relevance` when `q` is given. By relevance,
            /// names that start with `q` come first (by name), then names with a later word that
            /// starts it (by the name from that word on), then the other matches (by name).
            #[param(inline)]
            pub sort: Option<$crate::organizations::input::SortKey>,
            $($own)*
        }
    };
}
pub(crate) use list_query;

list_query! {
    /// Filters, search and pagination of a list.
    #[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct ListQuery {
        /// Page size, 1 to 200 (default 50).
        #[validate(range(min = 1, max = MAX_LIMIT, message = "must be between 1 and 200"))]
        #[param(minimum = 1, maximum = 200)]
        pub limit: Option<i64>,
        /// `next_cursor` of the previous page.
        #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
        #[param(min_length = 1, max_length = 512)]
        pub cursor: Option<String>,
    }
}
