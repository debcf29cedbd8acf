//! `/api/v1/stats/*` and `/api/v1/plan-targets`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::ledger::{Flows, StatKey};
use super::plans;
use super::queries::{sum_where, totals_as_of, Scope};
use super::report::{csv_text, negotiate, serve, Format};
use super::views::*;
use crate::db::{Conn, Db};
use crate::domain::{self, SectorGroup};
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
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
    fn key(self) -> &'static str {
        match self {
            UnitKind::Cooperative => "cooperative",
            UnitKind::Union => "union",
            UnitKind::Group => "group",
        }
    }
}

/// The place a statistic is about, resolved to the keys it covers.
struct Place {
    scope: Scope,
    province: Option<Province>,
    district: Option<District>,
}

fn resolve_place(conn: &mut Conn, province: Option<i64>, district: Option<i64>) -> Result<Place, ApiError> {
    let provinces = reference::all_provinces(conn)?;
    let mut place = Place { scope: Scope::default(), province: None, district: None };
    if let Some(id) = province {
        let found = provinces.iter().find(|p| p.id == id).cloned();
        place.province =
            Some(found.ok_or_else(|| ApiError::bad_request("province", format!("unknown province {id}")))?);
        place.scope.provinces = Some(reference::province_and_predecessors(conn, id)?);
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

fn unit_ref(p: &Option<Province>) -> Option<UnitRef> {
    p.as_ref().map(UnitRef::from)
}

fn day_before(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(1)).unwrap_or(day)
}

fn year_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("1 January exists")
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Province id; a province also covers the provinces merged into it.
    pub province: Option<i64>,
    /// District id.
    pub district: Option<i64>,
    /// The day whose end the figures describe (default: today).
    #[validate(custom(function = "domain::register_date"))]
    pub as_of: Option<NaiveDate>,
    #[param(inline)]
    pub format: Option<Format>,
}

fn kind_summary(
    now: &BTreeMap<StatKey, Flows>,
    before: &BTreeMap<StatKey, Flows>,
    kind: &str,
) -> KindSummary {
    let t = sum_where(now, |k| k.kind == kind);
    let p = sum_where(before, |k| k.kind == kind);
    KindSummary {
        active: t.active,
        charter_capital: t.capital,
        members: t.members,
        registered_in_year: t.registered - p.registered,
        dissolved_in_year: t.dissolved - p.dissolved,
        admitted_in_year: t.admitted - p.admitted,
    }
}

fn summary(conn: &mut Conn, q: &SummaryQuery) -> Result<Summary, ApiError> {
    let day = q.as_of.unwrap_or_else(domain::today);
    let place = resolve_place(conn, q.province, q.district)?;
    let now = totals_as_of(conn, day, &place.scope)?;
    let before = totals_as_of(conn, day_before(year_start(day)), &place.scope)?;
    let groups: HashMap<i64, SectorGroup> = reference::all_sectors(conn)?
        .into_iter()
        .map(|s| (s.id, SectorGroup::from_db(&s.sector_group)))
        .collect();
    let cooperatives = kind_summary(&now, &before, "cooperative");
    let by_sector_group = SectorGroup::ALL
        .iter()
        .map(|g| {
            let count =
                sum_where(&now, |k| k.kind == "cooperative" && groups.get(&k.sector_id) == Some(g)).active;
            GroupShare { group: *g, count, share: share(count, cooperatives.active) }
        })
        .collect();
    Ok(Summary {
        as_of: day,
        province: unit_ref(&place.province),
        district: place.district.as_ref().map(UnitRef::from),
        cooperatives: CooperativeSummary { totals: cooperatives, by_sector_group },
        unions: kind_summary(&now, &before, "union"),
        cooperative_groups: kind_summary(&now, &before, "group"),
    })
}

fn summary_csv(s: &Summary) -> Result<String, ApiError> {
    let mut rows = Vec::new();
    for (kind, k) in [
        ("cooperatives", &s.cooperatives.totals),
        ("unions", &s.unions),
        ("cooperative_groups", &s.cooperative_groups),
    ] {
        for (metric, value) in [
            ("active", k.active),
            ("charter_capital", k.charter_capital),
            ("members", k.members),
            ("registered_in_year", k.registered_in_year),
            ("dissolved_in_year", k.dissolved_in_year),
            ("admitted_in_year", k.admitted_in_year),
        ] {
            rows.push(vec![kind.to_owned(), metric.to_owned(), value.to_string()]);
        }
    }
    for g in &s.cooperatives.by_sector_group {
        rows.push(vec!["cooperatives".into(), format!("{}_count", g.group.as_str()), g.count.to_string()]);
        rows.push(vec![
            "cooperatives".into(),
            format!("{}_share", g.group.as_str()),
            format!("{:.2}", g.share),
        ]);
    }
    csv_text(&["kind", "metric", "value"], rows)
}

/// Counts, capital and members of the register at the end of a day.
#[utoipa::path(
    tag = "statistics",
    params(SummaryQuery),
    responses(
        (status = 200, description = "The figures (JSON, or CSV with `format=csv` or `Accept: text/csv`)", content((Summary = "application/json"), (String = "text/csv")),
          headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`"),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/summary")]
pub async fn stats_summary(
    db: web::Data<Db>,
    req: HttpRequest,
    query: Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, query.0.format);
    let q = query.0;
    let value = db.read(move |c| summary(c, &q)).await?;
    serve(&req, format, &value, summary_csv)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    /// Province id; a province also covers the provinces merged into it.
    pub province: Option<i64>,
    /// The day whose end the figures describe (default: today).
    #[validate(custom(function = "domain::register_date"))]
    pub as_of: Option<NaiveDate>,
    /// Which units to count (default: cooperatives).
    #[param(inline)]
    pub kind: Option<UnitKind>,
    #[param(inline)]
    pub format: Option<Format>,
}

fn by_sector(conn: &mut Conn, q: &BreakdownQuery) -> Result<Breakdown<SectorRow>, ApiError> {
    let day = q.as_of.unwrap_or_else(domain::today);
    let kind = q.kind.unwrap_or_default().key();
    let place = resolve_place(conn, q.province, None)?;
    let totals = totals_as_of(conn, day, &place.scope)?;
    let total = sum_where(&totals, |k| k.kind == kind).active;
    let rows = reference::all_sectors(conn)?
        .into_iter()
        .map(|s| {
            let f = sum_where(&totals, |k| k.kind == kind && k.sector_id == s.id);
            SectorRow {
                group: SectorGroup::from_db(&s.sector_group),
                sector: s.code,
                name_vi: s.name_vi,
                name_en: s.name_en,
                count: f.active,
                share: share(f.active, total),
                charter_capital: f.capital,
                members: f.members,
            }
        })
        .collect();
    Ok(Breakdown { as_of: day, total, rows })
}

fn sector_csv(b: &Breakdown<SectorRow>) -> Result<String, ApiError> {
    csv_text(
        &["sector", "name_vi", "name_en", "group", "count", "share", "charter_capital", "members"],
        b.rows.iter().map(|r| {
            vec![
                r.sector.clone(),
                r.name_vi.clone(),
                r.name_en.clone(),
                r.group.as_str().into(),
                r.count.to_string(),
                format!("{:.2}", r.share),
                r.charter_capital.to_string(),
                r.members.to_string(),
            ]
        }),
    )
}

/// Active units per sector at the end of a day.
#[utoipa::path(
    tag = "statistics",
    params(BreakdownQuery),
    responses(
        (status = 200, description = "One row per sector", content((Breakdown<SectorRow> = "application/json"), (String = "text/csv")),
          headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`"),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/by-sector")]
pub async fn stats_by_sector(
    db: web::Data<Db>,
    req: HttpRequest,
    query: Query<BreakdownQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, query.0.format);
    let q = query.0;
    let value = db.read(move |c| by_sector(c, &q)).await?;
    serve(&req, format, &value, sector_csv)
}

fn by_district(conn: &mut Conn, q: &BreakdownQuery) -> Result<Breakdown<DistrictRow>, ApiError> {
    let day = q.as_of.unwrap_or_else(domain::today);
    let kind = q.kind.unwrap_or_default().key();
    let place = resolve_place(conn, q.province, None)?;
    let totals = totals_as_of(conn, day, &place.scope)?;
    let total = sum_where(&totals, |k| k.kind == kind).active;
    let districts: Vec<District> = reference::districts_of(conn, None)?
        .into_iter()
        .filter(|d| d.valid_on(day))
        .filter(|d| place.scope.provinces.as_ref().is_none_or(|ids| ids.contains(&d.province_id)))
        .collect();
    let listed: Vec<i64> = districts.iter().map(|d| d.id).collect();
    let row = |district: Option<UnitRef>, f: Flows| DistrictRow {
        district,
        count: f.active,
        share: share(f.active, total),
        charter_capital: f.capital,
        members: f.members,
    };
    let mut rows: Vec<DistrictRow> = districts
        .iter()
        .map(|d| row(Some(d.into()), sum_where(&totals, |k| k.kind == kind && k.district_key == d.id)))
        .collect();
    let rest = sum_where(&totals, |k| k.kind == kind && !listed.contains(&k.district_key));
    if rest.active != 0 || rest.capital != 0 || rest.members != 0 {
        rows.push(row(None, rest));
    }
    Ok(Breakdown { as_of: day, total, rows })
}

fn district_csv(b: &Breakdown<DistrictRow>) -> Result<String, ApiError> {
    csv_text(
        &["district_id", "district_code", "district_name", "count", "share", "charter_capital", "members"],
        b.rows.iter().map(|r| {
            let (id, code, name) = match &r.district {
                Some(d) => (d.id.to_string(), d.code.clone(), d.name.clone()),
                None => (String::new(), String::new(), "(no district)".into()),
            };
            vec![
                id,
                code,
                name,
                r.count.to_string(),
                format!("{:.2}", r.share),
                r.charter_capital.to_string(),
                r.members.to_string(),
            ]
        }),
    )
}

/// Active units per district (the units valid on `as_of`) at the end of a day.
#[utoipa::path(
    tag = "statistics",
    params(BreakdownQuery),
    responses(
        (status = 200, description = "One row per district", content((Breakdown<DistrictRow> = "application/json"), (String = "text/csv")),
          headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`"),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/by-district")]
pub async fn stats_by_district(
    db: web::Data<Db>,
    req: HttpRequest,
    query: Query<BreakdownQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, query.0.format);
    let q = query.0;
    let value = db.read(move |c| by_district(c, &q)).await?;
    serve(&req, format, &value, district_csv)
}

/// Periods a registrations report is split into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    #[default]
    Year,
    Quarter,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegistrationsQuery {
    pub province: Option<i64>,
    pub district: Option<i64>,
    /// First day counted (default: 1 January four years before `to`).
    #[validate(custom(function = "domain::register_date"))]
    pub from: Option<NaiveDate>,
    /// Last day counted (default: today).
    #[validate(custom(function = "domain::register_date"))]
    pub to: Option<NaiveDate>,
    #[param(inline)]
    pub period: Option<Period>,
    #[param(inline)]
    pub kind: Option<UnitKind>,
    #[param(inline)]
    pub format: Option<Format>,
}

const MAX_PERIODS: usize = 400;

fn periods(from: NaiveDate, to: NaiveDate, period: Period) -> Vec<(String, NaiveDate, NaiveDate, i32, i32)> {
    let mut out = Vec::new();
    let mut start = match period {
        Period::Year => year_start(from),
        Period::Quarter => {
            NaiveDate::from_ymd_opt(from.year(), (from.month0() / 3) * 3 + 1, 1).expect("quarter start")
        }
    };
    while start <= to && out.len() <= MAX_PERIODS {
        let months = if period == Period::Year { 12 } else { 3 };
        let next = start.checked_add_months(chrono::Months::new(months)).expect("date in range");
        let quarter = if period == Period::Year { 0 } else { (start.month0() / 3 + 1) as i32 };
        let label =
            if quarter == 0 { start.year().to_string() } else { format!("{}-Q{quarter}", start.year()) };
        out.push((label, start.max(from), day_before(next).min(to), start.year(), quarter));
        start = next;
    }
    out
}

fn registrations(conn: &mut Conn, q: &RegistrationsQuery) -> Result<Vec<PeriodRow>, ApiError> {
    let to = q.to.unwrap_or_else(domain::today);
    let from = q.from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year() - 4, 1, 1).unwrap_or(to));
    if from > to {
        return Err(ApiError::bad_request("from", "must not be after `to`"));
    }
    let period = q.period.unwrap_or_default();
    let spans = periods(from, to, period);
    if spans.len() > MAX_PERIODS {
        return Err(ApiError::bad_request(
            "from",
            format!("the span covers more than {MAX_PERIODS} periods"),
        ));
    }
    let kind = q.kind.unwrap_or_default();
    let place = resolve_place(conn, q.province, q.district)?;
    let targets = match (&place.province, &place.district, kind) {
        (_, Some(d), UnitKind::Cooperative) => {
            plans::targets_of(conn, d.province_id, d.id, from.year()..=to.year())?
        }
        (Some(p), None, UnitKind::Cooperative) => plans::targets_of(conn, p.id, 0, from.year()..=to.year())?,
        _ => vec![],
    };
    let key = kind.key();
    let cumulative = |conn: &mut Conn, day: NaiveDate| -> Result<Flows, ApiError> {
        Ok(sum_where(&totals_as_of(conn, day, &place.scope)?, |k| k.kind == key))
    };
    let mut before = cumulative(conn, day_before(from))?;
    let mut rows = Vec::with_capacity(spans.len());
    for (label, start, end, year, quarter) in spans {
        let at_end = cumulative(conn, end)?;
        let registered = at_end.registered - before.registered;
        let dissolved = at_end.dissolved - before.dissolved;
        let plan_target =
            targets.iter().find(|t| t.year == year && t.quarter == quarter).map(|t| i64::from(t.target));
        rows.push(PeriodRow {
            period: label,
            start,
            end,
            registered,
            dissolved,
            net: registered - dissolved,
            total_at_end: at_end.active,
            admitted: at_end.admitted - before.admitted,
            plan_target,
            percent_of_plan: plan_target.filter(|t| *t > 0).map(|t| share(registered, t)),
        });
        before = at_end;
    }
    Ok(rows)
}

fn registrations_csv(rows: &[PeriodRow]) -> Result<String, ApiError> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    csv_text(
        &[
            "period",
            "start",
            "end",
            "registered",
            "dissolved",
            "net",
            "total_at_end",
            "admitted",
            "plan_target",
            "percent_of_plan",
        ],
        rows.iter().map(|r| {
            vec![
                r.period.clone(),
                r.start.to_string(),
                r.end.to_string(),
                r.registered.to_string(),
                r.dissolved.to_string(),
                r.net.to_string(),
                r.total_at_end.to_string(),
                r.admitted.to_string(),
                opt(r.plan_target.map(|t| t.to_string())),
                opt(r.percent_of_plan.map(|p| format!("{p:.2}"))),
            ]
        }),
    )
}

/// Registrations, dissolutions and alliance admissions per year or quarter, against plan.
#[utoipa::path(
    tag = "statistics",
    params(RegistrationsQuery),
    responses(
        (status = 200, description = "One row per period, clipped to `from`..`to`", content((Vec<PeriodRow> = "application/json"), (String = "text/csv")),
          headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`"),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/registrations")]
pub async fn stats_registrations(
    db: web::Data<Db>,
    req: HttpRequest,
    query: Query<RegistrationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, query.0.format);
    let q = query.0;
    let value = db.read(move |c| registrations(c, &q)).await?;
    serve(&req, format, &value, |rows: &Vec<PeriodRow>| registrations_csv(rows))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanTargetsQuery {
    pub province: Option<i64>,
    pub year: Option<i32>,
}

/// Plan targets of new cooperatives.
#[utoipa::path(
    tag = "statistics",
    params(PlanTargetsQuery),
    responses(
        (status = 200, description = "Targets", body = Vec<PlanTargetView>),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plan-targets")]
pub async fn list_plan_targets(
    db: web::Data<Db>,
    query: Query<PlanTargetsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let rows = db.read(move |c| plans::all_targets(c, q.province, q.year)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(PlanTargetView::from).collect::<Vec<_>>()))
}

/// A target to set.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTargetInput {
    pub province_id: i64,
    /// A district of the province, or absent for the whole province.
    pub district_id: Option<i64>,
    #[validate(range(min = 1945, max = 2100, message = "must be between 1945 and 2100"))]
    #[schema(minimum = 1945, maximum = 2100, example = 2023)]
    pub year: i32,
    /// 1–4, or absent for the whole year.
    #[validate(range(min = 1, max = 4, message = "must be between 1 and 4"))]
    #[schema(minimum = 1, maximum = 4)]
    pub quarter: Option<i32>,
    /// New cooperatives aimed for.
    #[validate(range(min = 0, max = 1_000_000, message = "must be between 0 and 1000000"))]
    #[schema(minimum = 0, maximum = 1_000_000, example = 50)]
    pub target: i32,
}

/// Set (create or replace) a plan target.
#[utoipa::path(
    tag = "statistics",
    request_body = PlanTargetInput,
    responses(
        (status = 200, description = "The stored target", body = PlanTargetView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/plan-targets")]
pub async fn put_plan_target(
    db: web::Data<Db>,
    body: Json<PlanTargetInput>,
) -> Result<HttpResponse, ApiError> {
    let t = body.0;
    let row = db
        .write(move |c| {
            let provinces = reference::all_provinces(c)?;
            if !provinces.iter().any(|p| p.id == t.province_id) {
                return Err(ApiError::invalid("province_id", format!("unknown province {}", t.province_id)));
            }
            if let Some(d) = t.district_id {
                let districts = reference::districts_of(c, Some(t.province_id))?;
                if !districts.iter().any(|x| x.id == d) {
                    return Err(ApiError::invalid(
                        "district_id",
                        format!("district {d} is not in province {}", t.province_id),
                    ));
                }
            }
            plans::set_target(c, t.province_id, t.district_id, t.year, t.quarter, t.target)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PlanTargetView::from(row)))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(stats_summary)
        .service(stats_by_sector)
        .service(stats_by_district)
        .service(stats_registrations)
        .service(list_plan_targets)
        .service(put_plan_target);
}
