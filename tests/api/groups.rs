use serde_json::json;

use crate::db_test;
use crate::fixtures::*;

fn group(name: &str) -> serde_json::Value {
    json!({
        "name": name,
        "sector": "crop_farming",
        "province_id": BAC_GIANG,
        "district_id": LUC_NGAN,
        "founding_date": "2020-05-20",
        "member_count": 12,
        "representative": "Trần Thị Lan"
    })
}

db_test!(groups_register_change_and_dissolve, |app| {
    let created = app.create("/api/v1/cooperative-groups", &group("Tổ hợp tác vải thiều Phượng Sơn")).await;
    let path = format!("/api/v1/cooperative-groups/{}", created["id"]);
    assert_eq!(created["district"]["name"], "Lục Ngạn");
    let etag = app.get(&path).await.header("etag").unwrap();
    let res = app.patch(&path, &json!({"member_count": 15}), &[("if-match", &etag)]).await;
    assert_eq!(res.json()["member_count"], 15);
    app.patch(&path, &json!({"member_count": 16}), &[("if-match", &etag)]).await.problem(412);
    app.patch(&path, &json!({"member_count": -1}), &[]).await.names_field(422, "member_count");

    let found = app.get("/api/v1/cooperative-groups?q=vai%20thieu%20phuong").await.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    app.post(&format!("{path}/status"), &json!({"status": "dissolved", "dissolution_date": "2019-01-01"}))
        .await
        .names_field(422, "dissolution_date");
    let res = app
        .post(&format!("{path}/status"), &json!({"status": "dissolved", "dissolution_date": "2024-01-31"}))
        .await;
    assert_eq!(res.json()["status"], "dissolved");
    app.post(&format!("{path}/status"), &json!({"status": "active"})).await.names_field(409, "status");

    app.post("/api/v1/cooperative-groups", &with(group("Tổ"), json!({"district_id": DONG_HUNG})))
        .await
        .names_field(422, "district_id");
    app.post("/api/v1/cooperative-groups", &with(group("Tổ"), json!({"sector": "x"})))
        .await
        .names_field(422, "sector");
    let all = app.get("/api/v1/cooperative-groups?status=dissolved").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
});
