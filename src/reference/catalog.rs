//! Reference rows in memory and the rules about them.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{all_provinces, all_sectors, districts_of, District, Province, Sector};
use crate::db::Conn;
use crate::error::ApiError;
use crate::on_backend;
use crate::schema::{districts, provinces, sectors};

/// Reference rows held in memory, so that the rules about them are one function whether a
/// change reads the few rows it names or an import reads them all once.
pub struct Catalog {
    provinces: HashMap<i64, Province>,
    districts: HashMap<i64, District>,
    /// District ids per province.
    by_province: HashMap<i64, Vec<i64>>,
    sectors: Vec<Sector>,
}

impl Catalog {
    pub fn new(provinces: Vec<Province>, districts: Vec<District>, sectors: Vec<Sector>) -> Catalog {
        let mut by_province: HashMap<i64, Vec<i64>> = HashMap::new();
        for d in &districts {
            by_province.entry(d.province_id).or_default().push(d.id);
        }
        Catalog {
            provinces: provinces.into_iter().map(|p| (p.id, p)).collect(),
            districts: districts.into_iter().map(|d| (d.id, d)).collect(),
            by_province,
            sectors,
        }
    }

    /// Every province, district and sector.
    pub fn load(conn: &mut Conn) -> Result<Catalog, ApiError> {
        Ok(Catalog::new(all_provinces(conn)?, districts_of(conn, None)?, all_sectors(conn)?))
    }

    /// What checking this location needs: the province, its districts and the district.
    pub(super) fn for_location(
        conn: &mut Conn,
        province_id: i64,
        district_id: Option<i64>,
    ) -> Result<Catalog, ApiError> {
        let province_query = provinces::table.find(province_id).select(provinces::all_columns);
        let district_query = districts::table
            .filter(districts::province_id.eq(province_id).or(districts::id.nullable().eq(district_id)))
            .select(districts::all_columns);
        let (provinces, districts) =
            on_backend!(conn, c => (province_query.load(c)?, district_query.load(c)?));
        Ok(Catalog::new(provinces, districts, vec![]))
    }

    /// What registering a unit needs: its sector and what [`Catalog::for_location`] reads.
    pub fn for_new_unit(
        conn: &mut Conn,
        sector: &str,
        province_id: i64,
        district_id: Option<i64>,
    ) -> Result<Catalog, ApiError> {
        let sector_query = sectors::table.filter(sectors::code.eq(sector)).select(sectors::all_columns);
        let sectors = on_backend!(conn, c => sector_query.load(c))?;
        Ok(Catalog { sectors, ..Catalog::for_location(conn, province_id, district_id)? })
    }

    pub fn provinces(&self) -> impl Iterator<Item = &Province> {
        self.provinces.values()
    }

    pub fn districts(&self) -> impl Iterator<Item = &District> {
        self.districts.values()
    }

    pub fn sectors(&self) -> &[Sector] {
        &self.sectors
    }

    pub fn province(&self, id: i64) -> Option<&Province> {
        self.provinces.get(&id)
    }

    pub fn district(&self, id: i64) -> Option<&District> {
        self.districts.get(&id)
    }

    /// The sector with this id (a scan: there are some fifteen).
    pub fn sector_by_id(&self, id: i64) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.id == id)
    }

    /// The sector with this code, or a 422 naming `field`.
    pub fn sector(&self, code: &str, field: &str) -> Result<&Sector, ApiError> {
        self.sectors
            .iter()
            .find(|s| s.code == code)
            .ok_or_else(|| ApiError::invalid(field, format!("unknown sector code '{code}'")))
    }

    /// See [`super::check_location`].
    pub fn check_location(
        &self,
        province_id: i64,
        district_id: Option<i64>,
        day: NaiveDate,
    ) -> Result<(), ApiError> {
        let province = self
            .province(province_id)
            .ok_or_else(|| ApiError::invalid("province_id", format!("unknown province {province_id}")))?;
        if !province.valid_on(day) {
            return Err(ApiError::invalid(
                "province_id",
                format!("province {} ({}) did not exist on {day}", province.id, province.name),
            ));
        }
        let message = match district_id.map(|id| (id, self.district(id))) {
            Some((id, None)) => Some(format!("unknown district {id}")),
            Some((id, Some(d))) if d.province_id != province_id => {
                Some(format!("district {id} ({}) is not in province {province_id}", d.name))
            }
            Some((id, Some(d))) if !d.valid_on(day) => {
                Some(format!("district {id} ({}) did not exist on {day}", d.name))
            }
            Some(_) => None,
            None => {
                let mut ids = self.by_province.get(&province_id).into_iter().flatten();
                ids.any(|id| self.districts[id].valid_on(day))
                    .then(|| format!("is required: province {province_id} had districts on {day}"))
            }
        };
        match message {
            Some(message) => Err(ApiError::invalid("district_id", message)),
            None => Ok(()),
        }
    }
}
