//! Assembles the application: routes, extractor settings, error pages, docs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders, Next};
use actix_web::{web, App, HttpMessage, HttpResponse};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::db::Db;
use crate::error::ApiError;
use crate::extract::{path_config, BodyLimit};
use crate::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::ratelimit::{Limiter, RateLimitSettings};

/// Settings of the HTTP layer, with the state its workers share (metrics, rate limits):
/// build it once per server and clone it into each worker.
#[derive(Clone)]
pub struct HttpSettings {
    /// Largest accepted JSON body, in bytes.
    pub body_limit: usize,
    /// Origins of the web frontends allowed to call the API (none: no CORS).
    pub cors_origins: Vec<String>,
    pub metrics: Arc<Metrics>,
    /// `None`: no rate limit.
    pub limiter: Option<Arc<Limiter>>,
}

impl HttpSettings {
    pub fn new(body_limit: usize, rate_limit: RateLimitSettings, cors_origins: Vec<String>) -> HttpSettings {
        HttpSettings { body_limit, cors_origins, metrics: Arc::default(), limiter: Limiter::new(rate_limit) }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings::new(crate::extract::DEFAULT_BODY_LIMIT, RateLimitSettings::default(), Vec::new())
    }
}

/// Every documented route; the OpenAPI document is collected from these registrations.
pub fn registry() -> UtoipaApp<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(
            scope::scope("/api/v1")
                .configure(crate::reference::routes)
                .configure(crate::import::routes::routes)
                .configure(crate::cooperatives::routes)
                .configure(crate::unions::all_routes)
                .configure(crate::groups::routes)
                .configure(crate::stats::routes)
                .configure(crate::submissions::routes::routes)
                .configure(crate::audit::routes::routes)
                .configure(crate::auth::routes::routes),
        )
        .configure(crate::health::routes)
}

/// The application served to clients.
pub fn app(
    db: Db,
    settings: HttpSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = registry().split_for_parts();
    let api = crate::openapi::complete(api);
    let routes = web::Data::new(RouteTable::from_document(&api));
    app.app_data(web::Data::new(db))
        .app_data(routes)
        .app_data(BodyLimit(settings.body_limit))
        .app_data(path_config())
        .app_data(web::Data::new(settings.metrics))
        .app_data(web::Data::new(settings.limiter))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", api))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(not_found))
        .wrap(from_fn(reads_after_writes))
        .wrap(from_fn(crate::idempotency::idempotent))
        .wrap(Compress::default())
        // Inside the security headers, so that a 429 carries them too.
        .wrap(from_fn(crate::ratelimit::limit))
        // Before the limiter: a caller is limited per verified token, so inventing
        // tokens buys no fresh allowance.
        .wrap(from_fn(crate::auth::authenticate))
        .wrap(security_headers())
        .wrap(crate::cors::cors(&settings.cors_origins))
        .wrap(from_fn(crate::cors::refusals_as_problems))
        .wrap(from_fn(head_as_get))
        .wrap(from_fn(crate::metrics::observe))
        .wrap(from_fn(log_request))
}

/// The documented paths and their methods (and whether each needs a token), to tell "no
/// such route" (404) from "not with this method" (405 with `Allow`).
struct RouteTable(Vec<(Vec<String>, Vec<MethodRule>)>);

/// A method of a path, and whether it needs a token.
type MethodRule = (&'static str, bool);

impl RouteTable {
    fn from_document(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", &item.get),
                    ("HEAD", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ];
                let methods = methods
                    .into_iter()
                    .filter_map(|(method, op)| op.as_ref().map(|op| (method, op.security.is_some())))
                    .collect();
                (segments, methods)
            })
            .collect();
        RouteTable(routes)
    }

    /// The methods of the most specific documented path matching `path` (literal
    /// segments beat parameters: `/cooperatives/export` before `/cooperatives/{id}`).
    fn allowed(&self, path: &str) -> Option<Vec<MethodRule>> {
        let asked: Vec<&str> = path.split('/').collect();
        let specificity = |template: &[String]| -> Option<usize> {
            if template.len() != asked.len() {
                return None;
            }
            let mut literal = 0;
            for (t, a) in template.iter().zip(&asked) {
                if t == a {
                    literal += 1;
                } else if !t.starts_with('{') || a.is_empty() {
                    return None;
                }
            }
            Some(literal)
        };
        let scored: Vec<(usize, &Vec<MethodRule>)> =
            self.0.iter().filter_map(|(t, m)| specificity(t).map(|s| (s, m))).collect();
        let best = scored.iter().map(|(s, _)| *s).max()?;
        Some(scored.into_iter().filter(|(s, _)| *s == best).flat_map(|(_, m)| m.iter().copied()).collect())
    }
}

async fn not_found(
    req: actix_web::HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let method = req.method().as_str();
    match routes.allowed(req.path()) {
        // The path's shape is known and the method allowed, so a parameter was malformed
        // (`/cooperatives/abc`); a caller without a token hears first that it needs one.
        Some(allow) if allow.iter().any(|(m, _)| *m == method) => {
            let secured = allow.iter().any(|(m, secured)| *m == method && *secured);
            if secured && crate::auth::caller(&req).is_none() {
                return Err(ApiError::Unauthorized(
                    "this route needs a token: send `Authorization: Bearer <token>`".into(),
                ));
            }
            Err(ApiError::bad_request("path", format!("{} has an invalid path parameter", req.path())))
        }
        Some(allow) => {
            let allow: Vec<&str> = allow.iter().map(|(m, _)| *m).collect();
            Err(ApiError::MethodNotAllowed { method: method.to_owned(), allow: allow.join(", ") })
        }
        None => Err(ApiError::NotFound(format!("route {method} {}", req.path()))),
    }
}

/// With a read replica, reads go to it except where a request must see writes: a write
/// (and the record it answers with), and every request of a caller with a token — the
/// committees and offices who write read their own writes. Public reads (lists, search,
/// statistics, exports) take the replica.
async fn reads_after_writes(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let reads = req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD;
    let has_token = req.headers().contains_key(actix_web::http::header::AUTHORIZATION);
    if !reads || has_token {
        let primary = req.app_data::<web::Data<Db>>().filter(|db| db.has_replica()).map(|db| db.on_primary());
        if let Some(primary) = primary {
            let mut data = actix_web::dev::Extensions::new();
            data.insert(web::Data::new(primary));
            req.add_data_container(std::rc::Rc::new(data));
        }
    }
    next.call(req).await
}

/// Serves HEAD as GET; the HTTP layer leaves the body out of the answer to a HEAD request.
async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Headers that keep browsers from sniffing, framing or leaking what the API returns.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
}

/// The client's `X-Request-Id` when it is a sane token, otherwise a new one.
fn request_id(req: &ServiceRequest) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let given = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).filter(|v| {
        !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    });
    match given {
        Some(id) => id.to_owned(),
        None => {
            let started = *PROCESS_TAG;
            format!("{started:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
        }
    }
}

/// Distinguishes this process's request ids from another instance's.
static PROCESS_TAG: LazyLock<u64> = LazyLock::new(|| {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
});

/// One log line per request (method, route pattern, path, status, latency, request id),
/// and the request id echoed in `X-Request-Id`. Headers are never logged: they may
/// carry credentials.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(crate::auth::RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    tracing::info!(
        request_id = %id,
        %method,
        route = %crate::metrics::route_of(response.request()),
        %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
