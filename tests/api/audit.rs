//! The audit trail, and retries made safe by `Idempotency-Key`.

use awc::http::Method;
use serde_json::json;

use crate::db_test;
use crate::fixtures::*;
use crate::harness::{bearer, TestApp};

async fn audit(app: &TestApp, query: &str) -> Vec<serde_json::Value> {
    let auth = bearer(&app.tokens.analyst);
    let res =
        app.request(Method::GET, &format!("/api/v1/audit{query}"), &[("authorization", &auth)], None).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()["items"].as_array().unwrap().clone()
}

db_test!(every_change_says_who_what_and_how, |app| {
    let unit = app.create("/api/v1/cooperatives", &cooperative("2402000001", "HTX Như Hoa")).await;
    let id = unit["id"].as_i64().unwrap();
    let item = format!("/api/v1/cooperatives/{id}");
    let tagged = [("x-request-id", "req-audit-1")];
    app.patch(&item, &json!({"legal_representative": "Trần Thị Lan"}), &tagged).await;
    app.post(&format!("{item}/members"), &json!({"effective_date": "2020-01-01", "member_count": 31})).await;

    let entries = audit(&app, &format!("?object=cooperative:{id}")).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["cooperative.register", "cooperative.update", "cooperative.add_members"]);
    assert!(entries.iter().all(|e| e["actor_role"] == "reviewer" && e["actor_id"].is_i64()));
    assert_eq!(entries[0]["before"], serde_json::Value::Null);
    assert_eq!(entries[0]["after"]["name"], "HTX Như Hoa");
    assert_eq!(entries[1]["before"]["legal_representative"], "Nguyễn Văn Hòa");
    assert_eq!(entries[1]["after"]["legal_representative"], "Trần Thị Lan");
    assert_eq!(entries[1]["before"]["version"], 1);
    assert!(entries[1]["after"].get("name").is_none(), "only changed fields: {}", entries[1]["after"]);
    assert_eq!(entries[1]["request_id"], "req-audit-1");
    assert_eq!(entries[2]["after"]["member_entry"]["member_count"], 31);
    assert!(!entries.iter().any(|e| e.to_string().contains(&app.tokens.reviewer)), "never the secret");

    // The same entries as the record's history; filters by actor and day.
    let auth = bearer(&app.tokens.reviewer);
    let history =
        app.request(Method::GET, &format!("{item}/history"), &[("authorization", &auth)], None).await;
    assert_eq!(history.json()["items"].as_array().unwrap().len(), 3);
    let district = bearer(&app.tokens.district);
    app.request(Method::GET, &format!("{item}/history"), &[("authorization", &district)], None)
        .await
        .problem(403);
    app.request(Method::GET, "/api/v1/audit", &[("authorization", &district)], None).await.problem(403);
    let reviewer_id = entries[0]["actor_id"].as_i64().unwrap();
    assert_eq!(audit(&app, &format!("?object=cooperative&actor={reviewer_id}")).await.len(), 3);
    assert_eq!(audit(&app, "?actor=987654").await.len(), 0);
    assert_eq!(audit(&app, "?object=cooperative&to=2000-01-01").await.len(), 0);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(audit(&app, &format!("?object=cooperative&from={today}&to={today}")).await.len(), 3);
    let bad =
        app.request(Method::GET, "/api/v1/audit?object=planet:1", &[("authorization", &auth)], None).await;
    bad.names_field(400, "object");
});

db_test!(audit_entries_cannot_be_changed_or_removed, |app| {
    app.create("/api/v1/cooperatives", &cooperative("2402000001", "HTX Như Hoa")).await;
    for statement in ["UPDATE audit_entries SET action = 'forged'", "DELETE FROM audit_entries"] {
        let refused = app
            .db
            .write(move |c| {
                use diesel::RunQueryDsl;
                Ok(coop_registry::on_backend!(c, c => diesel::sql_query(statement).execute(c))?)
            })
            .await;
        assert!(refused.is_err(), "{statement} was allowed");
    }
    let entries = audit(&app, "?object=cooperative").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "cooperative.register");
});

db_test!(a_retried_post_creates_nothing_new, |app| {
    let body = cooperative("2402000001", "HTX Như Hoa");
    let key = [("idempotency-key", "c1a7f3e0-2d4b-4f6a-9b1e-7c0d5e8a4b21")];
    let first = app.send_json(Method::POST, "/api/v1/cooperatives", &body, &key).await;
    assert_eq!(first.status, 201);
    let again = app.send_json(Method::POST, "/api/v1/cooperatives", &body, &key).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.get("/api/v1/cooperatives").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(audit(&app, "?object=cooperative").await.len(), 1);

    // The same key with another body is refused; another caller's key space is its own.
    let other = cooperative("2402000002", "HTX Khác");
    app.send_json(Method::POST, "/api/v1/cooperatives", &other, &key)
        .await
        .names_field(422, "Idempotency-Key");
    let admin = bearer(&app.tokens.admin);
    let as_admin = [key[0], ("authorization", admin.as_str())];
    let target = json!({"province_id": BAC_GIANG, "year": 2023, "target": 50});
    let put = app.send_json(Method::PUT, "/api/v1/plan-targets", &target, &as_admin).await;
    assert_eq!(put.status, 200, "PUT is not keyed");
    // A refused request is an outcome too: the retry gets the same answer replayed.
    let bad_key = [("idempotency-key", "k-2")];
    let bad = with(body.clone(), json!({"registration_number": "2402000003", "member_count": -1}));
    app.send_json(Method::POST, "/api/v1/cooperatives", &bad, &bad_key).await.problem(422);
    let replay = app.send_json(Method::POST, "/api/v1/cooperatives", &bad, &bad_key).await;
    replay.problem(422);
    assert_eq!(replay.header("idempotent-replayed").as_deref(), Some("true"));
    let malformed = [("idempotency-key", "")];
    app.send_json(Method::POST, "/api/v1/cooperatives", &other, &malformed)
        .await
        .names_field(400, "Idempotency-Key");
});
