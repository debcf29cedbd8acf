//! `GET /stats/by-sector` and `GET /stats/by-district`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::ledger::Flows;
use super::place::{resolve_place, UnitKind};
use super::queries::{sum_where, totals_as_of};
use super::report::{csv_text, negotiate, serve, Format};
use super::views::*;
use crate::db::{Conn, Db};
use crate::domain::{self, SectorGroup};
use crate::error::{ApiError, BadQuery, NotModified};
use crate::extract::Query;
use crate::organizations::views::UnitRef;
use crate::reference::{self, District};

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
        NotModified,
        BadQuery,
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
    let mut place = resolve_place(conn, q.province, None)?;
    place.scope.by_district = true;
    let totals = totals_as_of(conn, day, &place.scope)?;
    let total = sum_where(&totals, |k| k.kind == kind).active;
    let districts: Vec<District> = reference::districts_of(conn, place.scope.provinces.as_deref())?
        .into_iter()
        .filter(|d| d.valid_on(day))
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
        NotModified,
        BadQuery,
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
