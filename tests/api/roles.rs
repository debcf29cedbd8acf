//! Every route of the OpenAPI document, called by every kind of caller: the roles the
//! document lists for an operation get past authorization, every other token gets 403,
//! no token (or a bad one) 401; operations without a security requirement are public.

use awc::http::Method;
use serde_json::Value;

use crate::db_test;
use crate::harness::{bearer, Response, TestApp};

/// Callers: a label, the `Authorization` header ("" for none), and the role it holds.
fn callers(app: &TestApp) -> Vec<(&'static str, String, Option<&'static str>)> {
    vec![
        ("no token", String::new(), None),
        ("unknown token", bearer("coop_not-a-token"), None),
        ("malformed header", "Basic dXNlcjpwYXNz".to_owned(), None),
        ("admin", bearer(&app.tokens.admin), Some("admin")),
        ("reviewer", bearer(&app.tokens.reviewer), Some("reviewer")),
        ("district", bearer(&app.tokens.district), Some("district")),
        ("analyst", bearer(&app.tokens.analyst), Some("analyst")),
    ]
}

/// A concrete path for a documented one: every id is one that does not exist, so an
/// authorized call ends in 404 or 422 and changes nothing.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| if segment.starts_with('{') { "987654" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

fn roles_of(operation: &Value) -> Option<Vec<String>> {
    let requirements = operation.get("security")?.as_array()?;
    let roles = requirements
        .iter()
        .flat_map(|r| r.get("bearer").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    Some(roles)
}

async fn call(app: &TestApp, method: &Method, path: &str, auth: &str) -> Response {
    let headers = [("authorization", auth), ("content-type", "application/json")];
    let body = (method != Method::GET).then(|| b"{}".to_vec());
    app.request(method.clone(), path, &headers, body).await
}

db_test!(every_route_admits_exactly_its_roles, |app| {
    let document = app.get("/api/openapi.json").await.json();
    let mut checked = 0;
    let mut protected = 0;
    for (template, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let path = concrete(template);
            let roles = roles_of(operation);
            protected += usize::from(roles.is_some());
            for (who, auth, role) in callers(&app) {
                let res = call(&app, &method, &path, &auth).await;
                let status = res.status.as_u16();
                let context =
                    format!("{method} {template} as {who}: {status} {}", String::from_utf8_lossy(&res.body));
                match (&roles, role) {
                    (None, _) => assert!(status != 401 && status != 403, "public route refused: {context}"),
                    (Some(_), None) => {
                        assert_eq!(status, 401, "{context}");
                        assert!(
                            res.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")),
                            "{context}"
                        );
                        res.problem(401);
                    }
                    (Some(allowed), Some(role)) if allowed.iter().any(|r| r == role) => {
                        assert!(status != 401 && status != 403, "allowed role refused: {context}")
                    }
                    (Some(_), Some(_)) => {
                        res.problem(403);
                    }
                }
                assert!(status < 500, "{context}");
                checked += 1;
            }
        }
    }
    assert!(protected >= 20, "the write routes are protected: {protected}");
    assert!(checked > 300, "walked the whole document: {checked} calls");
    // Nothing was written by all those calls but the tokens themselves.
    let audit = app
        .request(Method::GET, "/api/v1/audit", &[("authorization", &bearer(&app.tokens.analyst))], None)
        .await;
    let entries = audit.json();
    let actions: Vec<&str> =
        entries["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.iter().all(|a| *a == "token.issue"), "{actions:?}");
});

db_test!(tokens_are_issued_revoked_and_never_shown_again, |app| {
    let admin = bearer(&app.tokens.admin);
    let auth = [("authorization", admin.as_str())];
    let res = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            &serde_json::json!({"name": "Phòng KTHT", "role": "analyst"}),
            &auth,
        )
        .await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let issued = res.json();
    let secret = issued["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("coop_") && secret.len() > 40);
    let id = issued["id"].as_i64().unwrap();

    let me = app
        .request(Method::GET, "/api/v1/tokens/current", &[("authorization", &bearer(&secret))], None)
        .await;
    assert_eq!(me.json()["role"], "analyst");
    let listed = app.request(Method::GET, "/api/v1/tokens", &auth, None).await;
    assert!(!String::from_utf8_lossy(&listed.body).contains(&secret), "the list never shows a secret");
    let stored: Vec<String> = app
        .db
        .read(|c| {
            use coop_registry::schema::api_tokens;
            use diesel::prelude::*;
            Ok(coop_registry::on_backend!(c, c => api_tokens::table.select(api_tokens::secret_hash).load(c))?)
        })
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&secret)), "only hashes are stored");

    // A district token needs its district, and only it has one.
    let bad = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            &serde_json::json!({"name": "x", "role": "district"}),
            &auth,
        )
        .await;
    bad.names_field(422, "district_id");
    let bad = app
        .send_json(
            Method::POST,
            "/api/v1/tokens",
            &serde_json::json!({"name": "x", "role": "admin", "district_id": 109}),
            &auth,
        )
        .await;
    bad.names_field(422, "district_id");

    let revoked =
        app.send_json(Method::POST, &format!("/api/v1/tokens/{id}/revoke"), &Value::Null, &auth).await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.json()["revoked_at"].is_string());
    let after = app
        .request(Method::GET, "/api/v1/tokens/current", &[("authorization", &bearer(&secret))], None)
        .await;
    after.problem(401);
    let again =
        app.send_json(Method::POST, &format!("/api/v1/tokens/{id}/revoke"), &Value::Null, &auth).await;
    again.problem(409);
});
