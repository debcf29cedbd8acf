//! The demo registry loaded by `serve --demo` and `seed-demo`: a deterministic, realistic
//! register of Bắc Giang (2015–2024) and Thái Bình (2016–2019) that reproduces the figures
//! the source documents publish (1,116 Bắc Giang cooperatives at the end of 2023, 731 /
//! 365 / 20 by sector group, 2,772 billion đồng of charter capital, 42,153 members, 101
//! new cooperatives in 2023 against a plan of 50, 961 cooperatives at the end of Q1 2022
//! with 12 new in that quarter, 14 units admitted to the alliance in batch 2/2021; 8 new
//! cooperatives and the first union of Thái Bình in 2018).
//!
//! The registry is planned in memory first ([`plan`]), then written in date order, a
//! transaction per [`EVENTS_PER_TRANSACTION`] events. Cooperatives, unions and every history change go through the
//! organization changes the API makes, so whatever they maintain alongside (statistics,
//! the audit trail, where each entry names the command line as its actor) is kept as for
//! any other write.

mod places;
mod plan;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::audit::{self, Object};
use crate::auth::Actor;
use crate::db::{Conn, Db};
use crate::domain::Status;
use crate::error::ApiError;
use crate::extract::validate;
use crate::http::Precondition;
use crate::on_backend;
use crate::organizations::input::{NewCapitalEntry, NewMemberEntry, NewOrganization, StatusChange};
use crate::organizations::{changes, store};
use crate::schema::{cooperative_groups, organizations, sectors, union_memberships};
use crate::stats::ledger;
use crate::stats::plans::set_target;
use crate::text::fold;

use plan::{Plan, Unit};

/// Loads the demo registry into an empty register, in transactions of a few hundred
/// changes; returns false (and changes nothing) when the register already holds records.
pub fn load(db: &Db) -> Result<bool, ApiError> {
    let existing: i64 =
        db.read_blocking(|conn| Ok(on_backend!(conn, c => organizations::table.count().get_result(c))?))?;
    if existing > 0 {
        return Ok(false);
    }
    let plan = plan::build();
    write_units(db, &plan)?;
    db.write_blocking(|conn| {
        write_memberships(conn, &plan)?;
        write_groups(conn, &plan)?;
        for t in &plan.targets {
            set_target(conn, t.province_id, None, t.year, t.quarter, t.target)?;
        }
        Ok(true)
    })
}

/// One change of the register, in the order the events happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Register,
    Capital(usize),
    Members(usize),
    Dissolve,
}

fn events(plan: &Plan) -> Vec<(NaiveDate, Step, usize)> {
    let mut events = Vec::new();
    for (i, u) in plan.units.iter().enumerate() {
        events.push((u.registered, Step::Register, i));
        events.extend(u.capital.iter().enumerate().skip(1).map(|(e, (d, _))| (*d, Step::Capital(e), i)));
        events.extend(u.members.iter().enumerate().skip(1).map(|(e, (d, _))| (*d, Step::Members(e), i)));
        if let Some(d) = u.dissolved {
            events.push((d, Step::Dissolve, i));
        }
    }
    // By day; within a day registrations first and dissolutions last.
    events.sort_by_key(|&(d, step, i)| {
        let rank = match step {
            Step::Register => 0,
            Step::Capital(_) => 1,
            Step::Members(_) => 2,
            Step::Dissolve => 3,
        };
        (d, rank, i, step)
    });
    events
}

fn new_organization(u: &Unit) -> NewOrganization {
    NewOrganization {
        registration_number: u.registration_number.clone(),
        name: u.name.clone(),
        name_en: None,
        abbreviation: None,
        sector: u.sector.into(),
        province_id: u.province_id,
        district_id: Some(u.district_id),
        address: u.address.clone(),
        legal_representative: u.legal_representative.clone(),
        phone: u.phone.clone(),
        email: u.email.clone(),
        registration_date: u.registered,
        charter_capital: u.capital[0].1,
        member_count: u.members[0].1,
        alliance_admission_date: u.alliance.map(|a| a.0),
        alliance_batch: u.alliance.map(|a| a.1.to_owned()),
    }
}

fn capital_note(before: i64, after: i64) -> &'static str {
    if after >= before {
        "Tăng vốn điều lệ theo nghị quyết Đại hội thành viên"
    } else {
        "Giảm vốn điều lệ do thành viên rút vốn góp"
    }
}

fn members_note(u: &Unit, before: i32, after: i32) -> &'static str {
    match (u.kind, after >= before) {
        (crate::domain::OrgKind::Union, true) => "Kết nạp hợp tác xã thành viên",
        (crate::domain::OrgKind::Union, false) => "Hợp tác xã thành viên ra khỏi liên hiệp",
        (_, true) => "Kết nạp thành viên mới",
        (_, false) => "Thành viên ra khỏi hợp tác xã",
    }
}

/// Changes per transaction of the demo load. Every change updates the statistics rows of
/// its province and of the nation; PostgreSQL keeps each version of a row a transaction
/// updated until it ends, so one transaction for the whole load would slow to a crawl.
const EVENTS_PER_TRANSACTION: usize = 200;

/// Registers every cooperative and union and records their histories and dissolutions
/// through the store, in date order.
fn write_units(db: &Db, plan: &Plan) -> Result<(), ApiError> {
    let mut ids: Vec<Option<i64>> = vec![None; plan.units.len()];
    for chunk in events(plan).chunks(EVENTS_PER_TRANSACTION) {
        db.write_blocking(|conn| write_events(conn, plan, chunk, &mut ids))?;
    }
    Ok(())
}

fn write_events(
    conn: &mut Conn,
    plan: &Plan,
    events: &[(NaiveDate, Step, usize)],
    ids: &mut [Option<i64>],
) -> Result<(), ApiError> {
    let actor = Actor::command_line();
    let id_of = |ids: &[Option<i64>], i: usize| {
        ids[i].ok_or_else(|| ApiError::Internal(format!("demo unit {i} changed before its registration")))
    };
    for &(day, step, i) in events {
        let u = &plan.units[i];
        match step {
            Step::Register => {
                let input = new_organization(u);
                validate(&input)?;
                ids[i] = Some(changes::register(conn, &actor, u.kind, input)?);
            }
            Step::Capital(e) => {
                let entry = NewCapitalEntry {
                    effective_date: day,
                    charter_capital: u.capital[e].1,
                    note: Some(capital_note(u.capital[e - 1].1, u.capital[e].1).into()),
                };
                validate(&entry)?;
                changes::add_capital(conn, &actor, u.kind, id_of(ids, i)?, entry, &Precondition::None)?;
            }
            Step::Members(e) => {
                let entry = NewMemberEntry {
                    effective_date: day,
                    member_count: u.members[e].1,
                    note: Some(members_note(u, u.members[e - 1].1, u.members[e].1).into()),
                };
                validate(&entry)?;
                changes::add_members(conn, &actor, u.kind, id_of(ids, i)?, entry, &Precondition::None)?;
            }
            Step::Dissolve => {
                let change = StatusChange { status: Status::Dissolved, dissolution_date: Some(day) };
                validate(&change)?;
                changes::change_status(conn, &actor, u.kind, id_of(ids, i)?, change, &Precondition::None)?;
            }
        }
    }
    Ok(())
}

/// Id of a unit by its (unique) registration number.
fn unit_id(conn: &mut Conn, u: &Unit) -> Result<i64, ApiError> {
    let query = organizations::table
        .filter(organizations::registration_number.eq(&u.registration_number))
        .select(organizations::id);
    Ok(on_backend!(conn, c => query.first(c))?)
}

fn write_memberships(conn: &mut Conn, plan: &Plan) -> Result<(), ApiError> {
    let at = store::now();
    for m in &plan.memberships {
        let union_id = unit_id(conn, &plan.units[m.union])?;
        let cooperative_id = unit_id(conn, &plan.units[m.cooperative])?;
        let row = (
            union_memberships::union_id.eq(union_id),
            union_memberships::cooperative_id.eq(cooperative_id),
            union_memberships::joined_on.eq(m.joined),
            union_memberships::left_on.eq(m.left),
            union_memberships::recorded_at.eq(at),
        );
        let id: i64 = on_backend!(conn, c => diesel::insert_into(union_memberships::table)
            .values(row)
            .returning(union_memberships::id)
            .get_result(c))?;
        audit::created(conn, &Actor::command_line(), "membership.join", Object::Membership(id))?;
    }
    Ok(())
}

/// Cooperative groups (tổ hợp tác), some of them dissolved. A group's create takes no
/// status or dissolution, so they are written here directly, in one step, with the
/// columns its create would fill, recorded in the statistics ledger and the audit trail
/// as its create does.
fn write_groups(conn: &mut Conn, plan: &Plan) -> Result<(), ApiError> {
    let at = store::now();
    for g in &plan.groups {
        let sector_query = sectors::table.filter(sectors::code.eq(g.sector)).select(sectors::id);
        let sector_id: i64 = on_backend!(conn, c => sector_query.first(c))?;
        let status = if g.dissolved.is_some() { Status::Dissolved } else { Status::Active };
        let key = fold(&g.name);
        let row = (
            cooperative_groups::name.eq(&g.name),
            cooperative_groups::name_key.eq(&key),
            cooperative_groups::search_text.eq(&key),
            cooperative_groups::sector_id.eq(sector_id),
            cooperative_groups::province_id.eq(g.province_id),
            cooperative_groups::district_id.eq(Some(g.district_id)),
            cooperative_groups::address.eq(Some(&g.address)),
            cooperative_groups::representative.eq(Some(&g.representative)),
            cooperative_groups::founding_date.eq(g.founded),
            cooperative_groups::member_count.eq(g.members),
            cooperative_groups::status.eq(status.as_str()),
            cooperative_groups::dissolution_date.eq(g.dissolved),
            cooperative_groups::created_at.eq(at),
            cooperative_groups::updated_at.eq(at),
            cooperative_groups::version.eq(1),
        );
        let id: i64 = on_backend!(conn, c => diesel::insert_into(cooperative_groups::table)
            .values(row)
            .returning(cooperative_groups::id)
            .get_result(c))?;
        let life = ledger::group_life(conn, id)?;
        ledger::settle(conn, &ledger::Contribution::new(), &life.contribution())?;
        audit::created(conn, &Actor::command_line(), "group.register", Object::Group(id))?;
    }
    Ok(())
}
