//! Bad input gets a 4xx problem document naming what is wrong, and changes nothing.

use awc::http::Method;
use serde_json::json;

use crate::db_test;
use crate::fixtures::*;

db_test!(each_invalid_field_is_named, |app| {
    let future = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let cases = [
        (json!({"charter_capital": -1}), "charter_capital"),
        (json!({"charter_capital": 1_000_000_000_001_i64}), "charter_capital"),
        (json!({"member_count": -3}), "member_count"),
        (json!({"registration_date": future}), "registration_date"),
        (json!({"registration_date": "1944-12-31"}), "registration_date"),
        (json!({"registration_date": "2019-02-30"}), "registration_date"),
        (json!({"registration_number": "x"}), "registration_number"),
        (json!({"registration_number": "24 02 000"}), "registration_number"),
        (json!({"name": "   "}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"phone": "call me"}), "phone"),
        (json!({"sector": "mining"}), "sector"),
        (json!({"province_id": 99}), "province_id"),
        (json!({"district_id": 9999}), "district_id"),
        (json!({"district_id": DONG_HUNG}), "district_id"),
        (json!({"district_id": null}), "district_id"),
        (json!({"province_id": BAC_NINH_2025, "district_id": null}), "province_id"),
        (json!({"alliance_batch": "2/2021"}), "alliance_batch"),
        (json!({"alliance_admission_date": "2018-01-01"}), "alliance_admission_date"),
        (json!({"name": 42}), "name"),
        (json!({"member_count": "many"}), "member_count"),
        (json!({"status": "active"}), "status"),
        (json!({"nickname": "x"}), "nickname"),
    ];
    for (change, field) in cases {
        let body = with(cooperative("2402000200", "HTX Kiểm tra"), change.clone());
        let res = app.post("/api/v1/cooperatives", &body).await;
        let problem = res.problem(422);
        let text = problem.to_string();
        assert!(text.contains(field), "{change} should name {field}: {problem}");
    }
    // Missing required fields are named too.
    for field in
        ["registration_number", "name", "sector", "province_id", "registration_date", "charter_capital"]
    {
        let body = with(cooperative("2402000200", "HTX Kiểm tra"), json!({ field: null }));
        let problem = app.post("/api/v1/cooperatives", &body).await.problem(422);
        assert!(problem.to_string().contains(field), "missing {field}: {problem}");
    }
    let page = app.get("/api/v1/cooperatives").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 0, "nothing was stored");
});

db_test!(unreadable_bodies_are_refused, |app| {
    let path = "/api/v1/cooperatives";
    let json_ct = [("content-type", "application/json")];
    let res = app.request(Method::POST, path, &json_ct, Some(b"{\"name\": ".to_vec())).await;
    res.problem(400);
    let res = app.request(Method::POST, path, &json_ct, Some(b"{} trailing".to_vec())).await;
    res.problem(400);
    let res = app.request(Method::POST, path, &json_ct, Some(vec![b'"', 0xff, 0xfe, b'"'])).await;
    res.problem(400);
    let res = app.request(Method::POST, path, &[("content-type", "text/plain")], Some(b"{}".to_vec())).await;
    res.problem(415);
    let res = app.request(Method::POST, path, &[], Some(b"{}".to_vec())).await;
    res.problem(415);
    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(10 * 1024 * 1024));
    let res = app.request(Method::POST, path, &json_ct, Some(huge.into_bytes())).await;
    res.problem(413);
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = app.request(Method::POST, path, &json_ct, Some(nested.into_bytes())).await;
    assert!(res.status.is_client_error());
    let duplicate = br#"{"name": "a", "name": "b"}"#.to_vec();
    app.request(Method::POST, path, &json_ct, Some(duplicate)).await.names_field(422, "name");
    let page = app.get("/api/v1/cooperatives").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
});

db_test!(bad_query_and_path_parameters_are_400, |app| {
    app.get("/api/v1/cooperatives?limit=0").await.names_field(400, "limit");
    app.get("/api/v1/cooperatives?limit=201").await.names_field(400, "limit");
    app.get("/api/v1/cooperatives?limit=abc").await.names_field(400, "limit");
    app.get("/api/v1/cooperatives?status=closed").await.names_field(400, "status");
    app.get("/api/v1/cooperatives?registered_from=2020-13-01").await.names_field(400, "registered_from");
    app.get("/api/v1/cooperatives?cursor=not-a-cursor").await.names_field(400, "cursor");
    app.get("/api/v1/cooperatives?sort=color").await.names_field(400, "sort");
    app.get("/api/v1/cooperatives?province=77").await.names_field(400, "province");
    app.get("/api/v1/cooperatives?district=77").await.names_field(400, "district");
    app.get("/api/v1/cooperative-groups?district=77").await.names_field(400, "district");
    app.get("/api/v1/cooperatives?sector=mining").await.names_field(400, "sector");
    app.get("/api/v1/cooperatives?bogus=1").await.problem(400);
    app.get("/api/v1/cooperatives?q=%27%3B%20DROP%20TABLE%20organizations%3B--").await;
    app.get("/api/v1/cooperatives/1%20OR%201=1").await.problem(400);
    app.get("/api/v1/cooperatives/99999999999999999999").await.problem(400);
    let res = app
        .request(
            Method::PATCH,
            "/api/v1/cooperatives/1",
            &[("content-type", "application/json"), ("if-match", "\"garbage\"")],
            Some(b"{}".to_vec()),
        )
        .await;
    assert!(res.status == 412 || res.status == 404, "{}", res.status);
    // The injection attempt above left the table in place.
    assert_eq!(app.get("/api/v1/cooperatives").await.status, 200);
});
