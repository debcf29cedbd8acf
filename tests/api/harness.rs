//! Builds the whole application on a fresh database per test and drives it over HTTP.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix_web::HttpServer;
use awc::http::header::HeaderMap;
use awc::http::{Method, StatusCode};
use coop_registry::app::{app, HttpSettings};
pub use coop_registry::db::Backend;
use coop_registry::db::{Db, DbSettings};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::Value;

/// Runs the test body once on SQLite and once on PostgreSQL (when `TEST_POSTGRES_URL`
/// names a server; otherwise the PostgreSQL run says so and passes).
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::db_test!($name, $crate::harness::Options::default(), |$app| $body);
    };
    ($name:ident, $options:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let $app =
                    $crate::harness::TestApp::spawn_with($crate::harness::Backend::Sqlite, $options).await;
                $body
            }

            #[actix_web::test]
            async fn postgres() {
                if !$crate::harness::postgres_configured() {
                    eprintln!("TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
                    return;
                }
                let $app =
                    $crate::harness::TestApp::spawn_with($crate::harness::Backend::Postgres, $options).await;
                $body
            }
        }
    };
}

pub fn postgres_configured() -> bool {
    std::env::var("TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty())
}

/// Secrets of one token per role, issued when the app starts.
pub struct Tokens {
    pub admin: String,
    pub reviewer: String,
    pub analyst: String,
    /// Speaks for [`DISTRICT`].
    pub district: String,
    /// Speaks for [`OTHER_DISTRICT`].
    pub other_district: String,
}

/// Việt Yên (Bắc Giang), the district of the test's district token.
pub const DISTRICT: i64 = 109;
/// Lạng Giang (Bắc Giang), another district.
pub const OTHER_DISTRICT: i64 = 104;

/// How a test's server differs from the default one.
#[derive(Default)]
pub struct Options {
    pub http: HttpSettings,
    pub query_timeout: Option<Duration>,
}

/// A running server on its own database.
pub struct TestApp {
    pub base: String,
    /// Writes without an `Authorization` header are sent with `tokens.reviewer`; send
    /// `("authorization", "")` to send none.
    pub tokens: Tokens,
    /// The application's database, for loading data the API does not take in one call.
    pub db: Db,
    client: awc::Client,
    server: actix_web::dev::ServerHandle,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Vec<(String, String)>,
}

/// A response, read whole.
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().expect("ASCII header").to_owned())
    }

    /// Asserts a problem document with this status and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.header("content-type").as_deref(), Some("application/problem+json"));
        let problem = self.json();
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string());
        problem
    }

    /// Asserts a 422 (or `status`) problem naming `field`.
    #[track_caller]
    pub fn names_field(&self, status: u16, field: &str) -> Value {
        let problem = self.problem(status);
        let fields: Vec<&str> =
            problem["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
        assert!(fields.contains(&field), "expected an error on {field}, got {problem}");
        problem
    }
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = NEXT_DB.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("coop_test_{}_{}_{}", std::process::id(), n, nanos)
}

/// Creates a fresh PostgreSQL database next to the one `TEST_POSTGRES_URL` names; returns
/// its URL and name.
pub fn create_pg_database(admin_url: &str) -> (String, String) {
    let name = unique_name();
    let mut admin = diesel::pg::PgConnection::establish(admin_url).expect("TEST_POSTGRES_URL reachable");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    (format!("{base}/{name}"), name)
}

/// Opens (and migrates) the database at `url` as the tests' servers do.
pub async fn open_db(url: String, query_timeout: Option<Duration>) -> Db {
    let settings = DbSettings { url, pool_size: 4, acquire_timeout: Duration::from_secs(10), query_timeout };
    actix_web::web::block(move || Db::connect(&settings)).await.unwrap().expect("database opens and migrates")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
        let (url, dir, pg_drop) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("registry.db");
                (path.to_string_lossy().into_owned(), Some(dir), None)
            }
            Backend::Postgres => {
                let admin = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
                let (url, name) = create_pg_database(&admin);
                (url, None, Some((admin, name)))
            }
        };
        let db = open_db(url, options.query_timeout).await;
        Self::serve(db, options.http, dir, pg_drop.into_iter().collect()).await
    }

    /// A server on PostgreSQL whose public reads go to a second database standing in
    /// for a read replica (it has the schema, but replication never fills it).
    pub async fn spawn_with_replica() -> TestApp {
        let admin = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
        let (primary_url, primary) = create_pg_database(&admin);
        let (replica_url, replica) = create_pg_database(&admin);
        open_db(replica_url.clone(), None).await;
        let settings = DbSettings {
            url: primary_url,
            pool_size: 4,
            acquire_timeout: Duration::from_secs(10),
            query_timeout: None,
        };
        let db =
            open_db(settings.url.clone(), None).await.with_replica(&replica_url, &settings).expect("replica");
        Self::serve(db, HttpSettings::default(), None, vec![(admin.clone(), primary), (admin, replica)]).await
    }

    /// Serves `db` with a token of each role; `pg_drop` names PostgreSQL databases (admin
    /// URL, name) to drop at the end.
    pub async fn serve(
        db: Db,
        http: HttpSettings,
        dir: Option<tempfile::TempDir>,
        pg_drop: Vec<(String, String)>,
    ) -> TestApp {
        let tokens = issue_tokens(&db).await;
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = listener.local_addr().unwrap().port();
        let served = db.clone();
        let server = HttpServer::new(move || app(served.clone(), http.clone()))
            .workers(2)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            tokens,
            db,
            client: awc::Client::builder().timeout(Duration::from_secs(30)).finish(),
            server: handle,
            _dir: dir,
            pg_drop,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Response {
        let reads = method == Method::GET || method == Method::HEAD;
        let authorized = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        let default_auth = format!("Bearer {}", self.tokens.reviewer);
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if !reads && !authorized {
            req = req.insert_header(("authorization", default_auth.as_str()));
        }
        for (name, value) in headers
            .iter()
            .filter(|(name, value)| !(name.eq_ignore_ascii_case("authorization") && value.is_empty()))
        {
            req = req.insert_header((*name, *value));
        }
        let sent = match body {
            Some(bytes) => req.send_body(bytes).await,
            None => req.send().await,
        };
        let mut res = sent.unwrap_or_else(|e| panic!("request to {path} failed: {e}"));
        let body = res.body().limit(64 * 1024 * 1024).await.expect("response body").to_vec();
        Response { status: res.status(), headers: res.headers().clone(), body }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, &[], None).await
    }

    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request(method, path, &all, Some(serde_json::to_vec(body).unwrap())).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, body, &[]).await
    }

    pub async fn patch(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Response {
        self.send_json(Method::PATCH, path, body, headers).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path, &[], None).await
    }

    /// Creates a record and returns its JSON, asserting 201.
    pub async fn create(&self, path: &str, body: &Value) -> Value {
        let res = self.post(path, body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&res.body));
        res.json()
    }
}

/// Issues one token per role, as the command line would.
async fn issue_tokens(db: &Db) -> Tokens {
    use coop_registry::auth::tokens::{issue, NewToken};
    use coop_registry::auth::{Actor, Role};
    let mut secrets = Vec::new();
    for (role, district) in [
        (Role::Admin, None),
        (Role::Reviewer, None),
        (Role::Analyst, None),
        (Role::District, Some(DISTRICT)),
        (Role::District, Some(OTHER_DISTRICT)),
    ] {
        let input = NewToken { name: format!("test {}", role.as_str()), role, district_id: district };
        let issued = db.write(move |c| issue(c, &Actor::command_line(), input)).await.expect("token issued");
        secrets.push(issued.secret);
    }
    let mut next = secrets.into_iter();
    let mut take = || next.next().expect("five tokens");
    Tokens { admin: take(), reviewer: take(), analyst: take(), district: take(), other_district: take() }
}

/// `Authorization` header value for a secret.
pub fn bearer(secret: &str) -> String {
    format!("Bearer {secret}")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting work; the database is dropped with the pools.
        drop(self.server.stop(false));
        for (admin, name) in self.pg_drop.drain(..) {
            if let Ok(mut conn) = diesel::pg::PgConnection::establish(&admin) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}
