//! Reference data as the API shows it.

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::input::{DistrictKind, ProvinceKind};
use super::{District, Province, Sector};
use crate::domain::SectorGroup;

/// Strong entity tag of a reference row: reference tables keep no version counter, so
/// the tag is a digest of what the API shows.
pub fn tag<T: Serialize>(kind: &str, id: i64, view: &T) -> String {
    let body = serde_json::to_vec(view).unwrap_or_default();
    format!("\"{kind}-{id}-{}\"", crate::text::hex(&Sha256::digest(&body)[..8]))
}

/// A province-level unit, with its period of validity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceView {
    pub id: i64,
    /// Official administrative code.
    #[schema(example = "24")]
    pub code: String,
    #[schema(example = "Bắc Giang")]
    pub name: String,
    pub kind: ProvinceKind,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The unit it became part of when it ceased to exist.
    pub successor_id: Option<i64>,
}

impl From<Province> for ProvinceView {
    fn from(p: Province) -> Self {
        ProvinceView {
            id: p.id,
            code: p.code,
            name: p.name,
            kind: ProvinceKind::from_db(&p.kind),
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            successor_id: p.successor_id,
        }
    }
}

/// A district-level unit (district, provincial city or town).
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    pub id: i64,
    pub province_id: i64,
    #[schema(example = "222")]
    pub code: String,
    #[schema(example = "Việt Yên")]
    pub name: String,
    pub kind: DistrictKind,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<i64>,
}

impl From<District> for DistrictView {
    fn from(d: District) -> Self {
        DistrictView {
            id: d.id,
            province_id: d.province_id,
            code: d.code,
            name: d.name,
            kind: DistrictKind::from_db(&d.kind),
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            successor_id: d.successor_id,
        }
    }
}

/// A sector of activity and the report group it counts in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorView {
    /// What the audit trail names the sector by; records and filters use `code`.
    pub id: i64,
    #[schema(example = "crop_farming")]
    pub code: String,
    #[schema(example = "Trồng trọt")]
    pub name_vi: String,
    #[schema(example = "Crop farming")]
    pub name_en: String,
    pub group: SectorGroup,
}

impl From<Sector> for SectorView {
    fn from(s: Sector) -> Self {
        SectorView {
            id: s.id,
            group: SectorGroup::from_db(&s.sector_group),
            code: s.code,
            name_vi: s.name_vi,
            name_en: s.name_en,
        }
    }
}
