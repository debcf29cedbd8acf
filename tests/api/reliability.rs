//! The reliability and security gate: metrics, rate limits, CORS, query timeouts.

use std::time::Duration;

use awc::http::Method;
use coop_registry::app::HttpSettings;
use coop_registry::db::Conn;
use coop_registry::error::ApiError;
use coop_registry::ratelimit::RateLimitSettings;
use diesel::prelude::*;

use crate::db_test;
use crate::harness::{bearer, Backend, Options};

db_test!(metrics_count_requests_by_route_pattern_and_status, |app| {
    assert_eq!(app.get("/api/v1/provinces").await.status, 200);
    app.get("/api/v1/cooperatives/987654").await.problem(404);
    app.get("/api/v1/cooperatives/987655").await.problem(404);
    app.get("/no/such/path").await.problem(404);
    let res = app.get("/metrics").await;
    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = String::from_utf8(res.body).unwrap();
    let line = |series: &str| {
        text.lines()
            .find(|l| l.starts_with(series))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(line(r#"http_requests_total{method="GET",route="/api/v1/provinces",status="200"}"#), "1");
    // Two paths, one route pattern.
    assert_eq!(
        line(r#"http_requests_total{method="GET",route="/api/v1/cooperatives/{id:[0-9]+}",status="404"}"#),
        "2"
    );
    assert_eq!(line(r#"http_requests_total{method="GET",route="unmatched",status="404"}"#), "1");
    assert!(!text.contains("987654") && !text.contains("/no/such/path"), "raw paths leak into labels");
    assert_eq!(line(r#"http_request_duration_seconds_count{method="GET",route="/api/v1/provinces"}"#), "1");
    assert!(text.contains(
        r#"http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/provinces"}"#
    ));
    let pools: &[&str] = match app.db.backend() {
        Backend::Sqlite => &["read", "write"],
        Backend::Postgres => &["main"],
    };
    for pool in pools {
        line(&format!(r#"db_pool_connections{{pool="{pool}",state="idle"}}"#));
        line(&format!(r#"db_pool_connections{{pool="{pool}",state="in_use"}}"#));
    }
    assert!(text.contains("# TYPE db_errors counter"));
    let sqlite_memory: i64 = line("sqlite_memory_bytes ").parse().unwrap();
    match app.db.backend() {
        Backend::Sqlite => assert!(sqlite_memory > 0, "SQLite's page caches hold pages"),
        Backend::Postgres => assert_eq!(sqlite_memory, 0),
    }
});

/// One request a minute after a burst of two: nothing replenishes while the test runs.
fn strict_limit() -> Options {
    Options {
        http: HttpSettings::new(64 * 1024, RateLimitSettings { per_minute: 1, burst: 2 }, vec![]),
        ..Options::default()
    }
}

db_test!(rate_limits_apply_per_address_and_per_token, strict_limit(), |app| {
    let first = app.get("/api/v1/sectors").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("ratelimit-limit").as_deref(), Some("2"));
    assert_eq!(first.header("ratelimit-remaining").as_deref(), Some("1"));
    assert!(first.header("ratelimit-reset").is_some());
    assert_eq!(app.get("/api/v1/sectors").await.header("ratelimit-remaining").as_deref(), Some("0"));
    let refused = app.get("/api/v1/sectors").await;
    let problem = refused.problem(429);
    assert_eq!(problem["type"], "/problems/too-many-requests");
    let retry_after: u64 = refused.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(retry_after >= 1);
    assert_eq!(refused.header("ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(refused.header("x-content-type-options").as_deref(), Some("nosniff"));
    // The document promises this answer, with exactly the headers it carries.
    let document = serde_json::to_value(coop_registry::openapi::document()).unwrap();
    let reference = document["paths"]["/api/v1/sectors"]["get"]["responses"]["429"]["$ref"].as_str().unwrap();
    let documented = document.pointer(reference.trim_start_matches('#')).expect("the referred response");
    assert!(documented["content"]["application/problem+json"].is_object(), "{documented}");
    let headers = documented["headers"].as_object().expect("documented headers");
    assert_eq!(headers.len(), 4, "{documented}");
    for name in headers.keys() {
        assert!(refused.header(&name.to_lowercase()).is_some(), "documented {name} missing");
    }
    // Probes are never limited.
    assert_eq!(app.get("/readyz").await.status, 200);

    // A valid token is a client of its own, whatever address it comes from; an invented
    // one buys no fresh allowance (it counts against its address, spent already).
    let get_as = |secret: &str| {
        let header = bearer(secret);
        let app = &app;
        async move {
            app.request(Method::GET, "/api/v1/sectors", &[("authorization", header.as_str())], None).await
        }
    };
    assert_eq!(get_as(&app.tokens.analyst).await.status, 200);
    assert_eq!(get_as(&app.tokens.analyst).await.status, 200);
    get_as(&app.tokens.analyst).await.problem(429);
    get_as("coop_invented").await.problem(429);
    let other = get_as(&app.tokens.admin).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.header("ratelimit-remaining").as_deref(), Some("1"));
});

fn frontend() -> Options {
    let origins = vec!["https://app.example.vn".to_owned()];
    Options {
        http: HttpSettings::new(64 * 1024, RateLimitSettings::default(), origins),
        ..Options::default()
    }
}

async fn preflight(app: &crate::harness::TestApp, origin: &str) -> crate::harness::Response {
    let headers = [
        ("origin", origin),
        ("access-control-request-method", "PATCH"),
        ("access-control-request-headers", "content-type, if-match"),
    ];
    app.request(Method::OPTIONS, "/api/v1/cooperatives/1", &headers, None).await
}

db_test!(cors_admits_the_configured_origins_only, frontend(), |app| {
    let allowed = preflight(&app, "https://app.example.vn").await;
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.header("access-control-allow-origin").as_deref(), Some("https://app.example.vn"));
    assert!(allowed.header("access-control-allow-methods").unwrap().contains("PATCH"));

    let denied = preflight(&app, "https://elsewhere.example").await;
    denied.names_field(400, "origin");
    assert_eq!(denied.header("access-control-allow-origin"), None);

    let get =
        app.request(Method::GET, "/api/v1/sectors", &[("origin", "https://app.example.vn")], None).await;
    assert_eq!(get.header("access-control-allow-origin").as_deref(), Some("https://app.example.vn"));
    let get =
        app.request(Method::GET, "/api/v1/sectors", &[("origin", "https://elsewhere.example")], None).await;
    assert_eq!(get.status, 200);
    assert_eq!(get.header("access-control-allow-origin"), None);
});

db_test!(without_origins_there_are_no_cors_headers, |app| {
    let get =
        app.request(Method::GET, "/api/v1/sectors", &[("origin", "https://app.example.vn")], None).await;
    assert_eq!(get.status, 200);
    assert_eq!(get.header("access-control-allow-origin"), None);
    assert_eq!(preflight(&app, "https://app.example.vn").await.header("access-control-allow-origin"), None);
});

diesel::define_sql_function! {
    /// A slow SQLite query on demand: sleeps, then returns its argument.
    fn sleep_ms(ms: diesel::sql_types::Integer) -> diesel::sql_types::Integer;
}

/// Database work that takes two seconds on either backend.
fn slow_query(conn: &mut Conn) -> Result<(), ApiError> {
    match conn {
        Conn::Sqlite(c) => {
            sleep_ms_utils::register_impl(c, |ms: i32| {
                std::thread::sleep(Duration::from_millis(ms as u64));
                ms
            })?;
            diesel::select(sleep_ms(2000)).execute(&mut **c)?;
        }
        Conn::Pg(c) => {
            diesel::sql_query("SELECT pg_sleep(2)").execute(&mut **c)?;
        }
    }
    Ok(())
}

fn short_queries() -> Options {
    Options { query_timeout: Some(Duration::from_millis(100)), ..Options::default() }
}

db_test!(database_work_past_the_query_timeout_is_unavailable, short_queries(), |app| {
    match app.db.read(slow_query).await {
        Err(ApiError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {:?}", other.map_err(|e| e.to_string())),
    }
    // The error answers 503 problem+json with Retry-After.
    let response = actix_web::ResponseError::error_response(&ApiError::Unavailable("slow".into()));
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    let metrics = app.get("/metrics").await;
    assert!(String::from_utf8_lossy(&metrics.body).contains(r#"db_errors_total{kind="unavailable"}"#));

    if app.db.backend() == Backend::Postgres {
        // PostgreSQL cancels the statement itself: even a caller that waits gets the
        // cancellation, not the result two seconds later.
        let db = app.db.clone();
        let waited = actix_web::web::block(move || db.read_blocking(slow_query)).await.unwrap();
        assert!(matches!(waited, Err(ApiError::Unavailable(_))), "{:?}", waited.map_err(|e| e.to_string()));
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            statement_timeout: String,
        }
        let setting = app
            .db
            .read(|c| match c {
                Conn::Pg(c) => {
                    Ok(diesel::sql_query("SHOW statement_timeout").get_result::<Setting>(&mut **c)?)
                }
                Conn::Sqlite(_) => unreachable!(),
            })
            .await
            .unwrap();
        assert_eq!(setting.statement_timeout, "100ms");
    }
});
