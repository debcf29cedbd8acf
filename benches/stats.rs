//! Latency of the statistics endpoints on a pre-generated register.
//!
//! ```sh
//! target/release/coop-registry --database-url /tmp/bench.db generate --cooperatives 100000
//! cargo bench --bench stats -- --database-url /tmp/bench.db [--requests 400] [--seed 1]
//! ```
//!
//! Starts the real application in-process on 127.0.0.1 (two workers), warms it up, then
//! sends each endpoint `--requests` sequential requests with random `as_of` dates in
//! 1998-01-01..=2026-06-30 and random provinces, timing each one on the client from
//! sending to the last byte of the body. Prints a Markdown table; any status but 200
//! counts as an error.

use chrono::{Datelike, NaiveDate};
use clap::Parser;
use coop_registry::db::Db;
use coop_registry::on_backend;
use coop_registry::rng::Rng;
use coop_registry::schema::{capital_entries, member_entries, organizations, stat_daily, stat_monthly};
use diesel::prelude::*;

mod common;
use common::{ms, open, percentile, serve};

/// Latency of the statistics endpoints.
#[derive(Parser)]
#[command(name = "cargo bench --bench stats --")]
struct Args {
    /// The generated register.
    #[arg(long)]
    database_url: String,
    /// Sequential requests per endpoint.
    #[arg(long, default_value_t = 400, value_parser = common::at_least_one)]
    requests: usize,
    /// Seed of the random dates and provinces asked.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// One endpoint and how to build a random request to it.
struct Endpoint {
    name: &'static str,
    path: fn(NaiveDate, i64) -> String,
}

fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint { name: "summary (national)", path: |d, _| format!("/api/v1/stats/summary?as_of={d}") },
        Endpoint {
            name: "summary (province)",
            path: |d, p| format!("/api/v1/stats/summary?province={p}&as_of={d}"),
        },
        Endpoint {
            name: "by-sector (province)",
            path: |d, p| format!("/api/v1/stats/by-sector?province={p}&as_of={d}"),
        },
        Endpoint {
            name: "by-district (province)",
            path: |d, p| format!("/api/v1/stats/by-district?province={p}&as_of={d}"),
        },
        Endpoint {
            name: "registrations, 10 years",
            path: |d, p| {
                format!(
                    "/api/v1/stats/registrations?province={p}&from={}&to={d}&period=year",
                    day(d.year() - 9, 1, 1)
                )
            },
        },
        Endpoint {
            name: "registrations, 12 quarters",
            path: |d, p| {
                format!(
                    "/api/v1/stats/registrations?province={p}&from={}&to={d}&period=quarter",
                    day(d.year() - 2, 1, 1)
                )
            },
        },
    ]
}

fn row_counts(db: &Db) -> Vec<(&'static str, i64)> {
    db.read_blocking(|conn| {
        Ok(on_backend!(conn, c => vec![
            ("organizations", organizations::table.count().get_result(c)?),
            ("capital_entries", capital_entries::table.count().get_result(c)?),
            ("member_entries", member_entries::table.count().get_result(c)?),
            ("stat_monthly", stat_monthly::table.count().get_result(c)?),
            ("stat_daily", stat_daily::table.count().get_result(c)?),
        ]))
    })
    .expect("row counts")
}

async fn run(args: Args) {
    let db = open(&args.database_url).await;
    let backend = db.backend();
    let counts = {
        let db = db.clone();
        actix_web::web::block(move || row_counts(&db)).await.expect("blocking pool")
    };
    let (client, handle) = serve(&db);

    // The provinces to ask about: the generated ones where there are any.
    let (status, body, _) = client.get("/api/v1/provinces").await;
    assert_eq!(status, 200, "GET /api/v1/provinces");
    let listed: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let all: Vec<i64> = listed.as_array().expect("array").iter().filter_map(|p| p["id"].as_i64()).collect();
    let generated: Vec<i64> = all.iter().copied().filter(|id| *id >= 1001).collect();
    let provinces = if generated.is_empty() { all } else { generated };

    let first = day(1998, 1, 1);
    let span = (day(2026, 6, 30) - first).num_days();
    let mut rng = Rng::new(args.seed);
    let mut random_request = |e: &Endpoint| {
        let d = first + chrono::Days::new(rng.range(0, span) as u64);
        let p = *rng.pick(&provinces);
        (e.path)(d, p)
    };

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!();
    println!("backend: {backend:?}; {cores} cores; {} requests per endpoint, sequential", args.requests);
    println!();
    println!("| table | rows |");
    println!("| --- | ---: |");
    for (table, n) in &counts {
        println!("| {table} | {n} |");
    }
    println!();

    let warm_up = (args.requests / 10).clamp(5, 50);
    let mut results = Vec::new();
    for endpoint in endpoints() {
        for _ in 0..warm_up {
            client.get(&random_request(&endpoint)).await;
        }
        let mut latencies = Vec::with_capacity(args.requests);
        let mut errors = 0;
        for _ in 0..args.requests {
            let path = random_request(&endpoint);
            let (status, body, took) = client.get(&path).await;
            if status != 200 {
                if errors == 0 {
                    eprintln!("{path}: {status} {}", String::from_utf8_lossy(&body));
                }
                errors += 1;
            }
            latencies.push(took);
        }
        latencies.sort();
        results.push((endpoint.name, latencies, errors));
    }

    println!("| endpoint | requests | p50 ms | p99 ms | max ms | errors |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, latencies, errors) in &results {
        println!(
            "| {name} | {} | {} | {} | {} | {errors} |",
            latencies.len(),
            ms(percentile(latencies, 50.0)),
            ms(percentile(latencies, 99.0)),
            ms(*latencies.last().expect("at least one request")),
        );
    }
    handle.stop(true).await;
}

fn main() {
    actix_rt::System::new().block_on(run(Args::parse()));
}
