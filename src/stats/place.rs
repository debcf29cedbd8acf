//! The place and kind of units a statistic is about.

use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use utoipa::ToSchema;

use super::queries::Scope;
use crate::db::Conn;
use crate::error::ApiError;
use crate::organizations::views::UnitRef;
use crate::reference::{self, District, Province};

/// Which kind of unit a breakdown counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    #[default]
    Cooperative,
    Union,
    Group,
}

impl UnitKind {
    pub fn key(self) -> &'static str {
        match self {
            UnitKind::Cooperative => "cooperative",
            UnitKind::Union => "union",
            UnitKind::Group => "group",
        }
    }
}

/// The place a statistic is about, resolved to the keys it covers.
pub struct Place {
    pub scope: Scope,
    pub province: Option<Province>,
    pub district: Option<District>,
}

pub fn resolve_place(
    conn: &mut Conn,
    province: Option<i64>,
    district: Option<i64>,
) -> Result<Place, ApiError> {
    let provinces = reference::all_provinces(conn)?;
    let mut place = Place { scope: Scope::default(), province: None, district: None };
    if let Some(id) = province {
        let found = provinces.iter().find(|p| p.id == id).cloned();
        place.province =
            Some(found.ok_or_else(|| ApiError::bad_request("province", format!("unknown province {id}")))?);
        let pairs: Vec<(i64, Option<i64>)> = provinces.iter().map(|p| (p.id, p.successor_id)).collect();
        place.scope.provinces = Some(reference::with_predecessors(&pairs, id));
    }
    if let Some(id) = district {
        let districts = reference::districts_of(conn, None)?;
        let found = districts.iter().find(|d| d.id == id).cloned();
        let found =
            found.ok_or_else(|| ApiError::bad_request("district", format!("unknown district {id}")))?;
        if place.scope.provinces.as_ref().is_some_and(|ids| !ids.contains(&found.province_id)) {
            return Err(ApiError::bad_request(
                "district",
                format!("district {id} is not in the province asked for"),
            ));
        }
        let pairs: Vec<(i64, Option<i64>)> = districts.iter().map(|d| (d.id, d.successor_id)).collect();
        place.scope.districts = Some(reference::with_predecessors(&pairs, id));
        place.district = Some(found);
    }
    Ok(place)
}

pub fn unit_ref(p: &Option<Province>) -> Option<UnitRef> {
    p.as_ref().map(UnitRef::from)
}

pub fn day_before(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(1)).unwrap_or(day)
}

pub fn year_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("1 January exists")
}
