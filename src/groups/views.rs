use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::Group;
use crate::domain::Status;
use crate::organizations::views::{SectorRef, UnitRef};
use crate::reference::{District, Province, Sector};

pub type GroupRow = (Group, Sector, Province, Option<District>);

/// A cooperative group (tổ hợp tác).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    pub sector: SectorRef,
    pub province: UnitRef,
    pub district: Option<UnitRef>,
    pub address: Option<String>,
    pub representative: Option<String>,
    pub founding_date: NaiveDate,
    pub member_count: i32,
    pub status: Status,
    pub dissolution_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<GroupRow> for GroupView {
    fn from((g, sector, province, district): GroupRow) -> Self {
        GroupView {
            id: g.id,
            name: g.name,
            sector: (&sector).into(),
            province: (&province).into(),
            district: district.as_ref().map(Into::into),
            address: g.address,
            representative: g.representative,
            founding_date: g.founding_date,
            member_count: g.member_count,
            status: Status::from_db(&g.status),
            dissolution_date: g.dissolution_date,
            created_at: g.created_at.and_utc(),
            updated_at: g.updated_at.and_utc(),
            version: g.version,
        }
    }
}
