//! `/readyz` follows the database: a TCP proxy stands between the server and PostgreSQL;
//! cutting it (listener and live connections) makes the server unready, restoring it
//! makes the server ready again without a restart.

use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use coop_registry::app::HttpSettings;

use crate::harness::{create_pg_database, open_db, postgres_configured, TestApp};

/// Forwards connections from a loopback port to `target` until cut.
struct Proxy {
    port: u16,
    target: SocketAddr,
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Proxy {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut proxy = Proxy { port, target, running: None, streams: Arc::default() };
        proxy.restore();
        proxy
    }

    /// Listens again on the same port.
    fn restore(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("proxy port free again");
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (target, streams, stopped) = (self.target, self.streams.clone(), stop.clone());
        let accepting = std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(target) else { continue };
                        let mut kept = streams.lock().unwrap();
                        kept.push(client.try_clone().unwrap());
                        kept.push(server.try_clone().unwrap());
                        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pipe(server, client);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(e) => panic!("proxy accept: {e}"),
                }
            }
        });
        self.running = Some((stop, accepting));
    }

    /// Closes the listener and every connection through it.
    fn cut(&mut self) {
        if let Some((stop, accepting)) = self.running.take() {
            stop.store(true, Ordering::SeqCst);
            accepting.join().unwrap();
        }
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Copies `from` into `to` on a thread of its own until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// `host:port` of a `postgres://user@host:port/db` URL, and the URL with another one.
fn via(url: &str, port: u16) -> (SocketAddr, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let (user, host) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let host = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    let target = host.replace("localhost", "127.0.0.1").parse().expect("TEST_POSTGRES_URL names host:port");
    let user = if user.is_empty() { String::new() } else { format!("{user}@") };
    (target, format!("{scheme}://{user}127.0.0.1:{port}/{path}"))
}

/// Polls `/readyz` until it answers `status` (a deadline, not a measurement: the
/// assertion is that the state is reached at all).
async fn until_ready_is(app: &TestApp, status: u16) -> crate::harness::Response {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let res = app.get("/readyz").await;
        if res.status.as_u16() == status || Instant::now() > deadline {
            return res;
        }
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn readyz_follows_the_database_through_an_outage() {
    if !postgres_configured() {
        eprintln!("TEST_POSTGRES_URL is not set: PostgreSQL outage test skipped");
        return;
    }
    let admin = std::env::var("TEST_POSTGRES_URL").unwrap();
    let (url, name) = create_pg_database(&admin);
    let (target, _) = via(&url, 0);
    let mut proxy = Proxy::start(target);
    let (_, proxied) = via(&url, proxy.port);
    let db = open_db(proxied, Some(Duration::from_secs(5))).await;
    let app = TestApp::serve(db, HttpSettings::default(), None, vec![(admin, name)]).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    assert_eq!(app.get("/api/v1/provinces").await.status, 200);

    proxy.cut();
    let down = until_ready_is(&app, 503).await;
    down.problem(503);
    assert_eq!(down.header("retry-after").as_deref(), Some("1"));
    // Requests that need the database answer 503 too, never 500.
    app.get("/api/v1/provinces").await.problem(503);

    proxy.restore();
    let up = until_ready_is(&app, 200).await;
    assert_eq!(up.status, 200, "{}", String::from_utf8_lossy(&up.body));
    assert_eq!(app.get("/api/v1/provinces").await.status, 200);
}
