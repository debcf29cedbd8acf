//! What the benchmarks share: a timing HTTP client and percentiles.

use std::time::{Duration, Instant};

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: awc::Client,
}

impl Client {
    pub fn new(base: String) -> Client {
        Client { base, http: awc::Client::builder().timeout(Duration::from_secs(600)).finish() }
    }

    /// Status and body of a GET, and how long it took to the body's last byte.
    pub async fn get(&self, path: &str) -> (u16, Vec<u8>, Duration) {
        let started = Instant::now();
        let mut response = match self.http.get(format!("{}{path}", self.base)).send().await {
            Ok(r) => r,
            Err(e) => return (0, e.to_string().into_bytes(), started.elapsed()),
        };
        let body = response.body().limit(64 * 1024 * 1024).await.map(|b| b.to_vec()).unwrap_or_default();
        (response.status().as_u16(), body, started.elapsed())
    }
}
