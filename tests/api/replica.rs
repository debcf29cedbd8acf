//! Read replicas: public reads go to the replica, writes and the reads of callers with
//! a token stay on the primary. A second database stands in for the replica; since
//! nothing replicates into it, where a read went shows in what it finds.

use awc::http::Method;

use crate::fixtures::cooperative;
use crate::harness::{bearer, postgres_configured, TestApp};

#[actix_web::test]
async fn public_reads_go_to_the_replica_and_writers_read_their_writes() {
    if !postgres_configured() {
        eprintln!("TEST_POSTGRES_URL is not set: read-replica test skipped");
        return;
    }
    let app = TestApp::spawn_with_replica().await;
    // The write and the record it answers with come from the primary.
    let created = app.create("/api/v1/cooperatives", &cooperative("2402000001", "HTX Như Hoa")).await;
    let item = format!("/api/v1/cooperatives/{}", created["id"]);

    // Public reads: the replica, which has not seen the write.
    let list = app.get("/api/v1/cooperatives").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get(&item).await.status, 404);
    let stats = app.get("/api/v1/stats/summary?province=1&as_of=2024-12-31").await.json();
    assert_eq!(stats["cooperatives"]["active"], 0);
    let export = app.get("/api/v1/cooperatives/export?format=ndjson").await;
    assert!(export.body.is_empty());

    // A caller with a token reads from the primary: it sees its own write.
    let auth = bearer(&app.tokens.analyst);
    let mine = app.request(Method::GET, "/api/v1/cooperatives", &[("authorization", &auth)], None).await;
    assert_eq!(mine.json()["items"].as_array().unwrap().len(), 1);
    let record = app.request(Method::GET, &item, &[("authorization", &auth)], None).await;
    assert_eq!(record.json()["name"], "HTX Như Hoa");
    let stats = app
        .request(
            Method::GET,
            "/api/v1/stats/summary?province=1&as_of=2024-12-31",
            &[("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(stats.json()["cooperatives"]["active"], 1);
    assert_eq!(app.get("/readyz").await.status, 200, "both databases answer");
}

#[actix_web::test]
async fn sqlite_has_no_replicas() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("r.db").to_string_lossy().into_owned();
    let settings = coop_registry::db::DbSettings {
        url: url.clone(),
        pool_size: 1,
        acquire_timeout: std::time::Duration::from_secs(5),
        query_timeout: None,
    };
    let db = coop_registry::db::Db::connect(&settings).unwrap();
    let refused = db.with_replica("postgres://replica/db", &settings).err().expect("refused");
    assert!(refused.contains("PostgreSQL"), "{refused}");
}
