//! Writes to cooperatives and unions. Every change of a record goes through here, in the
//! caller's transaction, and bumps the record's version (new records, one at a time or
//! imported in batches, are written by [`super::create`]).

use chrono::{NaiveDate, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

pub use super::create::create;
use super::create::{fail_if_any, search_text};
use super::input::{self, OrganizationPatch, StatusChange};
use super::model::{
    CapitalEntry, LocationEntry, MemberEntry, NewCapitalEntry, NewMemberEntry, Organization,
    OrganizationChanges,
};
use super::queries::find_plain;
use super::tails;
use crate::db::Conn;
use crate::domain::{self, OrgKind, Status};
use crate::error::ApiError;
use crate::http::{etag, Precondition};
use crate::on_backend;
use crate::reference;
use crate::schema::{capital_entries, location_entries, member_entries, organizations};
use crate::stats::ledger;
use crate::text::{clean, clean_optional, fold};
use crate::unions::memberships;

/// The time a change is recorded at, at the precision both backends store.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Runs a change to unit `id` and records what it does to the statistics, in the same
/// transaction.
fn tracked<T>(
    conn: &mut Conn,
    id: i64,
    change: impl FnOnce(&mut Conn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let before = ledger::organization_life(conn, id)?.contribution();
    let result = change(conn)?;
    let after = ledger::organization_life(conn, id)?.contribution();
    ledger::settle(conn, &before, &after)?;
    Ok(result)
}

/// 412 unless the record is still the version the client's `If-Match` names.
fn check_version(current: &Organization, expected: &Precondition) -> Result<(), ApiError> {
    expected.check(&etag(&current.kind, current.id, current.version))
}

/// Applies `changes` if the record is still at the version read, and bumps the version;
/// a concurrent writer that got there first makes this a 412.
fn save(conn: &mut Conn, current: &Organization, mut changes: OrganizationChanges) -> Result<(), ApiError> {
    if changes == OrganizationChanges::default() {
        // A change that names nothing (`PATCH {}`) leaves the record and its version.
        return Ok(());
    }
    changes.version = Some(current.version + 1);
    changes.updated_at = Some(now());
    let target = organizations::table
        .filter(organizations::id.eq(current.id))
        .filter(organizations::version.eq(current.version));
    let renamed = changes.name_key.as_ref().filter(|key| **key != fold(&current.name)).cloned();
    let updated = on_backend!(conn, c => diesel::update(target).set(&changes).execute(c))?;
    if updated == 1 {
        if let Some(key) = renamed {
            // The tails carry the record's filtered columns as this change leaves them.
            let saved = find_plain(conn, OrgKind::from_db(&current.kind), current.id)?;
            tails::replace(conn, &saved, &key)?;
        }
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed("the record was changed concurrently; read it again".into()))
    }
}

fn update_untracked(
    conn: &mut Conn,
    kind: OrgKind,
    id: i64,
    patch: OrganizationPatch,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let current = find_plain(conn, kind, id)?;
    check_version(&current, expected)?;
    let mut changes = OrganizationChanges::default();
    let moves = patch.province_id.is_some() || patch.district_id.is_some() || patch.address.is_some();
    if moves {
        move_location(conn, &current, &patch, &mut changes)?;
    } else if patch.location_effective_date.is_some() {
        return Err(ApiError::invalid(
            "location_effective_date",
            "only goes with a change of province, district or address",
        ));
    }

    let name = patch.name.map(|n| clean(&n));
    let name_en = patch.name_en.map(clean_optional);
    let abbreviation = patch.abbreviation.map(clean_optional);
    if name.is_some() || name_en.is_some() || abbreviation.is_some() {
        let n = name.clone().unwrap_or_else(|| current.name.clone());
        let en = name_en.clone().unwrap_or_else(|| current.name_en.clone());
        let ab = abbreviation.clone().unwrap_or_else(|| current.abbreviation.clone());
        changes.name_key = Some(fold(&n));
        changes.search_text =
            Some(search_text(&n, en.as_deref(), ab.as_deref(), &current.registration_number));
    }
    changes.name = name;
    changes.name_en = name_en;
    changes.abbreviation = abbreviation;
    if let Some(code) = &patch.sector {
        changes.sector_id = Some(reference::sector_by_code(conn, code, "sector")?.id);
    }
    changes.legal_representative = patch.legal_representative.map(|s| clean(&s));
    changes.phone = patch.phone.map(clean_optional);
    changes.email = patch.email.map(clean_optional);

    let admitted = patch.alliance_admission_date.unwrap_or(current.alliance_admission_date);
    let batch = patch.alliance_batch.clone().unwrap_or_else(|| current.alliance_batch.clone());
    fail_if_any(input::alliance_errors(current.registration_date, admitted, batch.as_deref()))?;
    changes.alliance_admission_date = patch.alliance_admission_date;
    changes.alliance_batch = patch.alliance_batch.map(clean_optional);

    save(conn, &current, changes)
}

/// Records a change of address as a dated location entry, in the units valid that day.
fn move_location(
    conn: &mut Conn,
    current: &Organization,
    patch: &OrganizationPatch,
    changes: &mut OrganizationChanges,
) -> Result<(), ApiError> {
    let province_id = patch.province_id.unwrap_or(current.province_id);
    // A new province without a district names no district of the old one.
    let district_id = match (patch.district_id, patch.province_id) {
        (Some(d), _) => d,
        (None, Some(p)) if p != current.province_id => None,
        (None, _) => current.district_id,
    };
    let address = patch.address.as_deref().map(clean).unwrap_or_else(|| current.address.clone());
    if (province_id, district_id, address.as_str())
        == (current.province_id, current.district_id, current.address.as_str())
    {
        // The client sent back the location it read: nothing moves.
        return Ok(());
    }
    if current.status == Status::Dissolved.as_str() {
        return Err(ApiError::conflict("status", "a dissolved unit cannot move"));
    }
    let day = patch.location_effective_date.unwrap_or_else(domain::today);
    let latest_query = location_entries::table
        .filter(location_entries::organization_id.eq(current.id))
        .select(diesel::dsl::max(location_entries::effective_date));
    let latest: Option<NaiveDate> = on_backend!(conn, c => latest_query.first(c))?;
    if day < current.registration_date || latest.is_some_and(|l| day <= l) {
        return Err(ApiError::invalid(
            "location_effective_date",
            format!(
                "must be after the latest recorded location ({})",
                latest.unwrap_or(current.registration_date)
            ),
        ));
    }
    reference::check_location(conn, province_id, district_id, day)?;
    let entry = LocationEntry {
        id: 0,
        organization_id: current.id,
        effective_date: day,
        province_id,
        district_id,
        address: address.clone(),
        recorded_at: now(),
    };
    on_backend!(conn, c => diesel::insert_into(location_entries::table).values(&entry).execute(c))?;
    changes.province_id = Some(province_id);
    changes.district_id = Some(district_id);
    changes.address = Some(address);
    Ok(())
}

fn change_status_untracked(
    conn: &mut Conn,
    kind: OrgKind,
    id: i64,
    change: StatusChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let current = find_plain(conn, kind, id)?;
    check_version(&current, expected)?;
    if current.status == Status::Dissolved.as_str() {
        return Err(ApiError::conflict(
            "status",
            format!("the {} is dissolved; dissolution is final", kind.noun()),
        ));
    }
    let mut changes =
        OrganizationChanges { status: Some(change.status.as_str().into()), ..Default::default() };
    match (change.status, change.dissolution_date) {
        (Status::Dissolved, None) => {
            return Err(ApiError::invalid("dissolution_date", "is required to dissolve"));
        }
        (Status::Dissolved, Some(day)) => {
            let last = latest_entry_date(conn, current.id)?;
            if day < last {
                return Err(ApiError::invalid(
                    "dissolution_date",
                    format!("must not be before the registration or the latest history entry ({last})"),
                ));
            }
            memberships::check_end_by(conn, current.id, day)?;
            changes.dissolution_date = Some(Some(day));
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid("dissolution_date", "only goes with status dissolved"));
        }
        (status, None) if status.as_str() == current.status => return Ok(()),
        (_, None) => {}
    }
    save(conn, &current, changes)
}

/// The latest date in the unit's histories (at least its registration date).
fn latest_entry_date(conn: &mut Conn, id: i64) -> Result<NaiveDate, ApiError> {
    use diesel::dsl::max;
    let dates: [Option<NaiveDate>; 4] = on_backend!(conn, c => {
        [
            organizations::table.find(id).select(organizations::registration_date.nullable()).first(c)?,
            capital_entries::table.filter(capital_entries::organization_id.eq(id)).select(max(capital_entries::effective_date)).first(c)?,
            member_entries::table.filter(member_entries::organization_id.eq(id)).select(max(member_entries::effective_date)).first(c)?,
            location_entries::table.filter(location_entries::organization_id.eq(id)).select(max(location_entries::effective_date)).first(c)?,
        ]
    });
    Ok(dates.into_iter().flatten().max().unwrap_or_else(domain::earliest_date))
}

/// Checks a history entry's date against the unit's life and rejects a second entry on
/// the same day.
fn check_entry_date(current: &Organization, day: NaiveDate, taken: bool) -> Result<(), ApiError> {
    if day < current.registration_date {
        return Err(ApiError::invalid(
            "effective_date",
            format!("must not be before the registration date {}", current.registration_date),
        ));
    }
    if current.dissolution_date.is_some_and(|d| day > d) {
        return Err(ApiError::invalid("effective_date", "must not be after the dissolution date"));
    }
    if taken {
        return Err(ApiError::conflict("effective_date", format!("an entry for {day} exists already")));
    }
    Ok(())
}

/// Defines the write of one entry of a history (`$table`, whose `$value` column the
/// record carries as its current figure): the entry is refused on a day that has one
/// already or outside the unit's life, and the record takes the latest entry's value.
macro_rules! add_entry {
    ($name:ident, $table:ident, $input:ty, $new:ident, $entry:ty, $value:ident) => {
        fn $name(
            conn: &mut Conn,
            kind: OrgKind,
            id: i64,
            entry: $input,
            expected: &Precondition,
        ) -> Result<$entry, ApiError> {
            let current = find_plain(conn, kind, id)?;
            check_version(&current, expected)?;
            let same_day = $table::table
                .filter($table::organization_id.eq(id))
                .filter($table::effective_date.eq(entry.effective_date))
                .select($table::id);
            let taken = on_backend!(conn, c => same_day.first::<i64>(c).optional())?.is_some();
            check_entry_date(&current, entry.effective_date, taken)?;
            let row = $new {
                organization_id: id,
                effective_date: entry.effective_date,
                $value: entry.$value,
                note: clean_optional(entry.note),
                recorded_at: now(),
            };
            let latest = $table::table
                .filter($table::organization_id.eq(id))
                .order($table::effective_date.desc())
                .select($table::all_columns);
            let (inserted, latest): ($entry, $entry) = on_backend!(conn, c => {
                let inserted = diesel::insert_into($table::table)
                    .values(&row)
                    .returning($table::all_columns)
                    .get_result(c)?;
                (inserted, latest.first(c)?)
            });
            save(conn, &current, OrganizationChanges { $value: Some(latest.$value), ..Default::default() })?;
            Ok(inserted)
        }
    };
}

add_entry!(
    add_capital_untracked,
    capital_entries,
    input::NewCapitalEntry,
    NewCapitalEntry,
    CapitalEntry,
    charter_capital
);
add_entry!(
    add_members_untracked,
    member_entries,
    input::NewMemberEntry,
    NewMemberEntry,
    MemberEntry,
    member_count
);

pub fn update(
    conn: &mut Conn,
    kind: OrgKind,
    id: i64,
    patch: OrganizationPatch,
    expected: &Precondition,
) -> Result<(), ApiError> {
    find_plain(conn, kind, id)?;
    tracked(conn, id, |c| update_untracked(c, kind, id, patch, expected))
}

pub fn change_status(
    conn: &mut Conn,
    kind: OrgKind,
    id: i64,
    change: StatusChange,
    expected: &Precondition,
) -> Result<(), ApiError> {
    find_plain(conn, kind, id)?;
    tracked(conn, id, |c| change_status_untracked(c, kind, id, change, expected))
}

pub fn add_capital(
    conn: &mut Conn,
    kind: OrgKind,
    id: i64,
    entry: input::NewCapitalEntry,
    expected: &Precondition,
) -> Result<CapitalEntry, ApiError> {
    find_plain(conn, kind, id)?;
    tracked(conn, id, |c| add_capital_untracked(c, kind, id, entry, expected))
}

pub fn add_members(
    conn: &mut Conn,
    kind: OrgKind,
    id: i64,
    entry: input::NewMemberEntry,
    expected: &Precondition,
) -> Result<MemberEntry, ApiError> {
    find_plain(conn, kind, id)?;
    tracked(conn, id, |c| add_members_untracked(c, kind, id, entry, expected))
}
