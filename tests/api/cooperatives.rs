use awc::http::Method;
use serde_json::json;

use crate::db_test;
use crate::fixtures::*;

db_test!(create_then_read_back, |app| {
    let res = app.post("/api/v1/cooperatives", &cooperative("2402000123", "  HTX   Như Hoa ")).await;
    assert_eq!(res.status, 201);
    let created = res.json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(res.header("location").unwrap(), format!("/api/v1/cooperatives/{id}"));
    let etag = res.header("etag").unwrap();
    assert_eq!(created["name"], "HTX Như Hoa", "names are trimmed and white space collapsed");
    assert_eq!(created["status"], "active");
    assert_eq!(created["version"], 1);
    assert_eq!(created["sector"]["group"], "agriculture_forestry_fisheries");
    assert_eq!(created["district"]["name"], "Việt Yên");
    assert_eq!(created["charter_capital"], 1_500_000_000_i64);

    let read = app.get(&format!("/api/v1/cooperatives/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), created);
    assert_eq!(read.header("etag").unwrap(), etag);

    let cached = app
        .request(Method::GET, &format!("/api/v1/cooperatives/{id}"), &[("if-none-match", &etag)], None)
        .await;
    assert_eq!(cached.status, 304);

    // Histories start on the registration date.
    let capital = app.get(&format!("/api/v1/cooperatives/{id}/capital")).await.json();
    assert_eq!(
        capital,
        json!([{"id": capital[0]["id"], "effective_date": "2019-04-02", "charter_capital": 1_500_000_000_i64, "note": null, "recorded_at": capital[0]["recorded_at"]}])
    );
    let members = app.get(&format!("/api/v1/cooperatives/{id}/members")).await.json();
    assert_eq!(members[0]["member_count"], 27);
    let locations = app.get(&format!("/api/v1/cooperatives/{id}/locations")).await.json();
    assert_eq!(locations[0]["district_id"], VIET_YEN);

    // A union route does not serve a cooperative.
    app.get(&format!("/api/v1/unions/{id}")).await.problem(404);
    app.get("/api/v1/cooperatives/999999").await.problem(404);
});

db_test!(registration_numbers_are_unique, |app| {
    app.create("/api/v1/cooperatives", &cooperative("2402000123", "HTX A")).await;
    let res = app.post("/api/v1/cooperatives", &cooperative("2402000123", "HTX B")).await;
    res.names_field(409, "registration_number");
    let page = app.get("/api/v1/cooperatives").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["name"], "HTX A");
});

db_test!(patch_honours_if_match, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000124", "HTX Lục Ngạn")).await;
    let path = format!("/api/v1/cooperatives/{}", created["id"]);
    let etag = app.get(&path).await.header("etag").unwrap();

    let res = app
        .patch(&path, &json!({"name": "HTX Vải thiều Lục Ngạn", "email": null}), &[("if-match", &etag)])
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let updated = res.json();
    assert_eq!(updated["name"], "HTX Vải thiều Lục Ngạn");
    assert_eq!(updated["email"], serde_json::Value::Null);
    assert_eq!(updated["phone"], "0204 3854 123", "absent fields stay");
    assert_eq!(updated["version"], 2);
    assert_ne!(res.header("etag").unwrap(), etag);

    // The old ETag is stale now.
    let stale = app.patch(&path, &json!({"name": "Other"}), &[("if-match", &etag)]).await;
    stale.problem(412);
    assert_eq!(app.get(&path).await.json()["name"], "HTX Vải thiều Lục Ngạn");

    // Search sees the new name at once.
    let found = app.get("/api/v1/cooperatives?q=vai%20thieu").await.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // Registration data is not editable through PATCH.
    app.patch(&path, &json!({"registration_date": "2020-01-01"}), &[])
        .await
        .names_field(422, "registration_date");
});

db_test!(concurrent_updates_of_one_version_make_one_change, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000125", "HTX Tân Yên")).await;
    let path = format!("/api/v1/cooperatives/{}", created["id"]);
    let etag = app.get(&path).await.header("etag").unwrap();
    let attempts = (0..10).map(|i| {
        let body = json!({"legal_representative": format!("Người đại diện {i}")});
        let path = path.clone();
        let etag = etag.clone();
        let app = &app;
        async move { app.patch(&path, &body, &[("if-match", &etag)]).await.status.as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");
    assert_eq!(app.get(&path).await.json()["version"], 2);
});

db_test!(a_move_records_a_location_entry, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000126", "HTX Di chuyển")).await;
    let path = format!("/api/v1/cooperatives/{}", created["id"]);
    let res = app
        .patch(&path, &json!({"district_id": LUC_NGAN, "address": "Xã Quý Sơn", "location_effective_date": "2021-06-01"}), &[])
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["district"]["name"], "Lục Ngạn");
    let locations = app.get(&format!("{path}/locations")).await.json();
    let districts: Vec<i64> =
        locations.as_array().unwrap().iter().map(|l| l["district_id"].as_i64().unwrap()).collect();
    assert_eq!(districts, [VIET_YEN, LUC_NGAN]);

    // A district of another province, or one that no longer existed, is refused.
    app.patch(&path, &json!({"district_id": DONG_HUNG, "location_effective_date": "2022-01-01"}), &[])
        .await
        .names_field(422, "district_id");
    app.patch(&path, &json!({"district_id": VIET_YEN, "location_effective_date": "2025-08-01"}), &[])
        .await
        .names_field(422, "province_id");
    // Moving to today's Bắc Ninh after the reorganisation: no district level any more.
    let res = app
        .patch(&path, &json!({"province_id": BAC_NINH_2025, "district_id": null, "location_effective_date": "2025-08-01"}), &[])
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["province"]["name"], "Bắc Ninh");
});

db_test!(dissolution_is_dated_and_final, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000127", "HTX Giải thể")).await;
    let status = format!("/api/v1/cooperatives/{}/status", created["id"]);
    app.post(&status, &json!({"status": "dissolved"})).await.names_field(422, "dissolution_date");
    app.post(&status, &json!({"status": "dissolved", "dissolution_date": "2018-01-01"}))
        .await
        .names_field(422, "dissolution_date");
    app.post(&status, &json!({"status": "suspended", "dissolution_date": "2020-01-01"}))
        .await
        .names_field(422, "dissolution_date");
    let suspended = app.post(&status, &json!({"status": "suspended"})).await;
    assert_eq!(suspended.json()["status"], "suspended");
    let res = app.post(&status, &json!({"status": "dissolved", "dissolution_date": "2023-05-31"})).await;
    assert_eq!(res.status, 200);
    let dissolved = res.json();
    assert_eq!(dissolved["status"], "dissolved");
    assert_eq!(dissolved["dissolution_date"], "2023-05-31");
    app.post(&status, &json!({"status": "active"})).await.names_field(409, "status");
    // The record stays readable and listed.
    let listed = app.get("/api/v1/cooperatives?status=dissolved").await.json();
    assert_eq!(listed["items"][0]["id"], created["id"]);
    // Records are never deleted: the route has no DELETE.
    assert_eq!(app.delete(&format!("/api/v1/cooperatives/{}", created["id"])).await.status, 405);
});

db_test!(capital_and_member_histories_keep_current_values, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000128", "HTX Vốn")).await;
    let base = format!("/api/v1/cooperatives/{}", created["id"]);
    let entry = app.create(&format!("{base}/capital"), &json!({"effective_date": "2021-01-01", "charter_capital": 2_000_000_000_i64, "note": "Đại hội thành viên"})).await;
    assert_eq!(entry["charter_capital"], 2_000_000_000_i64);
    // A back-dated entry joins the history without replacing the current figure.
    app.create(
        &format!("{base}/capital"),
        &json!({"effective_date": "2020-01-01", "charter_capital": 1_800_000_000_i64}),
    )
    .await;
    let current = app.get(&base).await.json();
    assert_eq!(current["charter_capital"], 2_000_000_000_i64);
    assert_eq!(current["version"], 3);
    let history = app.get(&format!("{base}/capital")).await.json();
    let dates: Vec<&str> =
        history.as_array().unwrap().iter().map(|e| e["effective_date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2019-04-02", "2020-01-01", "2021-01-01"]);

    app.post(&format!("{base}/capital"), &json!({"effective_date": "2021-01-01", "charter_capital": 5}))
        .await
        .names_field(409, "effective_date");
    app.post(&format!("{base}/capital"), &json!({"effective_date": "2010-01-01", "charter_capital": 5}))
        .await
        .names_field(422, "effective_date");
    app.post(&format!("{base}/capital"), &json!({"effective_date": "2022-01-01", "charter_capital": -5}))
        .await
        .names_field(422, "charter_capital");

    app.create(&format!("{base}/members"), &json!({"effective_date": "2022-03-01", "member_count": 41}))
        .await;
    assert_eq!(app.get(&base).await.json()["member_count"], 41);
    let members = app.get(&format!("{base}/members")).await.json();
    assert_eq!(members.as_array().unwrap().len(), 2);
    app.get("/api/v1/cooperatives/424242/capital").await.problem(404);
});

db_test!(if_match_compares_strong_tags_of_this_record, |app| {
    let a = app.create("/api/v1/cooperatives", &cooperative("2402000129", "HTX Một")).await;
    let b = app.create("/api/v1/cooperatives", &cooperative("2402000130", "HTX Hai")).await;
    let path = format!("/api/v1/cooperatives/{}", a["id"]);
    let tag_a = app.get(&path).await.header("etag").unwrap();
    let tag_b = app.get(&format!("/api/v1/cooperatives/{}", b["id"])).await.header("etag").unwrap();
    let change = json!({"name": "HTX Một Mới"});
    app.patch(&path, &change, &[("if-match", &tag_b)]).await.problem(412);
    app.patch(&path, &change, &[("if-match", &format!("W/{tag_a}"))]).await.problem(412);
    app.patch(&path, &change, &[("if-match", "null")]).await.names_field(400, "If-Match");
    app.patch("/api/v1/cooperatives/987654", &change, &[("if-match", &tag_a)]).await.problem(404);
    let list = format!("\"x-1-v1\", {tag_a}");
    let res = app.patch(&path, &change, &[("if-match", &list)]).await;
    assert_eq!(res.status, 200, "a list holding the current tag matches");
    assert!(
        res.json()["updated_at"].as_str().unwrap().ends_with('Z'),
        "timestamps are RFC 3339 with an offset"
    );
    assert_eq!(app.patch(&path, &json!({"name": "HTX Một"}), &[("if-match", "*")]).await.status, 200);
});

db_test!(sending_back_the_current_location_changes_nothing, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000131", "HTX Giữ nguyên")).await;
    let path = format!("/api/v1/cooperatives/{}", created["id"]);
    let same = json!({"province_id": BAC_GIANG, "district_id": VIET_YEN, "address": created["address"]});
    let res = app.patch(&path, &same, &[]).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let locations = app.get(&format!("{path}/locations")).await.json();
    assert_eq!(locations.as_array().unwrap().len(), 1);
});

db_test!(a_change_that_names_nothing_leaves_the_record_and_the_trail, |app| {
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000132", "HTX Không đổi")).await;
    let path = format!("/api/v1/cooperatives/{}", created["id"]);
    let etag = app.get(&path).await.header("etag").unwrap();
    for nothing in [json!({}), json!({"name": null})] {
        let res = app.patch(&path, &nothing, &[("if-match", &etag)]).await;
        assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
        assert_eq!(res.json()["version"], 1, "{nothing} bumps no version");
    }
    assert_eq!(app.get(&path).await.header("etag").unwrap(), etag);
    let auth = crate::harness::bearer(&app.tokens.reviewer);
    let history = app
        .request(awc::http::Method::GET, &format!("{path}/history"), &[("authorization", &auth)], None)
        .await;
    let actions: Vec<String> = history.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["cooperative.register"], "no entry for a change of nothing");
});
