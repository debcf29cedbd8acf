//! Prometheus metrics at `GET /metrics`: requests by route pattern and status, latency,
//! connection pool usage and database failures.

use std::sync::{Arc, LazyLock};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::db::{Backend, Db};
use crate::error::ApiError;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route pattern (`/api/v1/cooperatives/{id}`), never the raw path, so that
    /// the number of series stays bounded.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DbErrorLabels {
    kind: &'static str,
}

/// Failures of database work, process-wide: they are counted where the work runs
/// (`Db`), which knows nothing of the application serving it.
static DB_ERRORS: LazyLock<Family<DbErrorLabels, Counter>> = LazyLock::new(Family::default);

/// Counts a failed database call: `unavailable` (busy, timed out, no connection) or
/// `internal`. Answers about the request itself (404, 409, 422) are not failures.
pub fn count_db_error(e: &ApiError) {
    let kind = match e {
        ApiError::Unavailable(_) => "unavailable",
        ApiError::Internal(_) => "internal",
        _ => return,
    };
    DB_ERRORS.get_or_create(&DbErrorLabels { kind }).inc();
}

/// Latency buckets in seconds, from 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The metrics of one server; build once and share between its workers.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool: Family<PoolLabels, Gauge>,
    sqlite_memory: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency =
            Family::<RouteLabels, Histogram>::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        let pool = Family::<PoolLabels, Gauge>::default();
        let sqlite_memory = Gauge::default();
        let mut registry = Registry::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by route pattern",
            latency.clone(),
        );
        registry.register("db_pool_connections", "Database pool connections, in use or idle", pool.clone());
        registry.register("db_errors", "Failed database calls (unavailable or internal)", DB_ERRORS.clone());
        // Tells a growing server apart from SQLite's page caches filling up to their bound.
        registry.register(
            "sqlite_memory_bytes",
            "Memory SQLite holds (page caches, statements, schemas); 0 on PostgreSQL",
            sqlite_memory.clone(),
        );
        Metrics { registry, requests, latency, pool, sqlite_memory }
    }
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.latency
            .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
            .observe(seconds);
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// The exposition, with the pools' current usage.
    fn render(&self, db: &Db) -> String {
        for (pool, in_use, idle) in db.pool_usage() {
            self.pool.get_or_create(&PoolLabels { pool, state: "in_use" }).set(i64::from(in_use));
            self.pool.get_or_create(&PoolLabels { pool, state: "idle" }).set(i64::from(idle));
        }
        self.sqlite_memory.set(match db.backend() {
            Backend::Sqlite => crate::db::sqlite_memory_used(),
            Backend::Postgres => 0,
        });
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The route pattern a request matched, or `unmatched` (unknown paths must not add
/// series).
pub fn route_of(req: &actix_web::HttpRequest) -> String {
    req.match_pattern().unwrap_or_else(|| "unmatched".to_owned())
}

/// Counts every answer, the middleware's own (429, CORS) included.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let shared = req.app_data::<web::Data<Arc<Metrics>>>().cloned();
    let method = req.method().to_string();
    let response = next.call(req).await?;
    if let Some(shared) = shared {
        let route = route_of(response.request());
        shared.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// Prometheus metrics in the OpenMetrics text format.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "application/openmetrics-text"))
)]
#[get("/metrics")]
pub async fn metrics(shared: web::Data<Arc<Metrics>>, db: web::Data<Db>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(shared.render(&db))
}
