//! Bad input gets a 4xx problem document naming what is wrong, and changes nothing.

use awc::http::Method;
use serde_json::json;

use crate::db_test;
use crate::fixtures::*;
use crate::harness::bearer;

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
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000330", "HTX Tham số")).await;
    for history in ["capital", "members", "locations"] {
        let path = format!("/api/v1/cooperatives/{}/{history}", created["id"]);
        assert_eq!(app.get(&path).await.status, 200);
        app.get(&format!("{path}?limit=1")).await.names_field(400, "limit");
    }
    // A read by id refuses what it does not take, as the lists do: a client asking for
    // `?fields=name` learns that no such thing is served rather than getting the record.
    let record = format!("/api/v1/cooperatives/{}", created["id"]);
    let province = format!("/api/v1/provinces/{BAC_GIANG}");
    let district = format!("/api/v1/districts/{VIET_YEN}");
    for read in [&record, &province, &district, "/api/v1/sectors/crop_farming"] {
        assert_eq!(app.get(read).await.status, 200, "{read}");
        app.get(&format!("{read}?fields=name")).await.names_field(400, "fields");
    }
    let admin = bearer(&app.tokens.admin);
    let current = app
        .request(Method::GET, "/api/v1/tokens/current?verbose=1", &[("authorization", &admin)], None)
        .await;
    current.names_field(400, "verbose");
    let tokens =
        app.request(Method::GET, "/api/v1/tokens?role=admin", &[("authorization", &admin)], None).await;
    tokens.names_field(400, "role");
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

db_test!(text_no_column_can_hold_is_refused_where_it_arrives, |app| {
    let path = "/api/v1/cooperatives";
    let json_ct = [("content-type", "application/json")];
    // The NUL character: in a body (named by its field), a search and a cursor.
    let nul = with(cooperative("2402000300", "HTX Kiểm tra"), json!({"name": "HTX\u{0}Null"}));
    app.post(path, &nul).await.names_field(422, "name");
    for query in ["q=abc%00", "q=%00", "sector=crop%00"] {
        app.get(&format!("{path}?{query}")).await.problem(400);
        app.get(&format!("{path}/export?{query}")).await.problem(400);
    }
    app.get("/api/v1/cooperative-groups?q=%00").await.names_field(400, "q");
    // Dates outside the years 0001-9999 (SQLite would compare "+10000-01-01" as text).
    let far =
        with(cooperative("2402000301", "HTX Kiểm tra"), json!({"alliance_admission_date": "+10000-01-01"}));
    app.post(path, &far).await.names_field(422, "alliance_admission_date");
    for query in
        ["registered_from=%2B10000-01-01", "registered_to=%2B10000-01-01", "registered_from=-0001-01-01"]
    {
        let param = query.split('=').next().unwrap();
        app.get(&format!("{path}?{query}")).await.names_field(400, param);
    }
    // A struct's fields in order as an array.
    let array = serde_json::to_vec(&json!(["2402000302", "HTX Mảng"])).unwrap();
    app.request(Method::POST, path, &json_ct, Some(array)).await.names_field(422, "body");
    // Ranges that run backwards.
    let backwards = [
        ("/api/v1/cooperatives?registered_from=2024-01-01&registered_to=2023-01-01", "registered_from"),
        (
            "/api/v1/cooperatives/export?registered_from=2024-01-01&registered_to=2023-01-01",
            "registered_from",
        ),
        ("/api/v1/cooperative-groups?founded_from=2024-01-01&founded_to=2023-01-01", "founded_from"),
        ("/api/v1/submissions?submitted_from=2024-01-01&submitted_to=2023-01-01", "submitted_from"),
    ];
    let reviewer = bearer(&app.tokens.reviewer);
    for (url, field) in backwards {
        app.request(Method::GET, url, &[("authorization", &reviewer)], None).await.names_field(400, field);
    }
    let page = app.get(path).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 0, "nothing was stored");
});

db_test!(the_last_day_a_range_can_name_holds_every_earlier_time, |app| {
    app.create("/api/v1/cooperatives", &cooperative("2402000310", "HTX Cuối Ngày")).await;
    let reviewer = bearer(&app.tokens.reviewer);
    let audit =
        app.request(Method::GET, "/api/v1/audit?to=9999-12-31", &[("authorization", &reviewer)], None).await;
    assert_eq!(audit.status, 200, "{}", String::from_utf8_lossy(&audit.body));
    assert!(!audit.json()["items"].as_array().unwrap().is_empty(), "the creation is before 9999-12-31");
    let listed =
        app.get("/api/v1/cooperatives?registered_to=9999-12-31&registered_from=0001-01-01").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
});

db_test!(a_cursor_pages_only_the_list_that_issued_it, |app| {
    for (number, name) in [("2402000320", "HTX Một"), ("2402000321", "HTX Hai")] {
        app.create("/api/v1/cooperatives", &cooperative(number, name)).await;
    }
    let page = app.get("/api/v1/cooperatives?limit=1").await.json();
    let cursor = page["next_cursor"].as_str().expect("a second page").to_owned();
    assert_eq!(app.get(&format!("/api/v1/cooperatives?limit=1&cursor={cursor}")).await.status, 200);
    for other in ["/api/v1/unions", "/api/v1/cooperative-groups", "/api/v1/cooperatives/export"] {
        let res = app.get(&format!("{other}?cursor={cursor}")).await;
        if other.ends_with("export") {
            // The export takes no cursor at all.
            res.problem(400);
        } else {
            res.names_field(400, "cursor");
        }
    }
    let reviewer = bearer(&app.tokens.reviewer);
    let audit =
        app.request(Method::GET, "/api/v1/audit?limit=1", &[("authorization", &reviewer)], None).await;
    let audit_cursor = audit.json()["next_cursor"].as_str().expect("two entries").to_owned();
    let submissions = format!("/api/v1/submissions?cursor={audit_cursor}");
    app.request(Method::GET, &submissions, &[("authorization", &reviewer)], None)
        .await
        .names_field(400, "cursor");
});
