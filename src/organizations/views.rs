//! JSON views of cooperatives and unions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{CapitalEntry, LocationEntry, MemberEntry, Organization};
use crate::domain::{OrgKind, SectorGroup, Status};
use crate::reference::{District, Province, Sector};

/// An organization row with the reference rows its view names.
pub type OrganizationRow = (Organization, Sector, Province, Option<District>);

/// A sector as it appears inside a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorRef {
    #[schema(example = "crop_farming")]
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub group: SectorGroup,
}

impl From<&Sector> for SectorRef {
    fn from(s: &Sector) -> Self {
        SectorRef {
            code: s.code.clone(),
            name_vi: s.name_vi.clone(),
            name_en: s.name_en.clone(),
            group: SectorGroup::from_db(&s.sector_group),
        }
    }
}

/// An administrative unit as it appears inside a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl From<&Province> for UnitRef {
    fn from(p: &Province) -> Self {
        UnitRef { id: p.id, code: p.code.clone(), name: p.name.clone() }
    }
}

impl From<&District> for UnitRef {
    fn from(d: &District) -> Self {
        UnitRef { id: d.id, code: d.code.clone(), name: d.name.clone() }
    }
}

/// A cooperative (HTX) or cooperative union (liên hiệp HTX) of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: i64,
    pub kind: OrgKind,
    #[schema(example = "2402000123")]
    pub registration_number: String,
    #[schema(example = "HTX Như Hoa")]
    pub name: String,
    pub name_en: Option<String>,
    pub abbreviation: Option<String>,
    pub sector: SectorRef,
    /// The province of its current address, as the unit of that time.
    pub province: UnitRef,
    pub district: Option<UnitRef>,
    pub address: String,
    pub legal_representative: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub registration_date: NaiveDate,
    pub status: Status,
    pub dissolution_date: Option<NaiveDate>,
    /// Current charter capital in đồng (VND), from the latest capital entry.
    #[schema(example = 1_500_000_000_i64)]
    pub charter_capital: i64,
    /// Current member count, from the latest member entry.
    pub member_count: i32,
    /// When it was admitted to the provincial cooperative alliance.
    pub alliance_admission_date: Option<NaiveDate>,
    /// The admission batch, e.g. `2/2021`.
    pub alliance_batch: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change; the ETag carries it.
    pub version: i32,
}

impl From<OrganizationRow> for OrganizationView {
    fn from((o, sector, province, district): OrganizationRow) -> Self {
        OrganizationView::new(o, &sector, &province, district.as_ref())
    }
}

impl OrganizationView {
    /// The view of `o`, with the reference rows it names.
    pub fn new(o: Organization, sector: &Sector, province: &Province, district: Option<&District>) -> Self {
        OrganizationView {
            id: o.id,
            kind: OrgKind::from_db(&o.kind),
            registration_number: o.registration_number,
            name: o.name,
            name_en: o.name_en,
            abbreviation: o.abbreviation,
            sector: sector.into(),
            province: province.into(),
            district: district.map(Into::into),
            address: o.address,
            legal_representative: o.legal_representative,
            phone: o.phone,
            email: o.email,
            registration_date: o.registration_date,
            status: Status::from_db(&o.status),
            dissolution_date: o.dissolution_date,
            charter_capital: o.charter_capital,
            member_count: o.member_count,
            alliance_admission_date: o.alliance_admission_date,
            alliance_batch: o.alliance_batch,
            created_at: o.created_at.and_utc(),
            updated_at: o.updated_at.and_utc(),
            version: o.version,
        }
    }
}

/// A dated charter capital figure.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapitalEntryView {
    pub id: i64,
    pub effective_date: NaiveDate,
    /// Charter capital in đồng (VND) from this date on.
    pub charter_capital: i64,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

impl From<CapitalEntry> for CapitalEntryView {
    fn from(e: CapitalEntry) -> Self {
        CapitalEntryView {
            id: e.id,
            effective_date: e.effective_date,
            charter_capital: e.charter_capital,
            note: e.note,
            recorded_at: e.recorded_at.and_utc(),
        }
    }
}

/// A dated member count.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberEntryView {
    pub id: i64,
    pub effective_date: NaiveDate,
    /// Number of members from this date on.
    pub member_count: i32,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

impl From<MemberEntry> for MemberEntryView {
    fn from(e: MemberEntry) -> Self {
        MemberEntryView {
            id: e.id,
            effective_date: e.effective_date,
            member_count: e.member_count,
            note: e.note,
            recorded_at: e.recorded_at.and_utc(),
        }
    }
}

/// Where the unit was registered from a date on, in the administrative units of that time.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationEntryView {
    pub id: i64,
    pub effective_date: NaiveDate,
    pub province_id: i64,
    pub district_id: Option<i64>,
    pub address: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<LocationEntry> for LocationEntryView {
    fn from(e: LocationEntry) -> Self {
        LocationEntryView {
            id: e.id,
            effective_date: e.effective_date,
            province_id: e.province_id,
            district_id: e.district_id,
            address: e.address,
            recorded_at: e.recorded_at.and_utc(),
        }
    }
}
