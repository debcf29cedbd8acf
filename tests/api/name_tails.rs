//! The names' tails (the second search tier's index) follow every write of a name, and
//! the migration's backfill splits names as the application does.

use std::collections::BTreeSet;

use coop_registry::db::Backend;
use coop_registry::on_backend;
use coop_registry::organizations::tails::tails;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use serde_json::json;

use crate::db_test;
use crate::fixtures::*;
use crate::harness::TestApp;

#[derive(QueryableByName, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Tail {
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Integer)]
    word: i32,
    #[diesel(sql_type = Text)]
    tail: String,
}

/// The columns of an organization that each of its tails carries a copy of.
#[derive(QueryableByName, PartialEq, Eq, PartialOrd, Ord, Debug, Clone)]
struct Copies {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    sector_id: i64,
    #[diesel(sql_type = BigInt)]
    province_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    district_id: Option<i64>,
    #[diesel(sql_type = Text)]
    registration_date: String,
}

/// A tail with its copies.
#[derive(QueryableByName, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Filed {
    #[diesel(sql_type = BigInt)]
    organization_id: i64,
    #[diesel(sql_type = Integer)]
    word: i32,
    #[diesel(sql_type = Text)]
    tail: String,
    #[diesel(embed)]
    copies: Copies,
}

/// An organization's name key and the columns its tails carry.
#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name_key: String,
    #[diesel(embed)]
    copies: Copies,
}

async fn load<
    T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + Send + 'static,
>(
    app: &TestApp,
    sql: String,
) -> Vec<T> {
    let db = app.db.clone();
    actix_web::web::block(move || {
        db.read_blocking(|conn| Ok(on_backend!(conn, c => diesel::sql_query(sql).load::<T>(c))?))
    })
    .await
    .unwrap()
    .unwrap()
}

async fn tails_of(app: &TestApp, sql: String) -> BTreeSet<Tail> {
    load(app, sql).await.into_iter().collect()
}

async fn stored(app: &TestApp) -> BTreeSet<Filed> {
    let sql = "SELECT organization_id, word, tail, kind, status, sector_id, province_id, district_id, \
               CAST(registration_date AS TEXT) AS registration_date FROM name_tails";
    load(app, sql.into()).await.into_iter().collect()
}

/// The tails the application makes of every name key of the register, with the columns
/// of their organization.
async fn expected(app: &TestApp) -> BTreeSet<Filed> {
    let sql = "SELECT id, name_key, kind, status, sector_id, province_id, district_id, \
               CAST(registration_date AS TEXT) AS registration_date FROM organizations";
    let names: Vec<Name> = load(app, sql.into()).await;
    names
        .iter()
        .flat_map(|n| {
            tails(&n.name_key).map(|(word, tail)| Filed {
                organization_id: n.id,
                word,
                tail: tail.to_owned(),
                copies: n.copies.clone(),
            })
        })
        .collect()
}

db_test!(tails_follow_every_write_of_a_name, |app| {
    let db = app.db.clone();
    assert!(actix_web::web::block(move || coop_registry::demo::load(&db))
        .await
        .unwrap()
        .expect("demo loads"));
    let created =
        app.create("/api/v1/cooperatives", &cooperative("2402000901", "HTX  Nông nghiệp Như Hoa")).await;
    let path = format!("/api/v1/cooperatives/{}", created["id"]);
    let etag = app.get(&path).await.header("etag").unwrap();
    let renamed = app.patch(&path, &json!({"name": "HTX Vải thiều Lục Ngạn"}), &[("if-match", &etag)]).await;
    assert_eq!(renamed.status, 200);

    // The tails follow the organization's filtered columns through a move, a change of
    // sector and a change of status (each a change of the record that keeps its name).
    let id = created["id"].as_i64().unwrap();
    let etag = app.get(&path).await.header("etag").unwrap();
    let moved =
        json!({"province_id": BAC_NINH_2025, "district_id": null, "location_effective_date": "2025-08-01"});
    assert_eq!(app.patch(&path, &moved, &[("if-match", &etag)]).await.status, 200);
    let etag = app.get(&path).await.header("etag").unwrap();
    assert_eq!(app.patch(&path, &json!({"sector": "transport"}), &[("if-match", &etag)]).await.status, 200);
    let status = app.post(&format!("{path}/status"), &json!({"status": "suspended"})).await;
    assert_eq!(status.status, 200, "{}", String::from_utf8_lossy(&status.body));

    let want = expected(&app).await;
    assert!(want.len() > 3_000, "the demo's names have many words");
    let luc_ngan = want.iter().find(|t| t.organization_id == id && t.word == 3).expect("a tail at word 3");
    assert_eq!(luc_ngan.tail, "luc ngan");
    assert_eq!((luc_ngan.copies.province_id, luc_ngan.copies.district_id), (BAC_NINH_2025, None));
    assert_eq!(luc_ngan.copies.status, "suspended");
    assert_eq!(stored(&app).await, want);

    // A second tier filtered by the new sector and status finds the record by a later
    // word, and its old sector does not.
    let listed = app
        .get("/api/v1/cooperatives?q=luc%20ng&sort=relevance&status=suspended&sector=transport")
        .await
        .json();
    assert_eq!(listed["items"][0]["id"], id, "{listed}");
    let old = app.get("/api/v1/cooperatives?q=luc%20ng&sort=relevance&sector=crop_farming").await.json();
    assert!(old["items"].as_array().unwrap().iter().all(|o| o["id"] != id), "{old}");

    // The migration fills the table for registers written before it with this query.
    let find = match app.db.backend() {
        Backend::Sqlite => "instr",
        Backend::Postgres => "strpos",
    };
    let backfill = format!(
        "WITH RECURSIVE tails (organization_id, word, tail) AS ( \
             SELECT id, 0, name_key FROM organizations \
             UNION ALL \
             SELECT organization_id, word + 1, substr(tail, {find}(tail, ' ') + 1) \
             FROM tails WHERE {find}(tail, ' ') > 0) \
         SELECT organization_id, word, tail FROM tails WHERE word > 0"
    );
    let plain: BTreeSet<Tail> = want
        .iter()
        .map(|t| Tail { organization_id: t.organization_id, word: t.word, tail: t.tail.clone() })
        .collect();
    assert_eq!(tails_of(&app, backfill).await, plain);
});
