//! The demo registry reproduces, through the HTTP API, the figures the provincial
//! documents publish (../shared/domain.md).

use crate::db_test;
use crate::harness::{bearer, TestApp};
use awc::http::Method;

async fn load_demo(app: &TestApp) {
    let db = app.db.clone();
    let loaded =
        actix_web::web::block(move || coop_registry::demo::load(&db)).await.unwrap().expect("demo loads");
    assert!(loaded);
    let db = app.db.clone();
    let again =
        actix_web::web::block(move || coop_registry::demo::load(&db)).await.unwrap().expect("second load");
    assert!(!again, "a register with records is left alone");
}

db_test!(bac_giang_end_of_2023, |app| {
    load_demo(&app).await;
    let s = app.get("/api/v1/stats/summary?province=1&as_of=2023-12-31").await.json();
    let c = &s["cooperatives"];
    assert_eq!(c["active"], 1116);
    let groups: Vec<(String, i64, f64)> = c["by_sector_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().to_owned(),
                g["count"].as_i64().unwrap(),
                g["share"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("agriculture_forestry_fisheries".to_owned(), 731, 65.5),
            ("non_agriculture".to_owned(), 365, 32.71),
            ("people_credit_fund".to_owned(), 20, 1.79)
        ]
    );
    assert_eq!(c["charter_capital"], 2_772_000_000_000_i64);
    assert_eq!(c["members"], 42_153);
    assert_eq!(c["registered_in_year"], 101);

    let years = app.get("/api/v1/stats/registrations?province=1&from=2023-01-01&to=2023-12-31").await.json();
    assert_eq!(years[0]["period"], "2023");
    assert_eq!(years[0]["registered"], 101);
    assert_eq!(years[0]["plan_target"], 50);
    assert_eq!(years[0]["percent_of_plan"], 202.0);
    assert_eq!(years[0]["total_at_end"], 1116);

    // Today's Bắc Ninh, as of the end of 2023, covers the old Bắc Giang.
    let merged = app.get("/api/v1/stats/summary?province=5&as_of=2023-12-31").await.json();
    assert_eq!(merged["cooperatives"]["active"], 1116);

    let csv = app
        .request(
            awc::http::Method::GET,
            "/api/v1/stats/summary?province=1&as_of=2023-12-31",
            &[("accept", "text/csv")],
            None,
        )
        .await;
    assert_eq!(csv.header("content-type").unwrap(), "text/csv; charset=utf-8");
    // A cache keeps the CSV and the JSON of one URL apart.
    let vary: Vec<&str> = csv.headers.get_all("vary").map(|v| v.to_str().unwrap()).collect();
    assert!(vary.iter().any(|v| v.split(',').any(|h| h.trim().eq_ignore_ascii_case("accept"))), "{vary:?}");
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.contains("cooperatives,active,1116\n"), "{text}");
    assert!(text.contains("cooperatives,charter_capital,2772000000000\n"), "{text}");
});

db_test!(bac_giang_first_quarter_2022, |app| {
    load_demo(&app).await;
    let s = app.get("/api/v1/stats/summary?province=1&as_of=2022-03-31").await.json();
    assert_eq!(s["cooperatives"]["active"], 961);
    let quarters = app
        .get("/api/v1/stats/registrations?province=1&from=2022-01-01&to=2022-03-31&period=quarter")
        .await
        .json();
    assert_eq!(quarters.as_array().unwrap().len(), 1);
    assert_eq!(quarters[0]["period"], "2022-Q1");
    assert_eq!(quarters[0]["registered"], 12);
    assert_eq!(quarters[0]["total_at_end"], 961);
    // The Như Hoa cooperative of Việt Yên is in the register.
    let found = app.get("/api/v1/cooperatives?q=nhu%20hoa&district=109").await.json();
    let nhu_hoa = found["items"].as_array().unwrap().iter().find(|c| c["name"] == "HTX Như Hoa").cloned();
    let nhu_hoa = nhu_hoa.unwrap_or_else(|| panic!("no HTX Như Hoa in {found}"));

    // The load is in the audit trail like any other change, made by the command line.
    let analyst = bearer(&app.tokens.analyst);
    let as_analyst = |path: String| {
        let (app, analyst) = (&app, analyst.clone());
        async move {
            let res = app.request(Method::GET, &path, &[("authorization", analyst.as_str())], None).await;
            assert_eq!(res.status, 200, "{path}: {}", String::from_utf8_lossy(&res.body));
            res.json()["items"].as_array().unwrap().clone()
        }
    };
    let history = as_analyst(format!("/api/v1/cooperatives/{}/history", nhu_hoa["id"])).await;
    assert_eq!(history[0]["action"], "cooperative.register");
    assert_eq!(history[0]["after"]["name"], "HTX Như Hoa");
    assert!(history.iter().all(|e| e["actor_role"] == "cli" && e["actor_id"].is_null()), "{history:?}");
    for (object, action) in
        [("group", "group.register"), ("membership", "membership.join"), ("union", "union.register")]
    {
        let entries = as_analyst(format!("/api/v1/audit?object={object}&limit=1")).await;
        assert_eq!(entries.first().map(|e| e["action"].clone()), Some(action.into()), "{object}");
    }
});

db_test!(thai_binh_2018_and_alliance_batch_2021, |app| {
    load_demo(&app).await;
    let s = app.get("/api/v1/stats/summary?province=3&as_of=2018-12-31").await.json();
    assert_eq!(s["cooperatives"]["registered_in_year"], 8);
    assert_eq!(s["unions"]["registered_in_year"], 1);
    let before = app.get("/api/v1/stats/summary?province=3&as_of=2017-12-31").await.json();
    assert_eq!(before["unions"]["active"], 0, "the 2018 union is the province's first");
    assert_eq!(s["unions"]["active"], 1);

    let batch = app
        .get("/api/v1/stats/registrations?province=1&from=2021-11-01&to=2021-11-30&period=quarter")
        .await
        .json();
    assert_eq!(batch[0]["admitted"], 14, "batch 2/2021: 14 units admitted to the provincial alliance");
});

db_test!(exports_stream_every_selected_record, |app| {
    load_demo(&app).await;
    let active =
        app.get("/api/v1/stats/summary?province=1").await.json()["cooperatives"]["active"].as_i64().unwrap();
    assert!(active > 1000, "more than one export page");

    let csv = app.get("/api/v1/cooperatives/export?province=1&status=active").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, active);
    let ids: std::collections::HashSet<&str> = records.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(ids.len() as i64, active, "no record twice");
    assert!(records.iter().all(|r| r.get(17) == Some("active") && r.get(8) == Some("1")));

    let ndjson = app
        .get("/api/v1/cooperatives/export?province=1&status=active&format=ndjson&sort=-registration_date")
        .await;
    assert_eq!(ndjson.header("content-type").as_deref(), Some("application/x-ndjson"));
    let lines: Vec<serde_json::Value> = ndjson
        .body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len() as i64, active);
    let dates: Vec<&str> = lines.iter().map(|l| l["registration_date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "in the asked order");

    let found = app.get("/api/v1/cooperatives/export?q=nhu%20hoa&format=ndjson").await;
    assert!(String::from_utf8_lossy(&found.body).contains("HTX Như Hoa"));
    app.get("/api/v1/cooperatives/export?format=xml").await.names_field(400, "format");
    app.get("/api/v1/cooperatives/export?province=404").await.names_field(400, "province");
});
