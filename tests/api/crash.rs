//! Crash safety: the server is killed with SIGKILL while clients write; after each
//! restart every write it acknowledged is there, nothing half-written is, the statistics
//! agree with the register and SQLite's integrity check passes.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use awc::http::StatusCode;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::fixtures::cooperative;

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(db: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_coop-registry"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--workers", "2"])
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .env("RATE_LIMIT_PER_MINUTE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(res) = client.get(format!("{base}/readyz")).send().await {
            if res.status() == StatusCode::OK {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server did not become ready");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, base }
}

/// Issues a reviewer token with the command line, as an operator would.
fn reviewer_token(db: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_coop-registry"))
        .args(["token", "create", "--name", "crash test", "--role", "reviewer"])
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("token command runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Writes cooperatives until the server stops answering; returns the registration
/// numbers it acknowledged with 201.
async fn writer(base: String, token: String, prefix: String) -> Vec<String> {
    let client = awc::Client::builder().timeout(Duration::from_secs(5)).finish();
    let mut acknowledged = Vec::new();
    for n in 0.. {
        let number = format!("{prefix}{n:05}");
        let body = cooperative(&number, &format!("HTX Ghi {number}"));
        let request = client.post(format!("{base}/api/v1/cooperatives")).bearer_auth(&token);
        match request.send_json(&body).await {
            Ok(res) if res.status() == StatusCode::CREATED => acknowledged.push(number),
            // A busy database may ask the client to retry; nothing else is acceptable.
            Ok(res) => assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{number}"),
            Err(_) => break,
        }
    }
    acknowledged
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[actix_web::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db").to_string_lossy().into_owned();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ u64::from(std::process::id());
    let token = reviewer_token(&db);
    for round in 0..6 {
        let mut server = start(&db).await;
        let writers: Vec<_> = (0..4)
            .map(|w| actix_rt::spawn(writer(server.base.clone(), token.clone(), format!("24{round}{w}"))))
            .collect();
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let pause = 150 + (seed >> 33) % 400;
        actix_rt::time::sleep(Duration::from_millis(pause)).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().unwrap();
        for w in writers {
            acknowledged.extend(w.await.unwrap());
        }
    }
    assert!(acknowledged.len() > 20, "the writers got work done: {}", acknowledged.len());
    eprintln!("{} writes acknowledged across 6 kills", acknowledged.len());

    // A last start recovers the file (WAL replay), then the file is checked directly.
    let mut server = start(&db).await;
    let stats = awc::Client::default()
        .get(format!("{}/api/v1/stats/summary?province=1", server.base))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let mut conn = diesel::sqlite::SqliteConnection::establish(&db).unwrap();
    conn.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
    let check: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn).unwrap();
    assert_eq!(check.iter().map(|l| l.integrity_check.as_str()).collect::<Vec<_>>(), ["ok"]);
    let stored: Vec<String> = coop_registry::schema::organizations::table
        .select(coop_registry::schema::organizations::registration_number)
        .load(&mut conn)
        .unwrap();
    for number in &acknowledged {
        assert!(stored.contains(number), "acknowledged {number} was lost");
    }
    // Nothing half-written: every record has its histories and its statistics.
    let orphans: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM organizations o WHERE NOT EXISTS \
         (SELECT 1 FROM capital_entries c WHERE c.organization_id = o.id) OR NOT EXISTS \
         (SELECT 1 FROM location_entries l WHERE l.organization_id = o.id)",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(orphans.n, 0);
    // ... and its audit entry, written in the same transaction.
    let audited: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'cooperative.register'")
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(audited.n, stored.len() as i64, "one audit entry per registration");
    assert_eq!(stats["cooperatives"]["active"], stored.len() as i64, "statistics agree with the register");
}
