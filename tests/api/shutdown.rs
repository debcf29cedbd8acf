//! The server binary stopped with SIGTERM finishes the request in flight, then exits
//! cleanly; its JSON log has one line per request and never the bearer token.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures::cooperative;

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "server did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A reviewer token issued with the command line, as an operator would.
fn reviewer_token(db: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_coop-registry"))
        .args(["token", "create", "--name", "shutdown test", "--role", "reviewer"])
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("token command runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn sigterm_finishes_the_request_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_coop-registry"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--workers", "1", "--log-format", "json"])
        .env("DATABASE_URL", dir.path().join("registry.db"))
        .env("RUST_LOG", "info")
        .env("SHUTDOWN_TIMEOUT", "10")
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    wait_ready(port);
    let token = reviewer_token(&dir.path().join("registry.db"));

    // Half a request: its body is still coming when the signal arrives.
    let body = serde_json::to_vec(&cooperative("2402099001", "HTX Dừng êm")).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST /api/v1/cooperatives HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(first).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // Longer than a server without a grace period would wait (it fails here then).
    std::thread::sleep(Duration::from_millis(1500));
    conn.write_all(rest).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&token), "the token was logged:\n{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let logged = lines
        .iter()
        .find(|l| l["message"] == "request" && l["method"] == "POST")
        .unwrap_or_else(|| panic!("no request line:\n{text}"));
    assert_eq!(logged["route"], "/api/v1/cooperatives");
    assert_eq!(logged["status"], 201);
    assert!(logged["latency_ms"].is_number() && logged["request_id"].is_string());
}
