//! `GET /stats/registrations`: flows per year or quarter against plan.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::ledger::Flows;
use super::place::{day_before, resolve_place, year_start, UnitKind};
use super::plans;
use super::queries::{sum_where, totals_at};
use super::report::{csv_text, negotiate, serve, Format};
use super::views::*;
use crate::db::{Conn, Db};
use crate::domain;
use crate::error::{ApiError, BadQuery, NotModified};
use crate::extract::Query;

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
    domain::forward_range("from", Some(from), "to", Some(to))?;
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
    // Cumulative flows at the day before `from` and at each period's end, read at once.
    let days: Vec<NaiveDate> =
        std::iter::once(day_before(from)).chain(spans.iter().map(|span| span.2)).collect();
    let cumulative: Vec<Flows> = totals_at(conn, &days, &place.scope)?
        .iter()
        .map(|totals| sum_where(totals, |k| k.kind == key))
        .collect();
    let mut rows = Vec::with_capacity(spans.len());
    for ((label, start, end, year, quarter), pair) in spans.into_iter().zip(cumulative.windows(2)) {
        let (before, at_end) = (pair[0], pair[1]);
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
        NotModified,
        BadQuery,
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
