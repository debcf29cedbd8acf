//! `GET /stats/summary`.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::ledger::{Flows, StatKey};
use super::place::{day_before, resolve_place, unit_ref, year_start};
use super::queries::{sum_where, totals_at};
use super::report::{csv_text, negotiate, serve, Format};
use super::views::*;
use crate::db::{Conn, Db};
use crate::domain::{self, SectorGroup};
use crate::error::{ApiError, BadQuery, NotModified};
use crate::extract::Query;
use crate::organizations::views::UnitRef;
use crate::reference;

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
    let [now, before]: [_; 2] = totals_at(conn, &[day, day_before(year_start(day))], &place.scope)?
        .try_into()
        .expect("one totals per day");
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
        NotModified,
        BadQuery,
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
