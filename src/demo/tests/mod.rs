//! Loads the demo into a fresh SQLite file and checks the published figures
//! ([`figures`]) and the API's rules ([`rules`]) with SQL written independently of the
//! loader and of the statistics code.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;

use super::load;
use crate::db::{Db, DbSettings};

mod figures;
mod rules;

#[derive(QueryableByName)]
struct Num {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Pair {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn num(c: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Num>(c).unwrap_or_else(|e| panic!("{e}: {sql}")).n
}

fn pairs(c: &mut SqliteConnection, sql: &str) -> Vec<(String, i64)> {
    diesel::sql_query(sql)
        .load::<Pair>(c)
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .into_iter()
        .map(|p| (p.key, p.n))
        .collect()
}

/// Cooperatives of a province counted as of a day.
fn active(province: i64, day: &str) -> String {
    format!(
        "o.kind = 'cooperative' AND o.province_id = {province} AND o.registration_date <= '{day}' \
         AND (o.dissolution_date IS NULL OR o.dissolution_date > '{day}')"
    )
}

fn registered(province: i64, from: &str, to: &str) -> String {
    format!(
        "SELECT COUNT(*) AS n FROM organizations o WHERE o.kind = 'cooperative' AND o.province_id = {province} \
         AND o.registration_date BETWEEN '{from}' AND '{to}'"
    )
}

/// Sum of a history's values as of a day, over the cooperatives active that day.
fn history_total(table: &str, column: &str, province: i64, day: &str) -> String {
    format!(
        "SELECT COALESCE(SUM(h.{column}), 0) AS n FROM organizations o JOIN {table} h ON h.organization_id = o.id \
         WHERE {} AND h.effective_date = (SELECT MAX(h2.effective_date) FROM {table} h2 \
         WHERE h2.organization_id = o.id AND h2.effective_date <= '{day}')",
        active(province, day)
    )
}

fn target(c: &mut SqliteConnection, province: i64, year: i32, quarter: i32) -> i64 {
    num(
        c,
        &format!(
            "SELECT target AS n FROM plan_targets WHERE province_id = {province} AND district_key = 0 \
             AND year = {year} AND quarter = {quarter}"
        ),
    )
}

#[test]
fn demo_registry_reproduces_the_published_figures() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = dir.path().join("demo.sqlite").to_str().expect("utf-8 path").to_owned();
    let db = Db::connect(&DbSettings {
        url: url.clone(),
        pool_size: 2,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: None,
    })
    .expect("database");
    let started = Instant::now();
    assert!(load(&db).expect("demo loads"));
    println!("demo registry loaded in {:.2?}", started.elapsed());

    let c = &mut SqliteConnection::establish(&url).expect("second connection");
    figures::bac_giang(c);
    figures::alliance_and_nhu_hoa(c);
    figures::bac_giang_unions(c);
    figures::thai_binh(c);
    figures::groups(c);
    rules::statistics_agree_with_the_register(c);
    rules::records_keep_the_api_rules(c);

    // A second load finds the register filled and changes nothing.
    let counts = |c: &mut SqliteConnection| {
        num(
            c,
            "SELECT (SELECT COUNT(*) FROM organizations) * 1000000 + (SELECT COUNT(*) FROM capital_entries) * 1000 \
             + (SELECT COUNT(*) FROM cooperative_groups) AS n",
        )
    };
    let before = counts(c);
    assert!(!load(&db).expect("second load"));
    assert_eq!(counts(c), before);
}
