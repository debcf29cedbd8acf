//! The names' tails (the second search tier's index) follow every write of a name, and
//! the migration's backfill splits names as the application does.

use std::collections::BTreeSet;

use coop_registry::db::Backend;
use coop_registry::on_backend;
use coop_registry::organizations::tails::tails;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
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

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name_key: String,
}

async fn tails_of(app: &TestApp, sql: String) -> BTreeSet<Tail> {
    let db = app.db.clone();
    actix_web::web::block(move || {
        db.read_blocking(|conn| Ok(on_backend!(conn, c => diesel::sql_query(sql).load::<Tail>(c))?))
    })
    .await
    .unwrap()
    .unwrap()
    .into_iter()
    .collect()
}

/// The tails the application makes of every name key of the register.
async fn expected(app: &TestApp) -> BTreeSet<Tail> {
    let db = app.db.clone();
    let names = actix_web::web::block(move || {
        db.read_blocking(|conn| {
            Ok(on_backend!(conn, c => diesel::sql_query("SELECT id, name_key FROM organizations").load::<Name>(c))?)
        })
    })
    .await
    .unwrap()
    .unwrap();
    names
        .iter()
        .flat_map(|n| {
            tails(&n.name_key).map(|(word, tail)| Tail { organization_id: n.id, word, tail: tail.to_owned() })
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

    let stored = tails_of(&app, "SELECT organization_id, word, tail FROM name_tails".into()).await;
    let want = expected(&app).await;
    assert!(want.len() > 3_000, "the demo's names have many words");
    assert!(want.contains(&Tail {
        organization_id: created["id"].as_i64().unwrap(),
        word: 3,
        tail: "luc ngan".into()
    }));
    assert_eq!(stored, want);

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
    assert_eq!(tails_of(&app, backfill).await, want);
});
