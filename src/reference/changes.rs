//! Adding and changing reference data, each change checked against the rules of
//! `periods` and written to the audit trail in the same transaction.

use chrono::NaiveDate;
use diesel::dsl::max;
use diesel::prelude::*;

use super::input::{NewDistrict, NewProvince, NewSector, SectorChange, UnitChange};
use super::periods::{self, Neighbourhood, Unit};
use super::views::{tag, DistrictView, ProvinceView, SectorView};
use super::{find_district, find_province, find_sector_by_code, District, Province};
use crate::audit::{self, Object};
use crate::auth::Actor;
use crate::db::Conn;
use crate::error::ApiError;
use crate::http::Precondition;
use crate::on_backend;
use crate::schema::{cooperative_groups, districts, location_entries, provinces, sectors};

impl From<&Province> for Unit {
    fn from(p: &Province) -> Unit {
        Unit { id: p.id, name: p.name.clone(), valid_from: p.valid_from, valid_to: p.valid_to }
    }
}

impl From<&District> for Unit {
    fn from(d: &District) -> Unit {
        Unit { id: d.id, name: d.name.clone(), valid_from: d.valid_from, valid_to: d.valid_to }
    }
}

fn obey(n: &Neighbourhood) -> Result<(), ApiError> {
    match periods::check(n) {
        errors if errors.is_empty() => Ok(()),
        errors => Err(ApiError::Validation(errors)),
    }
}

/// Where records of the register may be located.
#[derive(Clone, Copy)]
enum Place {
    Province(i64),
    District(i64),
}

/// The latest day a record was located in the place: a cooperative's or union's
/// location entries (the first is its registration), a group's founding.
fn last_record_day(conn: &mut Conn, place: Place) -> Result<Option<NaiveDate>, ApiError> {
    let (located, founded): (Option<NaiveDate>, Option<NaiveDate>) = match place {
        Place::Province(id) => {
            let located = location_entries::table
                .filter(location_entries::province_id.eq(id))
                .select(max(location_entries::effective_date));
            let founded = cooperative_groups::table
                .filter(cooperative_groups::province_id.eq(id))
                .select(max(cooperative_groups::founding_date));
            on_backend!(conn, c => Ok::<_, diesel::result::Error>((located.first(c)?, founded.first(c)?)))?
        }
        Place::District(id) => {
            let located = location_entries::table
                .filter(location_entries::district_id.eq(id))
                .select(max(location_entries::effective_date));
            let founded = cooperative_groups::table
                .filter(cooperative_groups::district_id.eq(id))
                .select(max(cooperative_groups::founding_date));
            on_backend!(conn, c => Ok::<_, diesel::result::Error>((located.first(c)?, founded.first(c)?)))?
        }
    };
    Ok(located.max(founded))
}

/// A 409 naming `code` when a unit with this code begins on the same day.
fn code_free(taken: bool, code: &str, valid_from: NaiveDate) -> Result<(), ApiError> {
    if taken {
        return Err(ApiError::conflict(
            "code",
            format!("a unit with code {code} beginning on {valid_from} exists"),
        ));
    }
    Ok(())
}

/// The unit an input names as successor: `Some(None)` when no such unit exists.
fn successor_of<T>(
    id: Option<i64>,
    find: impl FnOnce(i64) -> Result<T, ApiError>,
) -> Result<Option<Option<Unit>>, ApiError>
where
    for<'a> Unit: From<&'a T>,
{
    id.map(|id| match find(id) {
        Ok(found) => Ok(Some(Unit::from(&found))),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    })
    .transpose()
}

/// Whether a change moves the unit's end earlier (or gives an open unit an end), the
/// only change that can strand records located in it.
fn ends_earlier(unit: &Unit, was: Option<NaiveDate>) -> bool {
    unit.valid_to.is_some_and(|end| was.is_none_or(|was| end < was))
}

/// The unit after a change, and the successor it would name.
fn changed(current: Unit, current_successor: Option<i64>, change: &UnitChange) -> (Unit, Option<i64>) {
    let unit = Unit {
        name: change.name.clone().unwrap_or(current.name),
        valid_to: change.valid_to.unwrap_or(current.valid_to),
        ..current
    };
    (unit, change.successor_id.unwrap_or(current_successor))
}

// ---- provinces ----------------------------------------------------------------------

pub fn create_province(conn: &mut Conn, actor: &Actor, input: NewProvince) -> Result<i64, ApiError> {
    let taken = provinces::table
        .filter(provinces::code.eq(&input.code))
        .filter(provinces::valid_from.eq(input.valid_from))
        .select(provinces::id);
    code_free(
        on_backend!(conn, c => taken.first::<i64>(c).optional())?.is_some(),
        &input.code,
        input.valid_from,
    )?;
    let unit =
        Unit { id: 0, name: input.name.clone(), valid_from: input.valid_from, valid_to: input.valid_to };
    let successor = successor_of(input.successor_id, |id| find_province(conn, id))?;
    obey(&Neighbourhood {
        unit: &unit,
        successor: successor.as_ref().map(Option::as_ref),
        predecessors: &[],
        parent: None,
        children: &[],
        last_record_day: None,
    })?;
    let row = (
        provinces::code.eq(&input.code),
        provinces::name.eq(input.name.trim()),
        provinces::kind.eq(input.kind.as_str()),
        provinces::valid_from.eq(input.valid_from),
        provinces::valid_to.eq(input.valid_to),
        provinces::successor_id.eq(input.successor_id),
    );
    let id: i64 = on_backend!(conn, c => diesel::insert_into(provinces::table)
        .values(row)
        .returning(provinces::id)
        .get_result(c))?;
    audit::created(conn, actor, "province.create", Object::Province(id))?;
    Ok(id)
}

pub fn change_province(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    change: UnitChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let current = find_province(conn, id)?;
    expected.check(&tag("province", id, &ProvinceView::from(current.clone())))?;
    let (unit, successor_id) = changed(Unit::from(&current), current.successor_id, &change);
    let successor = successor_of(successor_id, |s| find_province(conn, s))?;
    let predecessors = provinces::table.filter(provinces::successor_id.eq(id)).select(provinces::all_columns);
    let predecessors: Vec<Province> = on_backend!(conn, c => predecessors.load(c))?;
    let children = super::districts_of(conn, Some(&[id]))?;
    let last_record_day = if ends_earlier(&unit, current.valid_to) {
        last_record_day(conn, Place::Province(id))?
    } else {
        None
    };
    obey(&Neighbourhood {
        unit: &unit,
        successor: successor.as_ref().map(Option::as_ref),
        predecessors: &predecessors.iter().map(Unit::from).collect::<Vec<_>>(),
        parent: None,
        children: &children.iter().map(Unit::from).collect::<Vec<_>>(),
        last_record_day,
    })?;
    audit::change(conn, actor, "province.update", Object::Province(id), |c| {
        let update = diesel::update(provinces::table.find(id)).set((
            provinces::name.eq(unit.name.trim()),
            provinces::valid_to.eq(unit.valid_to),
            provinces::successor_id.eq(successor_id),
        ));
        on_backend!(c, c => update.execute(c))?;
        Ok(())
    })
}

// ---- districts ----------------------------------------------------------------------

pub fn create_district(conn: &mut Conn, actor: &Actor, input: NewDistrict) -> Result<i64, ApiError> {
    let province = match find_province(conn, input.province_id) {
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::invalid("province_id", format!("unknown province {}", input.province_id)))
        }
        other => other?,
    };
    let taken = districts::table
        .filter(districts::code.eq(&input.code))
        .filter(districts::valid_from.eq(input.valid_from))
        .select(districts::id);
    code_free(
        on_backend!(conn, c => taken.first::<i64>(c).optional())?.is_some(),
        &input.code,
        input.valid_from,
    )?;
    let unit =
        Unit { id: 0, name: input.name.clone(), valid_from: input.valid_from, valid_to: input.valid_to };
    let successor = successor_of(input.successor_id, |id| find_district(conn, id))?;
    obey(&Neighbourhood {
        unit: &unit,
        successor: successor.as_ref().map(Option::as_ref),
        predecessors: &[],
        parent: Some(&Unit::from(&province)),
        children: &[],
        last_record_day: None,
    })?;
    let row = (
        districts::province_id.eq(input.province_id),
        districts::code.eq(&input.code),
        districts::name.eq(input.name.trim()),
        districts::kind.eq(input.kind.as_str()),
        districts::valid_from.eq(input.valid_from),
        districts::valid_to.eq(input.valid_to),
        districts::successor_id.eq(input.successor_id),
    );
    let id: i64 = on_backend!(conn, c => diesel::insert_into(districts::table)
        .values(row)
        .returning(districts::id)
        .get_result(c))?;
    audit::created(conn, actor, "district.create", Object::District(id))?;
    Ok(id)
}

pub fn change_district(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    change: UnitChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let current = find_district(conn, id)?;
    expected.check(&tag("district", id, &DistrictView::from(current.clone())))?;
    let province = find_province(conn, current.province_id)?;
    let (unit, successor_id) = changed(Unit::from(&current), current.successor_id, &change);
    let successor = successor_of(successor_id, |s| find_district(conn, s))?;
    let predecessors = districts::table.filter(districts::successor_id.eq(id)).select(districts::all_columns);
    let predecessors: Vec<District> = on_backend!(conn, c => predecessors.load(c))?;
    let last_record_day = if ends_earlier(&unit, current.valid_to) {
        last_record_day(conn, Place::District(id))?
    } else {
        None
    };
    obey(&Neighbourhood {
        unit: &unit,
        successor: successor.as_ref().map(Option::as_ref),
        predecessors: &predecessors.iter().map(Unit::from).collect::<Vec<_>>(),
        parent: Some(&Unit::from(&province)),
        children: &[],
        last_record_day,
    })?;
    audit::change(conn, actor, "district.update", Object::District(id), |c| {
        let update = diesel::update(districts::table.find(id)).set((
            districts::name.eq(unit.name.trim()),
            districts::valid_to.eq(unit.valid_to),
            districts::successor_id.eq(successor_id),
        ));
        on_backend!(c, c => update.execute(c))?;
        Ok(())
    })
}

// ---- sectors ------------------------------------------------------------------------

pub fn create_sector(conn: &mut Conn, actor: &Actor, input: NewSector) -> Result<i64, ApiError> {
    match find_sector_by_code(conn, &input.code) {
        Ok(_) => return Err(ApiError::conflict("code", format!("sector '{}' exists", input.code))),
        Err(ApiError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let row = (
        sectors::code.eq(&input.code),
        sectors::name_vi.eq(input.name_vi.trim()),
        sectors::name_en.eq(input.name_en.trim()),
        sectors::sector_group.eq(input.group.as_str()),
    );
    let id: i64 = on_backend!(conn, c => diesel::insert_into(sectors::table)
        .values(row)
        .returning(sectors::id)
        .get_result(c))?;
    audit::created(conn, actor, "sector.create", Object::Sector(id))?;
    Ok(id)
}

pub fn change_sector(
    conn: &mut Conn,
    actor: &Actor,
    code: &str,
    change: SectorChange,
    expected: &Precondition,
) -> Result<i64, ApiError> {
    let current = find_sector_by_code(conn, code)?;
    let id = current.id;
    expected.check(&tag("sector", id, &SectorView::from(current.clone())))?;
    audit::change(conn, actor, "sector.update", Object::Sector(id), |c| {
        let update = diesel::update(sectors::table.find(id)).set((
            sectors::name_vi.eq(change.name_vi.as_deref().map_or(current.name_vi.as_str(), str::trim)),
            sectors::name_en.eq(change.name_en.as_deref().map_or(current.name_en.as_str(), str::trim)),
        ));
        on_backend!(c, c => update.execute(c))?;
        Ok(())
    })?;
    Ok(id)
}
