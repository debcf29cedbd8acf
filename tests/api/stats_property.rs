//! Property test: random registers, built through the API, give the statistics that a
//! brute-force recount of the same register gives, for any date, place and period.

use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use crate::harness::{postgres_configured, Backend, TestApp};

const SECTORS: [(i64, &str, &str); 5] = [
    (1, "crop_farming", "agriculture_forestry_fisheries"),
    (2, "livestock", "agriculture_forestry_fisheries"),
    (11, "industry_handicraft", "non_agriculture"),
    (14, "trade_services", "non_agriculture"),
    (21, "people_credit_fund", "people_credit_fund"),
];
const BAC_GIANG_DISTRICTS: [i64; 4] = [101, 106, 109, 110];
const THAI_BINH_DISTRICTS: [i64; 3] = [201, 204, 208];

#[derive(Debug, Clone)]
struct Unit {
    kind: &'static str,
    sector: usize,
    province: i64,
    districts: Vec<(NaiveDate, i64)>,
    registered: NaiveDate,
    dissolved: Option<NaiveDate>,
    admitted: Option<NaiveDate>,
    capital: Vec<(NaiveDate, i64)>,
    members: Vec<(NaiveDate, i64)>,
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).unwrap()
}

fn day(offset: i64) -> NaiveDate {
    base() + Duration::days(offset)
}

/// The latest value on or before `d` (histories always start at registration).
fn at<T: Copy>(entries: &[(NaiveDate, T)], d: NaiveDate) -> T {
    entries
        .iter()
        .filter(|(from, _)| *from <= d)
        .max_by_key(|(from, _)| *from)
        .map(|(_, v)| *v)
        .unwrap_or(entries[0].1)
}

impl Unit {
    fn active(&self, d: NaiveDate) -> bool {
        self.registered <= d && self.dissolved.is_none_or(|z| z > d)
    }
    fn district_at(&self, d: NaiveDate) -> i64 {
        at(&self.districts, d)
    }
}

fn unit_strategy() -> impl Strategy<Value = Unit> {
    (
        prop_oneof![4 => Just("cooperative"), 1 => Just("union"), 1 => Just("group")],
        0..SECTORS.len(),
        any::<bool>(),
        0usize..4,
        0i64..2000,
        proptest::collection::vec((1i64..900, 0i64..5_000_000_000), 0..3),
        proptest::collection::vec((1i64..900, 0i64..300), 0..3),
        proptest::option::of((1i64..600, 0usize..4)),
        proptest::option::of(1i64..400),
        proptest::option::of(0i64..500),
        (0i64..5_000_000_000, 0i64..200),
    )
        .prop_map(
            |(
                kind,
                sector,
                bac_giang,
                district,
                reg,
                capital,
                members,
                moved,
                dissolved,
                admitted,
                first,
            )| {
                let registered = day(reg);
                let (province, districts): (i64, &[i64]) =
                    if bac_giang { (1, &BAC_GIANG_DISTRICTS) } else { (3, &THAI_BINH_DISTRICTS) };
                let first_district = districts[district % districts.len()];
                let mut unit = Unit {
                    kind,
                    sector,
                    province,
                    districts: vec![(registered, first_district)],
                    registered,
                    dissolved: None,
                    admitted: None,
                    capital: vec![(registered, first.0)],
                    members: vec![(registered, first.1)],
                };
                if kind == "group" {
                    // Groups keep no histories: one location, one member count, no capital.
                    unit.capital = vec![(registered, 0)];
                } else {
                    let mut dates = std::collections::BTreeSet::new();
                    for (after, amount) in capital {
                        if dates.insert(after) {
                            unit.capital.push((registered + Duration::days(after), amount));
                        }
                    }
                    let mut dates = std::collections::BTreeSet::new();
                    for (after, count) in members {
                        if dates.insert(after) {
                            unit.members.push((registered + Duration::days(after), count));
                        }
                    }
                    if let Some((after, to)) = moved {
                        let next = districts[to % districts.len()];
                        if next != first_district {
                            unit.districts.push((registered + Duration::days(after), next));
                        }
                    }
                    unit.admitted = admitted.map(|a| registered + Duration::days(a));
                }
                if let Some(after) = dissolved {
                    let latest = unit
                        .capital
                        .iter()
                        .map(|e| e.0)
                        .chain(unit.members.iter().map(|e| e.0))
                        .chain(unit.districts.iter().map(|e| e.0))
                        .max()
                        .unwrap();
                    let end = latest + Duration::days(after);
                    unit.dissolved = Some(end);
                    unit.admitted = unit.admitted.filter(|a| *a < end);
                }
                unit
            },
        )
}

fn iso(d: NaiveDate) -> String {
    d.to_string()
}

async fn build(app: &TestApp, units: &[Unit], order_seed: u64) {
    for (i, u) in units.iter().enumerate() {
        let sector = SECTORS[u.sector].1;
        if u.kind == "group" {
            let created = app
                .create(
                    "/api/v1/cooperative-groups",
                    &json!({"name": format!("Tổ hợp tác {i}"), "sector": sector, "province_id": u.province,
                            "district_id": u.districts[0].1, "founding_date": iso(u.registered),
                            "member_count": u.members[0].1}),
                )
                .await;
            if let Some(end) = u.dissolved {
                let res = app
                    .post(
                        &format!("/api/v1/cooperative-groups/{}/status", created["id"]),
                        &json!({"status": "dissolved", "dissolution_date": iso(end)}),
                    )
                    .await;
                assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            }
            continue;
        }
        let collection = if u.kind == "union" { "unions" } else { "cooperatives" };
        let mut body = json!({
            "registration_number": format!("P{i:06}"), "name": format!("Đơn vị {i}"), "sector": sector,
            "province_id": u.province, "district_id": u.districts[0].1, "address": "Thôn 1",
            "legal_representative": "Lê Văn Bình", "registration_date": iso(u.registered),
            "charter_capital": u.capital[0].1, "member_count": u.members[0].1,
        });
        if let Some(a) = u.admitted {
            body["alliance_admission_date"] = json!(iso(a));
        }
        let created = app.create(&format!("/api/v1/{collection}"), &body).await;
        let path = format!("/api/v1/{collection}/{}", created["id"]);
        // History entries arrive in a shuffled order, back-dated ones included.
        let mut writes: Vec<(String, Value)> = Vec::new();
        for (d, v) in &u.capital[1..] {
            writes
                .push((format!("{path}/capital"), json!({"effective_date": iso(*d), "charter_capital": v})));
        }
        for (d, v) in &u.members[1..] {
            writes.push((format!("{path}/members"), json!({"effective_date": iso(*d), "member_count": v})));
        }
        let n = writes.len().max(1);
        writes.rotate_left((order_seed as usize + i) % n);
        if (order_seed + i as u64) % 2 == 0 {
            writes.reverse();
        }
        for (url, body) in writes {
            let res = app.post(&url, &body).await;
            assert_eq!(res.status, 201, "{url} {body}: {}", String::from_utf8_lossy(&res.body));
        }
        for (d, district) in &u.districts[1..] {
            let res = app
                .patch(&path, &json!({"district_id": district, "location_effective_date": iso(*d)}), &[])
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
        if let Some(end) = u.dissolved {
            let res = app
                .post(
                    &format!("{path}/status"),
                    &json!({"status": "dissolved", "dissolution_date": iso(end)}),
                )
                .await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        }
    }
}

/// Units of `kind` in the place (province ids, or one district) active at the end of `d`.
fn active<'a>(
    units: &'a [Unit],
    kind: &'a str,
    d: NaiveDate,
    provinces: &'a [i64],
) -> impl Iterator<Item = &'a Unit> {
    units.iter().filter(move |u| {
        u.kind == kind && u.active(d) && (provinces.is_empty() || provinces.contains(&u.province))
    })
}

fn count_events(
    units: &[Unit],
    kind: &str,
    provinces: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> (i64, i64, i64) {
    let inside = |d: NaiveDate| from <= d && d <= to;
    let mine =
        units.iter().filter(|u| u.kind == kind && (provinces.is_empty() || provinces.contains(&u.province)));
    let mut out = (0, 0, 0);
    for u in mine {
        out.0 += inside(u.registered) as i64;
        out.1 += u.dissolved.is_some_and(inside) as i64;
        out.2 += u.admitted.is_some_and(inside) as i64;
    }
    out
}

/// The district ids a by-district answer lists (the units valid on its date).
fn listed_districts(answer: &Value) -> Vec<i64> {
    answer["rows"].as_array().unwrap().iter().filter_map(|r| r["district"]["id"].as_i64()).collect()
}

/// Whether a unit in `district` belongs in the row of `row_id` (`None`: the row of
/// units whose district is not listed).
fn in_row(district: i64, row_id: Option<i64>, listed: &[i64]) -> bool {
    match row_id {
        Some(id) => district == id,
        None => !listed.contains(&district),
    }
}

async fn check(app: &TestApp, units: &[Unit], dates: &[NaiveDate]) {
    for &d in dates {
        for (province, provinces) in
            [(None, vec![]), (Some(1), vec![1]), (Some(3), vec![3]), (Some(5), vec![1])]
        {
            let q = province.map(|p| format!("&province={p}")).unwrap_or_default();
            let s = app.get(&format!("/api/v1/stats/summary?as_of={d}{q}")).await;
            assert_eq!(s.status, 200, "{}", String::from_utf8_lossy(&s.body));
            let s = s.json();
            let year_start = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap();
            for (kind, field) in
                [("cooperative", "cooperatives"), ("union", "unions"), ("group", "cooperative_groups")]
            {
                let now: Vec<&Unit> = active(units, kind, d, &provinces).collect();
                let got = &s[field];
                let ctx = format!("{field} as of {d} in {province:?}");
                assert_eq!(got["active"], now.len() as i64, "{ctx}");
                assert_eq!(
                    got["charter_capital"],
                    now.iter().map(|u| at(&u.capital, d)).sum::<i64>(),
                    "{ctx}"
                );
                assert_eq!(got["members"], now.iter().map(|u| at(&u.members, d)).sum::<i64>(), "{ctx}");
                let (reg, dis, adm) = count_events(units, kind, &provinces, year_start, d);
                assert_eq!(
                    (
                        got["registered_in_year"].as_i64(),
                        got["dissolved_in_year"].as_i64(),
                        got["admitted_in_year"].as_i64()
                    ),
                    (Some(reg), Some(dis), Some(adm)),
                    "{ctx}"
                );
            }
            for g in s["cooperatives"]["by_sector_group"].as_array().unwrap() {
                let expected = active(units, "cooperative", d, &provinces)
                    .filter(|u| SECTORS[u.sector].2 == g["group"])
                    .count();
                assert_eq!(g["count"], expected as i64, "{g} as of {d}");
            }

            let sectors = app.get(&format!("/api/v1/stats/by-sector?as_of={d}{q}")).await.json();
            for row in sectors["rows"].as_array().unwrap() {
                let now: Vec<&Unit> = active(units, "cooperative", d, &provinces)
                    .filter(|u| SECTORS[u.sector].1 == row["sector"])
                    .collect();
                assert_eq!(row["count"], now.len() as i64, "{row} as of {d}");
                assert_eq!(
                    row["charter_capital"],
                    now.iter().map(|u| at(&u.capital, d)).sum::<i64>(),
                    "{row}"
                );
                assert_eq!(row["members"], now.iter().map(|u| at(&u.members, d)).sum::<i64>(), "{row}");
            }
        }
        let districts =
            app.get(&format!("/api/v1/stats/by-district?as_of={d}&province=1&kind=union")).await.json();
        let listed = listed_districts(&districts);
        for row in districts["rows"].as_array().unwrap() {
            let id = row["district"]["id"].as_i64();
            let now: Vec<&Unit> =
                active(units, "union", d, &[1]).filter(|u| in_row(u.district_at(d), id, &listed)).collect();
            assert_eq!(row["count"], now.len() as i64, "{row} as of {d}");
            assert_eq!(row["charter_capital"], now.iter().map(|u| at(&u.capital, d)).sum::<i64>(), "{row}");
        }
        let districts = app.get(&format!("/api/v1/stats/by-district?as_of={d}&province=3")).await.json();
        let listed = listed_districts(&districts);
        let mut seen = 0;
        for row in districts["rows"].as_array().unwrap() {
            let id = row["district"]["id"].as_i64();
            let now: Vec<&Unit> = active(units, "cooperative", d, &[3])
                .filter(|u| in_row(u.district_at(d), id, &listed))
                .collect();
            seen += now.len();
            assert_eq!(row["count"], now.len() as i64, "{row} as of {d}");
            assert_eq!(row["members"], now.iter().map(|u| at(&u.members, d)).sum::<i64>(), "{row}");
        }
        assert_eq!(seen, active(units, "cooperative", d, &[3]).count(), "every unit in some row as of {d}");
        // Nationally per district, from the units' keys (the summary above reads the rollups).
        let districts = app.get(&format!("/api/v1/stats/by-district?as_of={d}")).await.json();
        let now: Vec<&Unit> = active(units, "cooperative", d, &[]).collect();
        assert_eq!(districts["total"], now.len() as i64, "national total as of {d}");
        let rows = districts["rows"].as_array().unwrap();
        let members: i64 = rows.iter().map(|r| r["members"].as_i64().unwrap()).sum();
        assert_eq!(members, now.iter().map(|u| at(&u.members, d)).sum::<i64>(), "national members as of {d}");
    }
    for (period, q) in [("year", "&province=1"), ("quarter", "")] {
        let provinces: Vec<i64> = if q.is_empty() { vec![] } else { vec![1] };
        let rows = app
            .get(&format!("/api/v1/stats/registrations?from=2017-11-15&to=2024-02-10&period={period}{q}"))
            .await
            .json();
        for row in rows.as_array().unwrap() {
            let start: NaiveDate = row["start"].as_str().unwrap().parse().unwrap();
            let end: NaiveDate = row["end"].as_str().unwrap().parse().unwrap();
            let (reg, dis, adm) = count_events(units, "cooperative", &provinces, start, end);
            assert_eq!(
                (row["registered"].as_i64(), row["dissolved"].as_i64(), row["admitted"].as_i64()),
                (Some(reg), Some(dis), Some(adm)),
                "{row}"
            );
            assert_eq!(
                row["total_at_end"],
                active(units, "cooperative", end, &provinces).count() as i64,
                "{row}"
            );
        }
    }
}

fn run_property(backend: Backend) {
    let cases = if backend == Backend::Postgres { 12 } else { 24 };
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (
        proptest::collection::vec(unit_strategy(), 1..14),
        any::<u64>(),
        proptest::collection::vec(-200i64..2900, 4),
    );
    runner
        .run(&strategy, |(units, seed, offsets)| {
            let mut dates: Vec<NaiveDate> = offsets.into_iter().map(day).collect();
            dates.extend(units.iter().flat_map(|u| [u.registered, u.registered - Duration::days(1)]).take(4));
            actix_rt::System::new().block_on(async {
                let app = TestApp::spawn(backend).await;
                build(&app, &units, seed).await;
                check(&app, &units, &dates).await;
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn statistics_match_a_recount_sqlite() {
    run_property(Backend::Sqlite);
}

#[test]
fn statistics_match_a_recount_postgres() {
    if !postgres_configured() {
        eprintln!("TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
        return;
    }
    run_property(Backend::Postgres);
}
