//! District committees file, the provincial office decides, the register changes only on
//! approval, once.

use awc::http::Method;
use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::*;
use crate::harness::{bearer, Response, TestApp, DISTRICT};

/// A registration payload: a new cooperative without its number (issued on approval).
fn registration(name: &str) -> Value {
    let mut payload = cooperative("unused", name);
    payload.as_object_mut().unwrap().remove("registration_number");
    json!({"kind": "registration", "unit": "cooperative", "payload": payload})
}

async fn as_role(app: &TestApp, secret: &str, method: Method, path: &str, body: Option<&Value>) -> Response {
    let auth = bearer(secret);
    match body {
        Some(body) => app.send_json(method, path, body, &[("authorization", &auth)]).await,
        None => app.request(method, path, &[("authorization", &auth)], None).await,
    }
}

async fn file(app: &TestApp, body: &Value) -> Response {
    as_role(app, &app.tokens.district, Method::POST, "/api/v1/submissions", Some(body)).await
}

db_test!(a_registration_goes_through_review, |app| {
    let res = file(&app, &registration("HTX Rau an toàn Quang Châu")).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let filed = res.json();
    assert_eq!(filed["status"], "pending");
    assert_eq!(filed["district_id"], DISTRICT);
    let id = filed["id"].as_i64().unwrap();
    let path = format!("/api/v1/submissions/{id}");
    assert_eq!(res.header("location").as_deref(), Some(path.as_str()));
    // Nothing in the register yet.
    assert_eq!(app.get("/api/v1/cooperatives").await.json()["items"].as_array().unwrap().len(), 0);

    // Its district and the office see it; another district does not.
    let mine = as_role(&app, &app.tokens.district, Method::GET, "/api/v1/submissions", None).await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let theirs =
        as_role(&app, &app.tokens.other_district, Method::GET, "/api/v1/submissions", None).await.json();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    as_role(&app, &app.tokens.other_district, Method::GET, &path, None).await.problem(403);
    let asked = format!("/api/v1/submissions?district={DISTRICT}");
    as_role(&app, &app.tokens.other_district, Method::GET, &asked, None).await.problem(403);
    assert_eq!(as_role(&app, &app.tokens.analyst, Method::GET, &path, None).await.status, 200);
    as_role(&app, &app.tokens.other_district, Method::POST, &format!("{path}/withdraw"), None)
        .await
        .problem(403);
    // A district cannot decide its own submission.
    as_role(&app, &app.tokens.district, Method::POST, &format!("{path}/approve"), Some(&json!({})))
        .await
        .problem(403);

    let approved =
        as_role(&app, &app.tokens.reviewer, Method::POST, &format!("{path}/approve"), Some(&json!({}))).await;
    assert_eq!(approved.status, 200, "{}", String::from_utf8_lossy(&approved.body));
    let approved = approved.json();
    assert_eq!(approved["status"], "approved");
    let record = app.get(approved["target"].as_str().unwrap()).await.json();
    assert_eq!(record["name"], "HTX Rau an toàn Quang Châu");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(record["registration_number"], format!("24.{year}.{id:06}"), "issued on approval");

    // Decided once.
    let twice =
        as_role(&app, &app.tokens.reviewer, Method::POST, &format!("{path}/approve"), Some(&json!({}))).await;
    twice.problem(409);
    let late = as_role(&app, &app.tokens.district, Method::POST, &format!("{path}/withdraw"), None).await;
    late.problem(409);
    let list = app.get("/api/v1/cooperatives").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
});

db_test!(bad_submissions_are_refused_at_once, |app| {
    let mut bad = registration("HTX Sai");
    bad["payload"]["charter_capital"] = json!(-5);
    file(&app, &bad).await.names_field(422, "payload.charter_capital");
    let mut numbered = registration("HTX Có số");
    numbered["payload"]["registration_number"] = json!("2402000999");
    file(&app, &numbered).await.names_field(422, "payload.registration_number");
    // Checked against the register like the direct write: an unknown sector is refused.
    let mut sector = registration("HTX Ngành lạ");
    sector["payload"]["sector"] = json!("no_such_sector");
    file(&app, &sector).await.names_field(422, "payload.sector");
    // Another district's registration is not this committee's to file.
    let mut elsewhere = registration("HTX Lục Ngạn");
    elsewhere["payload"]["district_id"] = json!(LUC_NGAN);
    file(&app, &elsewhere).await.problem(403);
    // An amendment needs its target, which must be in the district.
    file(&app, &json!({"kind": "amendment", "unit": "cooperative", "payload": {"members": {"effective_date": "2020-01-01", "member_count": 3}}}))
        .await
        .names_field(422, "target_id");
    let other = app
        .create(
            "/api/v1/cooperatives",
            &with(cooperative("2401000001", "HTX Lục Ngạn"), json!({"district_id": LUC_NGAN})),
        )
        .await;
    let amend = json!({"kind": "amendment", "unit": "cooperative", "target_id": other["id"],
                       "payload": {"members": {"effective_date": "2020-01-01", "member_count": 3}}});
    file(&app, &amend).await.problem(403);
    let listed = as_role(&app, &app.tokens.reviewer, Method::GET, "/api/v1/submissions", None).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "nothing stored");
});

db_test!(amendments_and_dissolutions_apply_on_approval, |app| {
    let unit = app.create("/api/v1/cooperatives", &cooperative("2402000001", "HTX Như Hoa")).await;
    let id = unit["id"].clone();
    let amend = json!({"kind": "amendment", "unit": "cooperative", "target_id": id, "payload": {
        "changes": {"legal_representative": "Trần Thị Lan", "address": "Thôn Mới, xã Hồng Thái", "location_effective_date": "2021-01-01"},
        "capital": {"effective_date": "2021-01-01", "charter_capital": 2_000_000_000_i64},
        "members": {"effective_date": "2021-01-01", "member_count": 40}}});
    // An amendment that names no change is refused when filed.
    for empty in [json!({"changes": {}}), json!({"changes": null})] {
        let nothing = json!({"kind": "amendment", "unit": "cooperative", "target_id": id, "payload": empty});
        file(&app, &nothing).await.names_field(422, "payload");
    }
    let filed = file(&app, &amend).await;
    assert_eq!(filed.status, 201, "{}", String::from_utf8_lossy(&filed.body));
    let sid = filed.json()["id"].as_i64().unwrap();
    // A registration number is issued to registrations only.
    let numbered = as_role(
        &app,
        &app.tokens.reviewer,
        Method::POST,
        &format!("/api/v1/submissions/{sid}/approve"),
        Some(&json!({"registration_number": "2402000999"})),
    )
    .await;
    numbered.names_field(422, "registration_number");
    let ok = as_role(
        &app,
        &app.tokens.reviewer,
        Method::POST,
        &format!("/api/v1/submissions/{sid}/approve"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    let record = app.get(&format!("/api/v1/cooperatives/{id}")).await.json();
    assert_eq!(record["legal_representative"], "Trần Thị Lan");
    assert_eq!(record["charter_capital"], 2_000_000_000_i64);
    assert_eq!(record["member_count"], 40);

    let dissolve = json!({"kind": "dissolution", "unit": "cooperative", "target_id": id, "payload": {"dissolution_date": "2022-06-30"}});
    let sid = file(&app, &dissolve).await.json()["id"].as_i64().unwrap();
    let reason = json!({"reason": "Thiếu biên bản đại hội thành viên"});
    let rejected = as_role(
        &app,
        &app.tokens.reviewer,
        Method::POST,
        &format!("/api/v1/submissions/{sid}/reject"),
        Some(&reason),
    )
    .await;
    assert_eq!(rejected.json()["reason"], "Thiếu biên bản đại hội thành viên");
    assert_eq!(app.get(&format!("/api/v1/cooperatives/{id}")).await.json()["status"], "active");
    let sid = file(&app, &dissolve).await.json()["id"].as_i64().unwrap();
    let withdrawn = as_role(
        &app,
        &app.tokens.district,
        Method::POST,
        &format!("/api/v1/submissions/{sid}/withdraw"),
        None,
    )
    .await;
    assert_eq!(withdrawn.json()["status"], "withdrawn");
    let sid = file(&app, &dissolve).await.json()["id"].as_i64().unwrap();
    as_role(
        &app,
        &app.tokens.reviewer,
        Method::POST,
        &format!("/api/v1/submissions/{sid}/approve"),
        Some(&json!({})),
    )
    .await;
    let record = app.get(&format!("/api/v1/cooperatives/{id}")).await.json();
    assert_eq!(record["status"], "dissolved");
    assert_eq!(record["dissolution_date"], "2022-06-30");
    let pending = as_role(&app, &app.tokens.analyst, Method::GET, "/api/v1/submissions?status=pending", None)
        .await
        .json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 0);
    let decided =
        as_role(&app, &app.tokens.analyst, Method::GET, "/api/v1/submissions?kind=dissolution", None)
            .await
            .json();
    assert_eq!(decided["items"].as_array().unwrap().len(), 3);
});

db_test!(ten_concurrent_approvals_apply_once, |app| {
    let sid = file(&app, &registration("HTX Đồng thời")).await.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/submissions/{sid}/approve");
    let approvals = (0..10).map(|_| {
        let (app, path) = (&app, &path);
        async move {
            as_role(app, &app.tokens.reviewer, Method::POST, path, Some(&json!({}))).await.status.as_u16()
        }
    });
    let statuses = futures_util::future::join_all(approvals).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    assert_eq!(app.get("/api/v1/cooperatives").await.json()["items"].as_array().unwrap().len(), 1);

    // Ten concurrent updates based on the same version: one wins, the rest are stale.
    let unit = app.get("/api/v1/cooperatives").await.json()["items"][0].clone();
    let item = format!("/api/v1/cooperatives/{}", unit["id"]);
    let tag = app.get(&item).await.header("etag").unwrap();
    let updates = (0..10).map(|i| {
        let (app, item, tag) = (&app, &item, &tag);
        async move {
            let body = json!({"legal_representative": format!("Người đại diện {i}")});
            app.patch(item, &body, &[("if-match", tag.as_str())]).await.status.as_u16()
        }
    });
    let statuses = futures_util::future::join_all(updates).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");
    assert_eq!(app.get(&item).await.json()["version"], 2);
});
