//! Cross-cutting behaviour: request ids, security headers, concurrent writers.

use crate::db_test;
use crate::fixtures::*;
use awc::http::Method;

db_test!(request_ids_are_echoed_or_made, |app| {
    let given = app.request(Method::GET, "/healthz", &[("x-request-id", "abc-123")], None).await;
    assert_eq!(given.header("x-request-id").as_deref(), Some("abc-123"));
    let made = app.get("/healthz").await.header("x-request-id").expect("a request id");
    let other = app.get("/healthz").await.header("x-request-id").unwrap();
    assert_ne!(made, other);
    let hostile = app.request(Method::GET, "/healthz", &[("x-request-id", "<script>")], None).await;
    assert_ne!(hostile.header("x-request-id").as_deref(), Some("<script>"));
    let res = app.get("/api/v1/sectors").await;
    assert_eq!(res.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(res.header("x-frame-options").as_deref(), Some("DENY"));
});

db_test!(concurrent_writers_all_succeed, |app| {
    let writes = (0..40).map(|i| {
        let body = cooperative(&format!("24020{i:05}"), &format!("HTX Song song {i}"));
        let app = &app;
        async move { app.post("/api/v1/cooperatives", &body).await.status.as_u16() }
    });
    let reads = (0..40).map(|_| {
        let app = &app;
        async move { app.get("/api/v1/stats/summary?province=1").await.status.as_u16() }
    });
    let (writes, reads) = futures_util::future::join(
        futures_util::future::join_all(writes),
        futures_util::future::join_all(reads),
    )
    .await;
    assert!(writes.iter().all(|s| *s == 201), "{writes:?}");
    assert!(reads.iter().all(|s| *s == 200), "{reads:?}");
    let s = app.get("/api/v1/stats/summary?province=1").await.json();
    assert_eq!(s["cooperatives"]["active"], 40);
    let listed = app.get("/api/v1/cooperatives?limit=200").await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 40);
});

db_test!(wrong_methods_are_405_and_head_is_get_without_a_body, |app| {
    let res = app.request(Method::DELETE, "/api/v1/cooperatives", &[], None).await;
    res.problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET, HEAD, POST"));
    let res = app.request(Method::PUT, "/api/v1/cooperatives/12", &[], None).await;
    res.problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET, HEAD, PATCH"));
    app.request(Method::DELETE, "/api/v1/nowhere", &[], None).await.problem(404);
    // A literal segment beats a parameter: /export is not a record id.
    let res = app.request(Method::PATCH, "/api/v1/cooperatives/export", &[], None).await;
    res.problem(405);
    assert_eq!(res.header("allow").as_deref(), Some("GET, HEAD"));
    app.get("/api/v1/cooperatives/abc").await.names_field(400, "path");
    app.get("/api/v1/unions/1/members/x").await.names_field(400, "path");

    let get = app.get("/api/v1/sectors").await;
    let head = app.request(Method::HEAD, "/api/v1/sectors", &[], None).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-type"), get.header("content-type"));
});
