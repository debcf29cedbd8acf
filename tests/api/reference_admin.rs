//! Administrators manage reference data: units and sectors are added, renamed and ended
//! (merged into a successor), never deleted, every change audited, and a change that
//! would break the periods of the units and records around it is refused.

use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::*;
use crate::harness::{bearer, TestApp};

async fn as_admin(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Value,
    if_match: Option<&str>,
) -> crate::harness::Response {
    let admin = bearer(&app.tokens.admin);
    let mut headers = vec![("authorization", admin.as_str())];
    if let Some(tag) = if_match {
        headers.push(("if-match", tag));
    }
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    app.send_json(method, path, &body, &headers).await
}

fn thai_nguyen() -> Value {
    json!({"code": "19", "name": "Thái Nguyên", "kind": "province", "valid_from": "1997-01-01"})
}

db_test!(a_new_province_hosts_records_then_merges_into_its_successor, |app| {
    let created = as_admin(&app, "POST", "/api/v1/provinces", thai_nguyen(), None).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let province = created.json();
    let id = province["id"].as_i64().unwrap();
    assert_eq!(created.header("location").unwrap(), format!("/api/v1/provinces/{id}"));
    let read = app.get(&format!("/api/v1/provinces/{id}")).await;
    assert_eq!(read.json(), province);
    assert_eq!(read.header("etag"), created.header("etag"));

    let district = json!({"province_id": id, "code": "164", "name": "Phổ Yên", "kind": "town", "valid_from": "2000-01-01"});
    let district = as_admin(&app, "POST", "/api/v1/districts", district, None).await;
    assert_eq!(district.status, 201, "{}", String::from_utf8_lossy(&district.body));
    let district_id = district.json()["id"].as_i64().unwrap();

    let coop = with(
        cooperative("1901000001", "HTX Chè Tân Cương"),
        json!({"province_id": id, "district_id": district_id, "registration_date": "2020-05-04"}),
    );
    app.create("/api/v1/cooperatives", &coop).await;
    let summary = app.get(&format!("/api/v1/stats/summary?province={id}&as_of=2021-01-01")).await.json();
    assert_eq!(summary["cooperatives"]["active"], 1, "{summary}");

    // The province cannot end before its district or before the cooperative located in it.
    let early =
        as_admin(&app, "PATCH", &format!("/api/v1/provinces/{id}"), json!({"valid_to": "2019-12-31"}), None)
            .await;
    let errors = early.problem(422)["errors"].to_string();
    assert!(errors.contains("Phổ Yên") && errors.contains("2020-05-04"), "{errors}");
    let district_early = as_admin(
        &app,
        "PATCH",
        &format!("/api/v1/districts/{district_id}"),
        json!({"valid_to": "2020-05-03"}),
        None,
    )
    .await;
    district_early.names_field(422, "valid_to");

    // The 2025 merger: the old unit and its district end, a new one takes over.
    let successor = with(thai_nguyen(), json!({"valid_from": "2025-07-01", "name": "Thái Nguyên (2025)"}));
    let successor = as_admin(&app, "POST", "/api/v1/provinces", successor, None).await.json();
    let successor_id = successor["id"].as_i64().unwrap();
    let ended = as_admin(
        &app,
        "PATCH",
        &format!("/api/v1/districts/{district_id}"),
        json!({"valid_to": "2025-06-30"}),
        None,
    )
    .await;
    assert_eq!(ended.status, 200, "{}", String::from_utf8_lossy(&ended.body));
    let merge = json!({"valid_to": "2025-06-30", "successor_id": successor_id});
    let stale =
        as_admin(&app, "PATCH", &format!("/api/v1/provinces/{id}"), merge.clone(), Some("\"province-1-0\""))
            .await;
    stale.problem(412);
    let tag = app.get(&format!("/api/v1/provinces/{id}")).await.header("etag").unwrap();
    let merged = as_admin(&app, "PATCH", &format!("/api/v1/provinces/{id}"), merge, Some(&tag)).await;
    assert_eq!(merged.status, 200, "{}", String::from_utf8_lossy(&merged.body));
    assert_eq!(merged.json()["successor_id"], successor_id);
    assert_ne!(merged.header("etag").unwrap(), tag);

    // Statistics reach the old unit's cooperative through its successor.
    let through =
        app.get(&format!("/api/v1/stats/summary?province={successor_id}&as_of=2021-01-01")).await.json();
    assert_eq!(through["cooperatives"]["active"], 1, "{through}");

    // Every change is in the audit trail, with the fields before and after.
    let analyst = bearer(&app.tokens.analyst);
    let audit = app
        .request(
            awc::http::Method::GET,
            &format!("/api/v1/audit?object=province:{id}"),
            &[("authorization", analyst.as_str())],
            None,
        )
        .await
        .json();
    let entries = audit["items"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["province.create", "province.update"]);
    assert_eq!(entries[0]["actor_role"], "admin");
    assert_eq!(entries[1]["before"], json!({"valid_to": null, "successor_id": null}));
    assert_eq!(entries[1]["after"], json!({"valid_to": "2025-06-30", "successor_id": successor_id}));
});

db_test!(broken_periods_and_taken_codes_are_refused, |app| {
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move { as_admin(app, "POST", path, body, None).await }
    };
    // A successor must exist the day after the end.
    let late = with(thai_nguyen(), json!({"valid_to": "2025-06-30", "successor_id": BAC_GIANG}));
    post("/api/v1/provinces", late).await.names_field(422, "successor_id");
    let without_end = with(thai_nguyen(), json!({"successor_id": BAC_NINH_2025}));
    post("/api/v1/provinces", without_end).await.names_field(422, "successor_id");
    let unknown = with(thai_nguyen(), json!({"valid_to": "2025-06-30", "successor_id": 987654}));
    post("/api/v1/provinces", unknown).await.names_field(422, "successor_id");
    let backwards = with(thai_nguyen(), json!({"valid_to": "1990-01-01"}));
    post("/api/v1/provinces", backwards).await.names_field(422, "valid_to");
    let far = with(thai_nguyen(), json!({"valid_to": "2200-01-01"}));
    post("/api/v1/provinces", far).await.names_field(422, "valid_to");
    let bad_code = with(thai_nguyen(), json!({"code": "1'; DROP TABLE provinces; --"}));
    post("/api/v1/provinces", bad_code).await.names_field(422, "code");
    // Bắc Giang's code and first day are taken.
    let taken = with(thai_nguyen(), json!({"code": "24"}));
    post("/api/v1/provinces", taken).await.names_field(409, "code");

    let district = |changes: Value| {
        with(
            json!({"province_id": BAC_GIANG, "code": "999", "name": "Thử", "kind": "district", "valid_from": "2001-01-01", "valid_to": "2025-06-30"}),
            changes,
        )
    };
    post("/api/v1/districts", district(json!({"province_id": 987654}))).await.names_field(422, "province_id");
    post("/api/v1/districts", district(json!({"valid_to": null}))).await.names_field(422, "valid_to");
    post("/api/v1/districts", district(json!({"valid_from": "1990-01-01"})))
        .await
        .names_field(422, "valid_from");
    post("/api/v1/districts", district(json!({"kind": "commune"}))).await.problem(422);

    let far_end = as_admin(
        &app,
        "PATCH",
        &format!("/api/v1/districts/{VIET_YEN}"),
        json!({"valid_to": "2200-01-01"}),
        None,
    )
    .await;
    far_end.names_field(422, "valid_to");

    // Reopening Việt Yên after the district level was removed would leave it outside its
    // province; ending it before the cooperatives located there is refused too.
    let reopen =
        as_admin(&app, "PATCH", &format!("/api/v1/districts/{VIET_YEN}"), json!({"valid_to": null}), None)
            .await;
    reopen.names_field(422, "valid_to");
    app.create("/api/v1/cooperatives", &cooperative("2402000555", "HTX Như Hoa")).await;
    let before_coop = as_admin(
        &app,
        "PATCH",
        &format!("/api/v1/districts/{VIET_YEN}"),
        json!({"valid_to": "2019-04-01"}),
        None,
    )
    .await;
    before_coop.names_field(422, "valid_to");
    // Bắc Ninh (2025) must still exist the day Bắc Giang merged into it.
    let cut = as_admin(
        &app,
        "PATCH",
        &format!("/api/v1/provinces/{BAC_NINH_2025}"),
        json!({"valid_to": "2025-06-30"}),
        None,
    )
    .await;
    cut.names_field(422, "valid_to");

    // Nothing above changed the reference data.
    let viet_yen = app.get(&format!("/api/v1/districts/{VIET_YEN}")).await.json();
    assert_eq!(viet_yen["valid_to"], "2025-06-30");
    let provinces = app.get("/api/v1/provinces").await.json();
    assert_eq!(provinces.as_array().unwrap().len(), 6);
    // Only an administrator may change reference data.
    let reviewer = app.post("/api/v1/provinces", &thai_nguyen()).await;
    reviewer.problem(403);
});

db_test!(sectors_are_added_and_renamed_but_keep_their_group, |app| {
    let herbs = json!({"code": "medicinal_herbs", "name_vi": "Dược liệu", "name_en": "Medicinal herbs", "group": "agriculture_forestry_fisheries"});
    let created = as_admin(&app, "POST", "/api/v1/sectors", herbs.clone(), None).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    assert_eq!(created.header("location").unwrap(), "/api/v1/sectors/medicinal_herbs");
    as_admin(&app, "POST", "/api/v1/sectors", herbs, None).await.names_field(409, "code");

    let tag = app.get("/api/v1/sectors/medicinal_herbs").await.header("etag").unwrap();
    let renamed = as_admin(
        &app,
        "PATCH",
        "/api/v1/sectors/medicinal_herbs",
        json!({"name_en": "Medicinal plants"}),
        Some(&tag),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", String::from_utf8_lossy(&renamed.body));
    assert_eq!(renamed.json()["name_en"], "Medicinal plants");
    let again = as_admin(
        &app,
        "PATCH",
        "/api/v1/sectors/medicinal_herbs",
        json!({"name_vi": "Cây thuốc"}),
        Some(&tag),
    )
    .await;
    again.problem(412);
    let regroup =
        as_admin(&app, "PATCH", "/api/v1/sectors/medicinal_herbs", json!({"group": "non_agriculture"}), None)
            .await;
    assert!(regroup.status.is_client_error(), "{}", regroup.status);
    as_admin(&app, "PATCH", "/api/v1/sectors/mining", json!({"name_en": "Mining"}), None).await.problem(404);

    // Records use the new sector at once, and statistics count it in its group.
    let coop =
        with(cooperative("2402000777", "HTX Dược liệu Lục Ngạn"), json!({"sector": "medicinal_herbs"}));
    app.create("/api/v1/cooperatives", &coop).await;
    let rows =
        app.get(&format!("/api/v1/stats/by-sector?province={BAC_GIANG}&as_of=2020-01-01")).await.json();
    let herbs_row =
        rows["rows"].as_array().unwrap().iter().find(|r| r["sector"] == "medicinal_herbs").cloned();
    let herbs_row = herbs_row.unwrap_or_else(|| panic!("no medicinal_herbs row in {rows}"));
    assert_eq!(herbs_row["count"], 1, "{herbs_row}");
    assert_eq!(herbs_row["group"], "agriculture_forestry_fisheries");
});
