//! Rate limits per client: per token when the request carries a valid one (verified by
//! `auth::authenticate` before this runs, so invented tokens get no allowance of their
//! own), otherwise per peer address. The limiter is
//! governor's GCRA; this module only picks the key and writes the answer: `RateLimit-*`
//! headers on every limited route, 429 problem+json with `Retry-After` beyond the limit.

use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::ApiError;

/// Requests per minute and burst per client; `per_minute == 0` turns limiting off.
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimitSettings {
    pub per_minute: u32,
    /// Requests a client may make at once before the per-minute pace applies
    /// (0: as many as `per_minute`).
    pub burst: u32,
}

#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
enum Client {
    Address(IpAddr),
    Token(u64),
}

type Keyed = RateLimiter<Client, DefaultKeyedStateStore<Client>, DefaultClock, StateInformationMiddleware>;

/// One limiter per server, shared by its workers.
pub struct Limiter {
    keyed: Keyed,
    /// Seeded per process: token hashes mean nothing outside it.
    token_hasher: RandomState,
    checks: AtomicU64,
}

/// What the limiter decided for one request.
struct Decision {
    limit: u32,
    remaining: u32,
    /// Seconds until the client's allowance is whole again.
    reset: u64,
    /// Set when the request is refused: seconds until one more is allowed.
    retry_after: Option<u64>,
}

/// Forgetting clients whose allowance is whole again, every so many requests, keeps
/// the table from growing with every address ever seen.
const SWEEP_EVERY: u64 = 4096;

impl Limiter {
    pub fn new(settings: RateLimitSettings) -> Option<Arc<Limiter>> {
        let per_minute = NonZeroU32::new(settings.per_minute)?;
        let burst = NonZeroU32::new(settings.burst).unwrap_or(per_minute);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Some(Arc::new(Limiter {
            keyed: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            token_hasher: RandomState::new(),
            checks: AtomicU64::new(0),
        }))
    }

    fn client(&self, req: &ServiceRequest) -> Client {
        match crate::auth::caller(req).and_then(|actor| actor.token_id) {
            Some(token) => Client::Token(self.token_hasher.hash_one(token)),
            None => Client::Address(req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())),
        }
    }

    fn check(&self, client: &Client) -> Decision {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.keyed.retain_recent();
            self.keyed.shrink_to_fit();
        }
        let seconds = |d: Duration| d.as_secs() + u64::from(d.subsec_nanos() > 0);
        match self.keyed.check_key(client) {
            Ok(state) => {
                let quota = state.quota();
                let limit = quota.burst_size().get();
                let remaining = state.remaining_burst_capacity();
                let reset = seconds(quota.replenish_interval() * (limit - remaining));
                Decision { limit, remaining, reset, retry_after: None }
            }
            Err(refused) => {
                let wait = seconds(refused.wait_time_from(self.keyed.clock().now())).max(1);
                let limit = refused.quota().burst_size().get();
                Decision { limit, remaining: 0, reset: wait, retry_after: Some(wait) }
            }
        }
    }
}

impl Decision {
    fn write_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            ("ratelimit-limit", self.limit.into()),
            ("ratelimit-remaining", self.remaining.into()),
            ("ratelimit-reset", self.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}

/// Probes and the metrics scrape are not limited: a load balancer or Prometheus polling
/// often must never be refused.
pub fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<Option<Arc<Limiter>>>>().and_then(|l| l.as_ref().clone());
    let Some(limiter) = limiter.filter(|_| !exempt(req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let decision = limiter.check(&limiter.client(&req));
    if let Some(retry_after_secs) = decision.retry_after {
        let mut refused = ApiError::TooManyRequests { retry_after_secs }.error_response();
        decision.write_headers(refused.headers_mut());
        return Ok(req.into_response(refused).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    decision.write_headers(response.headers_mut());
    Ok(response.map_into_left_body())
}
