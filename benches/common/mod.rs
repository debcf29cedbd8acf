//! What the benchmarks share: the application served in-process, a timing HTTP client
//! and percentiles.

use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::HttpServer;
use coop_registry::app::{app, HttpSettings};
use coop_registry::db::{Db, DbSettings};

/// A count of one or more, from the command line.
pub fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("must be a whole number of at least 1".into()),
    }
}

/// Opens the database at `url` (off the async runtime: opening may migrate it).
pub async fn open(url: &str) -> Db {
    let settings = DbSettings {
        url: url.to_owned(),
        pool_size: 8,
        acquire_timeout: Duration::from_secs(30),
        query_timeout: None,
    };
    actix_web::web::block(move || Db::connect(&settings))
        .await
        .expect("blocking pool")
        .unwrap_or_else(|e| panic!("cannot open the database: {e}"))
}

/// Serves the real application over `db` on a free port of 127.0.0.1 with two workers;
/// a client of it, and the handle that stops it.
pub fn serve(db: &Db) -> (Client, ServerHandle) {
    let served = db.clone();
    let server = HttpServer::new(move || app(served.clone(), HttpSettings::default()))
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .bind("127.0.0.1:0")
        .expect("bind");
    let client = Client::new(format!("http://127.0.0.1:{}", server.addrs()[0].port()));
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    (client, handle)
}

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
