//! Domain vocabulary shared by the resources: statuses, kinds, sector groups and the
//! rules on dates and amounts that every write obeys.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use validator::ValidationError;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads the text stored in the database (guarded there by a CHECK constraint).
            pub fn from_db(text: &str) -> $name {
                match text {
                    $($text => $name::$variant,)+
                    other => panic!("unexpected {} in the database: {other}", stringify!($name)),
                }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// Where a registered unit stands. Dissolved units leave the active count on their
    /// dissolution date; their records are kept.
    Status { Active => "active", Suspended => "suspended", Dissolved => "dissolved" }
}

text_enum! {
    /// The three sector groups of the provincial reports.
    SectorGroup {
        AgricultureForestryFisheries => "agriculture_forestry_fisheries",
        NonAgriculture => "non_agriculture",
        PeopleCreditFund => "people_credit_fund",
    }
}

text_enum! {
    /// What a token may do: `admin` manages tokens and plan targets; `reviewer` (the
    /// provincial office) decides submissions and edits the register; `district` (a
    /// district steering committee) submits for its district; `analyst` reads everything.
    Role { Admin => "admin", Reviewer => "reviewer", District => "district", Analyst => "analyst" }
}

text_enum! {
    /// Cooperatives and cooperative unions share one table.
    OrgKind { Cooperative => "cooperative", Union => "union" }
}

impl OrgKind {
    /// Singular noun for messages.
    pub fn noun(self) -> &'static str {
        match self {
            OrgKind::Cooperative => "cooperative",
            OrgKind::Union => "cooperative union",
        }
    }
}

/// The earliest date the register accepts: the collective sector is dated from 1945 on.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1945, 1, 1).expect("valid date")
}

/// Today in Vietnam (UTC+7, no daylight saving), the day the register's dates count by.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// 400 unless a range of days given by its first (`from`, in query parameter
/// `from_field`) and last (`to`) runs forward where both are given.
pub fn forward_range(
    from_field: &str,
    from: Option<NaiveDate>,
    to_field: &str,
    to: Option<NaiveDate>,
) -> Result<(), crate::error::ApiError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => {
            Err(crate::error::ApiError::bad_request(from_field, format!("must not be after `{to_field}`")))
        }
        _ => Ok(()),
    }
}

/// The last instant of `day` at the precision the register stores timestamps in: the
/// upper bound of timestamps up to and including `day`. (The start of the next day
/// would be "+10000-01-01" after 9999-12-31, which SQLite's text order puts first.)
pub fn end_of_day(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_micro_opt(23, 59, 59, 999_999).expect("a valid time of day")
}

/// A register date: on or after 1945-01-01 and not in the future.
pub fn register_date(date: &NaiveDate) -> Result<(), ValidationError> {
    if *date < earliest_date() {
        return Err(
            ValidationError::new("date_too_early").with_message("must be on or after 1945-01-01".into())
        );
    }
    if *date > today() {
        return Err(ValidationError::new("date_in_future").with_message("must not be in the future".into()));
    }
    Ok(())
}

/// Non-blank after trimming.
pub fn not_blank(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::new("blank").with_message("must not be blank".into()));
    }
    Ok(())
}

/// Registration numbers as issued by registration offices: letters, digits, `-`, `/`, `.`.
pub fn registration_number(text: &str) -> Result<(), ValidationError> {
    let ok = (3..=32).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'))
        && text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("registration_number").with_message(
            "must be 3 to 32 characters: letters, digits, '-', '/' or '.', starting with a letter or digit"
                .into(),
        ))
    }
}

/// Phone numbers: digits with optional leading `+`, spaces, dots and dashes.
pub fn phone(text: &str) -> Result<(), ValidationError> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let ok = (8..=15).contains(&digits)
        && text.len() <= 24
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-') || (c == '+' && i == 0));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new("phone").with_message("must be a phone number of 8 to 15 digits".into()))
    }
}
