//! Reads, search, export and import at national scale, on a pre-generated register.
//!
//! ```sh
//! target/release/coop-registry --database-url /tmp/bench.db generate --cooperatives 1000000
//! cargo bench --bench registry -- --database-url /tmp/bench.db \
//!     [--import-database-url <empty db>] [--requests 400] [--import-rows 100000] [--seconds 5] \
//!     [--only reads|export|import] [--slowest 5]
//! ```
//!
//! Serves the database in-process on 127.0.0.1 (two workers) and measures, on the
//! client from sending to the last byte: fetch by id, a filtered list's first page and
//! its page 10,000 (keyset cursors made at that depth), search as a person types (prefixes
//! of real names, and of their words after the first); the throughput of `/healthz` (the
//! framework's ceiling) and of fetch by id, with 32 requests in flight; a CSV export of
//! every cooperative (rows per second, and how far the process's resident memory rose);
//! and an import of generated rows into an empty database (a fresh SQLite file unless `--import-database-url`).
//! `--only reads` measures the requests alone, `--only export` the export alone; `--only import` the import alone (no
//! `--database-url` needed). `--slowest N` prints each row's N slowest requests (to stderr). `RUST_LOG=coop_registry=debug` prints the import's phases.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, ValueEnum};
use coop_registry::auth::Actor;
use coop_registry::db::Db;
use coop_registry::domain::OrgKind;
use coop_registry::on_backend;
use coop_registry::rng::Rng;
use coop_registry::schema::{organizations, sectors};
use diesel::prelude::*;
use futures_util::StreamExt;

mod common;
use common::{ms, open, percentile, serve, Client};

/// Reads, search, export and import at national scale.
#[derive(Parser)]
#[command(name = "cargo bench --bench registry --")]
struct Args {
    /// The generated register (not needed with `--only import`).
    #[arg(long)]
    database_url: Option<String>,
    /// An empty database to import into (default: a fresh SQLite file).
    #[arg(long = "import-database-url")]
    import_url: Option<String>,
    /// Sequential requests per row.
    #[arg(long, default_value_t = 400, value_parser = common::at_least_one)]
    requests: usize,
    /// Rows of the generated spreadsheet the import reads.
    #[arg(long, default_value_t = 100_000)]
    import_rows: usize,
    /// Seconds each throughput run lasts.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Only this part.
    #[arg(long)]
    only: Option<Part>,
    /// How many of each row's slowest requests to print (to stderr).
    #[arg(long, default_value_t = 0)]
    slowest: usize,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    Reads,
    Export,
    Import,
}

/// The process's resident memory, in KiB (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A cursor for the name order after the row at `offset` of active cooperatives.
fn deep_cursor(db: &Db, offset: i64) -> String {
    let (name, id): (String, i64) = db
        .read_blocking(|conn| {
            Ok(on_backend!(conn, c => organizations::table
                .filter(organizations::kind.eq("cooperative"))
                .filter(organizations::status.eq("active"))
                .order((organizations::name_key.asc(), organizations::id.asc()))
                .select((organizations::name_key, organizations::id))
                .offset(offset)
                .first(c)?))
        })
        .expect("a row that deep");
    coop_registry::http::encode_cursor(
        "cooperatives",
        &serde_json::json!({"sort": "name", "value": name, "id": id}),
    )
}

/// Sequential requests: their latencies, sorted, and how many failed; the `slowest`
/// of them are printed to stderr with their paths.
async fn time_paths(client: &Client, paths: &[String], slowest: usize) -> (Vec<Duration>, usize) {
    for path in paths.iter().take(10) {
        client.get(path).await;
    }
    let mut latencies = Vec::with_capacity(paths.len());
    let mut errors = 0;
    for path in paths {
        let (status, body, took) = client.get(path).await;
        if status != 200 {
            if errors == 0 {
                eprintln!("{path}: {status} {}", String::from_utf8_lossy(&body));
            }
            errors += 1;
        }
        latencies.push((took, path));
    }
    latencies.sort();
    for (took, path) in latencies.iter().rev().take(slowest) {
        eprintln!("{} ms {path}", ms(*took));
    }
    (latencies.into_iter().map(|(took, _)| took).collect(), errors)
}

/// Requests per second with 32 in flight for `seconds`.
async fn throughput(client: &Client, paths: Arc<Vec<String>>, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let loops: Vec<_> = (0..32)
        .map(|i| {
            let (client, paths, done, stop) = (client.clone(), paths.clone(), done.clone(), stop.clone());
            actix_rt::spawn(async move {
                let mut n = i;
                while !stop.load(Ordering::Relaxed) {
                    let (status, ..) = client.get(&paths[n % paths.len()]).await;
                    if status == 200 {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    n += 32;
                }
            })
        })
        .collect();
    actix_rt::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        let _ = l.await;
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// A provincial spreadsheet of `rows` cooperatives in Bắc Giang.
fn spreadsheet(rows: usize, rng: &mut Rng) -> Vec<u8> {
    let mut csv = String::from(
        "STT,Số đăng ký,Tên HTX,Ngành nghề,Tỉnh,Huyện,Địa chỉ,Người đại diện,Ngày đăng ký,Vốn điều lệ,Số thành viên\n",
    );
    let sectors = ["Trồng trọt", "Chăn nuôi", "livestock", "fisheries", "Xây dựng"];
    for n in 0..rows {
        let district = 101 + rng.range(0, 9);
        let day = 1 + rng.range(0, 27);
        let month = 1 + rng.range(0, 11);
        let year = 2000 + rng.range(0, 24);
        let capital = 100_000_000 * (1 + rng.range(0, 50));
        csv.push_str(&format!(
            "{n},IMP{n:08},HTX Nhập {n},{},Bắc Giang,{district},Thôn {n},Người đại diện {n},{day:02}/{month:02}/{year},\"{capital}\",{}\n",
            rng.pick(&sectors),
            7 + rng.range(0, 200)
        ));
    }
    csv.into_bytes()
}

async fn run(args: Args) {
    let mut rng = Rng::new(1);
    let runs = |part: Part| args.only.is_none_or(|only| only == part);
    if runs(Part::Reads) || runs(Part::Export) {
        let Some(url) = &args.database_url else {
            Args::command()
                .error(ErrorKind::MissingRequiredArgument, "--database-url is needed but with --only import")
                .exit()
        };
        let db = open(url).await;
        let (client, stop) = serve(&db);

        let (ids, names): (Vec<i64>, Vec<String>) = {
            let db = db.clone();
            actix_web::web::block(move || {
                db.read_blocking(|conn| {
                    Ok(on_backend!(conn, c => organizations::table
                        .filter(organizations::kind.eq("cooperative"))
                        .select((organizations::id, organizations::name))
                        .load::<(i64, String)>(c)?))
                })
            })
            .await
            .unwrap()
            .expect("cooperatives")
            .into_iter()
            .unzip()
        };
        let sector_codes: Vec<String> = {
            let db = db.clone();
            actix_web::web::block(move || {
                db.read_blocking(|conn| {
                    Ok(on_backend!(conn, c => sectors::table.select(sectors::code).load(c)?))
                })
            })
            .await
            .unwrap()
            .expect("sectors")
        };
        println!(
            "\nbackend: {:?}; {} cooperatives; {} sequential requests per row\n",
            db.backend(),
            ids.len(),
            args.requests
        );

        if runs(Part::Reads) {
            reads(&db, &client, &args, (&ids, &names, &sector_codes), &mut rng).await;
        }
        if runs(Part::Export) {
            export(&client).await;
        }
        stop.stop(true).await;
    }
    if runs(Part::Import) {
        import(&args, &mut rng).await;
    }
}

/// Latencies of single requests, and the throughput of fetch by id against `/healthz`.
async fn reads(
    db: &Db,
    client: &Client,
    args: &Args,
    (ids, names, sector_codes): (&[i64], &[String], &[String]),
    rng: &mut Rng,
) {
    let n = args.requests;
    let by_id: Vec<String> = (0..n).map(|_| format!("/api/v1/cooperatives/{}", rng.pick(ids))).collect();
    let filtered = |rng: &mut Rng| {
        let province = 1001 + rng.range(0, 59);
        let sector =
            *rng.pick(&["crop_farming", "livestock", "general_agriculture", "transport", "trade_services"]);
        format!("/api/v1/cooperatives?province={province}&sector={sector}&status=active&limit=50")
    };
    let page_one: Vec<String> = (0..n).map(|_| filtered(rng)).collect();
    // Page 10,000 of 50 where the register is that large (most cooperatives are active).
    let deep_offset = (9_999 * 50).min(ids.len() as i64 * 8 / 10);
    let deep_page = deep_offset / 50 + 1;
    let cursors: Vec<String> = {
        let db = db.clone();
        let offsets: Vec<i64> = (0..10).map(|i| deep_offset + i * 5).collect();
        actix_web::web::block(move || offsets.into_iter().map(|o| deep_cursor(&db, o)).collect())
            .await
            .unwrap()
    };
    let deep: Vec<String> = (0..n)
        .map(|_| format!("/api/v1/cooperatives?status=active&limit=50&cursor={}", rng.pick(&cursors)))
        .collect();
    let search = |typed: &str| {
        format!(
            "/api/v1/cooperatives?q={}&limit=20",
            form_urlencoded::byte_serialize(typed.as_bytes()).collect::<String>()
        )
    };
    // What a person types: the first 3-14 letters of a name, or of its words after the
    // first ("nong nghiep nhu" for "HTX Nông nghiệp Như Hoa"), which no name starts with.
    let typed = |rng: &mut Rng, i: usize, skip_first_word: bool| {
        let picked: &String = rng.pick(names);
        let name = coop_registry::text::fold(picked);
        let words = match (skip_first_word, name.split_once(' ')) {
            (true, Some((_, rest))) => rest.to_owned(),
            _ => name,
        };
        words.chars().take(3 + i % 12).collect::<String>()
    };
    let typing: Vec<String> = (0..n).map(|i| search(&typed(rng, i, false))).collect();
    let typing_inside: Vec<String> = (0..n).map(|i| search(&typed(rng, i, true))).collect();
    // The same, within a sector, a province or a status picked apart from the name, so
    // that the phrase is often one that units under the filter do not hold.
    let within = |rng: &mut Rng, i: usize| {
        let filter = match i % 3 {
            0 => format!("sector={}", rng.pick(sector_codes)),
            1 => format!("province={}", 1001 + rng.range(0, 59)),
            _ => format!("status={}", rng.pick(&["suspended", "dissolved"])),
        };
        format!("{}&{filter}", search(&typed(rng, i, true)))
    };
    let typing_within: Vec<String> = (0..n).map(|i| within(rng, i)).collect();

    println!("| request | requests | p50 ms | p99 ms | max ms | errors |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let deep_name = format!("list page {deep_page} (status, by name)");
    for (name, paths) in [
        ("fetch by id", &by_id),
        ("list page 1 (province + sector + status)", &page_one),
        (deep_name.as_str(), &deep),
        ("search as you type (3–14 letters)", &typing),
        ("search as you type, from a name's second word", &typing_inside),
        ("the same within a sector, province or status", &typing_within),
    ] {
        let (latencies, errors) = time_paths(client, paths, args.slowest).await;
        println!(
            "| {name} | {} | {} | {} | {} | {errors} |",
            latencies.len(),
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 99.0)),
            ms(*latencies.last().unwrap())
        );
    }

    let healthz = throughput(client, Arc::new(vec!["/healthz".to_owned()]), args.seconds).await;
    let fetches = throughput(client, Arc::new(by_id.clone()), args.seconds).await;
    println!("\n| throughput, 32 in flight | requests/s |\n| --- | ---: |");
    println!("| /healthz (framework ceiling) | {healthz:.0} |");
    println!("| fetch by id | {fetches:.0} ({:.0}% of /healthz) |", 100.0 * fetches / healthz);
}

/// A CSV export of every cooperative: rows per second and the rise in resident memory.
async fn export(client: &Client) {
    let before = rss_kib();
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let started = Instant::now();
    let mut response = client
        .http
        .get(format!("{}/api/v1/cooperatives/export?format=csv", client.base))
        .send()
        .await
        .expect("export");
    let mut lines = 0u64;
    while let Some(chunk) = response.next().await {
        lines += chunk.expect("export chunk").iter().filter(|b| **b == b'\n').count() as u64;
    }
    let took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    let rows = lines.saturating_sub(1);
    println!("\n| export (CSV, every cooperative) | rows | seconds | rows/s | RSS rise MiB |\n| --- | ---: | ---: | ---: | ---: |");
    println!(
        "| streamed | {rows} | {:.1} | {:.0} | {:.1} |",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64(),
        (peak.load(Ordering::Relaxed).saturating_sub(before)) as f64 / 1024.0
    );
}

/// An import of generated rows into an empty database.
async fn import(args: &Args, rng: &mut Rng) {
    let dir = tempfile::tempdir().expect("temp dir");
    let import_url = args
        .import_url
        .clone()
        .unwrap_or_else(|| dir.path().join("import.db").to_string_lossy().into_owned());
    let target = open(&import_url).await;
    let csv = spreadsheet(args.import_rows, rng);
    let rows = args.import_rows;
    let took = actix_web::web::block(move || {
        let started = Instant::now();
        let report = target
            .write_blocking(|c| {
                coop_registry::import::import(c, &Actor::command_line(), OrgKind::Cooperative, &csv, false)
            })
            .unwrap_or_else(|e| panic!("import failed: {e:?}"));
        assert_eq!(report.imported, rows);
        started.elapsed()
    })
    .await
    .unwrap();
    println!("\n| import (CSV, empty register) | rows | seconds | rows/s |\n| --- | ---: | ---: | ---: |");
    println!(
        "| all or nothing, one transaction | {rows} | {:.1} | {:.0} |",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64()
    );
}

fn main() {
    coop_registry::db::sqlite_one_thread_per_connection();
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    actix_rt::System::new().block_on(run(Args::parse()));
}
