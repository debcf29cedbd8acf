//! Loads the demo into a fresh SQLite file and checks the published figures with SQL
//! written independently of the loader and of the statistics code.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;

use super::load;
use crate::db::{Db, DbSettings};
use crate::domain;
use crate::text::fold;

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
    let took = started.elapsed();
    println!("demo registry loaded in {took:.2?}");
    assert!(took < Duration::from_secs(120), "loading took {took:?}");

    let c = &mut SqliteConnection::establish(&url).expect("second connection");

    // Bắc Giang, end of 2023.
    let end2023 = "2023-12-31";
    assert_eq!(
        num(c, &format!("SELECT COUNT(*) AS n FROM organizations o WHERE {}", active(1, end2023))),
        1116
    );
    let groups = pairs(
        c,
        &format!(
            "SELECT s.sector_group AS key, COUNT(*) AS n FROM organizations o JOIN sectors s ON s.id = o.sector_id \
             WHERE {} GROUP BY s.sector_group ORDER BY s.sector_group",
            active(1, end2023)
        ),
    );
    assert_eq!(
        groups,
        vec![
            ("agriculture_forestry_fisheries".to_owned(), 731),
            ("non_agriculture".to_owned(), 365),
            ("people_credit_fund".to_owned(), 20)
        ]
    );
    assert_eq!(num(c, &history_total("capital_entries", "charter_capital", 1, end2023)), 2_772_000_000_000);
    assert_eq!(num(c, &history_total("member_entries", "member_count", 1, end2023)), 42_153);
    // Several sectors in each group.
    let sectors_used = num(
        c,
        &format!(
            "SELECT COUNT(DISTINCT o.sector_id) AS n FROM organizations o JOIN sectors s ON s.id = o.sector_id \
             WHERE {} AND s.sector_group <> 'people_credit_fund'",
            active(1, end2023)
        ),
    );
    assert!(sectors_used >= 10, "{sectors_used} sectors");
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations o JOIN sectors s ON s.id = o.sector_id \
             WHERE s.code = 'people_credit_fund' AND o.province_id = 1"
        ),
        20
    );

    // New cooperatives in 2023 against the plan.
    assert_eq!(num(c, &registered(1, "2023-01-01", "2023-12-31")), 101);
    assert_eq!(target(c, 1, 2023, 0), 50);
    for year in 2015..=2024 {
        assert!(target(c, 1, year, 0) > 0, "target {year}");
    }
    for year in [2022, 2023] {
        let quarters: i64 = (1..=4).map(|q| target(c, 1, year, q)).sum();
        assert_eq!(quarters, target(c, 1, year, 0), "quarterly targets of {year}");
    }

    // End of Q1 2022.
    assert_eq!(
        num(c, &format!("SELECT COUNT(*) AS n FROM organizations o WHERE {}", active(1, "2022-03-31"))),
        961
    );
    assert_eq!(num(c, &registered(1, "2022-01-01", "2022-03-31")), 12);

    // Every Bắc Giang cooperative lies in one of its districts, and never moved.
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE kind = 'cooperative' AND province_id = 1 \
             AND (district_id IS NULL OR district_id NOT BETWEEN 101 AND 110)"
        ),
        0
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations o WHERE \
             (SELECT COUNT(*) FROM location_entries l WHERE l.organization_id = o.id) <> 1"
        ),
        0
    );
    assert_eq!(
        num(c, &registered(1, "2015-01-01", "2024-12-31")),
        num(c, &registered(1, "0000-01-01", "9999-12-31"))
    );

    // The alliance's admission batches.
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE kind = 'cooperative' AND province_id = 1 \
             AND alliance_batch = '2/2021' AND alliance_admission_date = '2021-11-05'"
        ),
        14
    );
    assert_eq!(num(c, "SELECT COUNT(*) AS n FROM organizations WHERE alliance_batch = '2/2021'"), 14);
    assert_eq!(
        num(c, "SELECT COUNT(*) AS n FROM organizations WHERE alliance_admission_date = '2021-11-05'"),
        14
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE alliance_batch = '1/2021' \
             AND alliance_admission_date = '2021-05-20'"
        ),
        9
    );
    let admitted =
        num(c, "SELECT COUNT(*) AS n FROM organizations WHERE alliance_admission_date IS NOT NULL");
    assert!(admitted >= 36, "{admitted} admitted units");
    assert!(num(c, "SELECT COUNT(DISTINCT alliance_batch) AS n FROM organizations") >= 5);
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE alliance_admission_date <= registration_date \
             OR (alliance_batch IS NULL) <> (alliance_admission_date IS NULL)"
        ),
        0
    );

    // HTX Như Hoa, Việt Yên.
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations o JOIN sectors s ON s.id = o.sector_id \
             WHERE o.name = 'HTX Như Hoa' AND o.kind = 'cooperative' AND o.province_id = 1 AND o.district_id = 109 \
             AND s.code = 'crop_farming' AND o.registration_date BETWEEN '2016-01-01' AND '2016-12-31' \
             AND o.status = 'active' AND o.dissolution_date IS NULL"
        ),
        1
    );
    assert_eq!(num(c, "SELECT COUNT(*) AS n FROM organizations WHERE name_key = 'htx nhu hoa'"), 1);

    // Bắc Giang unions and their members.
    let unions = pairs(
        c,
        "SELECT CAST(o.id AS TEXT) AS key, (SELECT COUNT(*) FROM union_memberships m WHERE m.union_id = o.id) AS n \
         FROM organizations o WHERE o.kind = 'union' AND o.province_id = 1 ORDER BY o.id",
    );
    assert!((3..=5).contains(&unions.len()), "{} unions", unions.len());
    assert!(unions.iter().all(|(_, n)| (3..=8).contains(n)), "{unions:?}");
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE kind = 'union' AND province_id = 1 \
             AND registration_date NOT BETWEEN '2019-01-01' AND '2023-12-31'"
        ),
        0
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM union_memberships m JOIN organizations u ON u.id = m.union_id \
             JOIN organizations k ON k.id = m.cooperative_id \
             WHERE u.kind <> 'union' OR k.kind <> 'cooperative' OR m.joined_on < u.registration_date \
             OR m.joined_on < k.registration_date OR m.left_on < m.joined_on OR u.province_id <> k.province_id \
             OR (k.dissolution_date IS NOT NULL AND m.joined_on > k.dissolution_date)"
        ),
        0
    );
    assert!(num(c, "SELECT COUNT(*) AS n FROM union_memberships WHERE left_on IS NOT NULL") >= 1);

    // Thái Bình, 2016–2019: 8 new cooperatives and its first union in 2018.
    let tb = num(c, &registered(3, "0000-01-01", "9999-12-31"));
    assert!((25..=40).contains(&tb), "{tb} cooperatives in Thái Bình");
    assert_eq!(num(c, &registered(3, "2016-01-01", "2019-12-31")), tb);
    assert_eq!(num(c, &registered(3, "2018-01-01", "2018-12-31")), 8);
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE province_id = 3 AND (district_id NOT BETWEEN 201 AND 208 \
             OR district_id IS NULL)"
        ),
        0
    );
    assert_eq!(num(c, "SELECT COUNT(*) AS n FROM organizations WHERE kind = 'union' AND province_id = 3"), 1);
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations WHERE kind = 'union' AND province_id = 3 \
             AND registration_date BETWEEN '2018-01-01' AND '2018-12-31'"
        ),
        1
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM union_memberships m JOIN organizations u ON u.id = m.union_id \
             WHERE u.province_id = 3"
        ),
        3
    );

    // Cooperative groups.
    let bg_groups = num(c, "SELECT COUNT(*) AS n FROM cooperative_groups WHERE province_id = 1");
    let tb_groups = num(c, "SELECT COUNT(*) AS n FROM cooperative_groups WHERE province_id = 3");
    assert!(
        (25..=35).contains(&bg_groups) && (8..=12).contains(&tb_groups),
        "{bg_groups} / {tb_groups} groups"
    );
    assert!(num(c, "SELECT COUNT(*) AS n FROM cooperative_groups WHERE status = 'dissolved'") >= 2);
    let group_names = pairs(c, "SELECT name AS key, 0 AS n FROM cooperative_groups");
    for (name, _) in &group_names {
        let key = num(
            c,
            &format!(
                "SELECT COUNT(*) AS n FROM cooperative_groups WHERE name = '{name}' AND name_key = '{}' \
                 AND search_text = name_key",
                fold(name)
            ),
        );
        assert_eq!(key, 1, "{name}");
    }

    // The statistics tables, kept by the store and the ledger, agree with the register,
    // in the units' keys and in the province's and its districts' rollup keys alike.
    let ledger = |c: &mut SqliteConnection, column: &str, kind: &str, province: i64, day: &str| {
        let sum = |c: &mut SqliteConnection, keys: &str| {
            num(
                c,
                &format!(
                    "SELECT COALESCE(SUM(d.{column}), 0) AS n FROM stat_daily d \
                     JOIN stat_keys k ON k.id = d.key_id \
                     WHERE k.kind = '{kind}' AND k.province_id = {province} AND {keys} AND d.day <= '{day}'"
                ),
            )
        };
        let units = sum(c, "k.district_key <> -1 AND k.sector_id <> 0");
        assert_eq!(units, sum(c, "k.district_key = -1"), "{column} of {kind} in {province} by {day}");
        assert_eq!(units, sum(c, "k.sector_id = 0"), "{column} of {kind} in {province} by {day}");
        units
    };
    assert_eq!(ledger(c, "active", "cooperative", 1, end2023), 1116);
    assert_eq!(ledger(c, "capital", "cooperative", 1, end2023), 2_772_000_000_000);
    assert_eq!(ledger(c, "members", "cooperative", 1, end2023), 42_153);
    assert_eq!(ledger(c, "active", "cooperative", 1, "2022-03-31"), 961);
    for province in [1, 3] {
        let groups_active = num(
            c,
            &format!(
                "SELECT COUNT(*) AS n FROM cooperative_groups WHERE province_id = {province} \
                 AND dissolution_date IS NULL"
            ),
        );
        assert_eq!(ledger(c, "active", "group", province, "9999-12-31"), groups_active);
    }
    let groups_active = num(c, "SELECT COUNT(*) AS n FROM cooperative_groups WHERE dissolution_date IS NULL");
    let national = num(
        c,
        "SELECT COALESCE(SUM(d.active), 0) AS n FROM stat_daily d JOIN stat_keys k ON k.id = d.key_id \
         WHERE k.kind = 'group' AND k.province_id = 0 AND k.district_key = -1",
    );
    assert_eq!(national, groups_active, "the national rollup");

    // Everything the API's rules ask of a record.
    let today = domain::today().to_string();
    for (table, column) in [
        ("organizations", "registration_date"),
        ("organizations", "dissolution_date"),
        ("organizations", "alliance_admission_date"),
        ("capital_entries", "effective_date"),
        ("member_entries", "effective_date"),
        ("union_memberships", "joined_on"),
        ("union_memberships", "left_on"),
        ("cooperative_groups", "founding_date"),
        ("cooperative_groups", "dissolution_date"),
    ] {
        assert_eq!(
            num(
                c,
                &format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE {column} > '{today}' OR {column} < '1945-01-01'"
                )
            ),
            0,
            "{table}.{column}"
        );
    }
    for table in ["capital_entries", "member_entries"] {
        assert_eq!(
            num(
                c,
                &format!(
                    "SELECT COUNT(*) AS n FROM {table} h JOIN organizations o ON o.id = h.organization_id \
                     WHERE h.effective_date < o.registration_date \
                     OR (o.dissolution_date IS NOT NULL AND h.effective_date >= o.dissolution_date)"
                )
            ),
            0,
            "{table} within the unit's life"
        );
        assert_eq!(
            num(
                c,
                &format!(
                    "SELECT COUNT(*) AS n FROM organizations o WHERE o.kind = 'cooperative' AND \
                     (SELECT COUNT(*) FROM {table} h WHERE h.organization_id = o.id) NOT BETWEEN 1 AND 4"
                )
            ),
            0,
            "1 to 4 {table} per cooperative"
        );
        assert_eq!(
            num(
                c,
                &format!(
                    "SELECT COUNT(*) AS n FROM organizations o WHERE NOT EXISTS (SELECT 1 FROM {table} h \
                     WHERE h.organization_id = o.id AND h.effective_date = o.registration_date)"
                )
            ),
            0,
            "{table} start on the registration date"
        );
    }
    // The current figures on the record are those of the latest entries.
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations o WHERE o.charter_capital <> (SELECT h.charter_capital \
             FROM capital_entries h WHERE h.organization_id = o.id ORDER BY h.effective_date DESC LIMIT 1) \
             OR o.member_count <> (SELECT h.member_count FROM member_entries h WHERE h.organization_id = o.id \
             ORDER BY h.effective_date DESC LIMIT 1)"
        ),
        0
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM capital_entries WHERE charter_capital < 0 OR charter_capital > 1000000000000"
        ),
        0
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations o JOIN sectors s ON s.id = o.sector_id \
             WHERE o.kind = 'cooperative' AND s.sector_group <> 'people_credit_fund' AND o.member_count < 7"
        ),
        0
    );
    assert_eq!(
        num(
            c,
            "SELECT COUNT(*) AS n FROM organizations o WHERE o.status = 'dissolved' AND ( \
             o.dissolution_date <= (SELECT MAX(effective_date) FROM capital_entries h WHERE h.organization_id = o.id) \
             OR o.dissolution_date <= (SELECT MAX(effective_date) FROM member_entries h WHERE h.organization_id = o.id))"
        ),
        0
    );
    assert_eq!(
        num(c, "SELECT COUNT(*) AS n FROM organizations WHERE (status = 'dissolved') <> (dissolution_date IS NOT NULL)"),
        0
    );
    // Registration numbers: "24" (Bắc Giang) or "34" (Thái Bình) and eight digits.
    let numbers = pairs(c, "SELECT registration_number AS key, province_id AS n FROM organizations");
    let unique: HashSet<&str> = numbers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(unique.len(), numbers.len());
    for (number, province) in &numbers {
        let prefix = if *province == 1 { "24" } else { "34" };
        assert!(
            number.len() == 10 && number.starts_with(prefix) && number.chars().all(|c| c.is_ascii_digit()),
            "{number}"
        );
    }
    let names =
        pairs(c, "SELECT name AS key, COUNT(*) AS n FROM organizations GROUP BY name HAVING COUNT(*) > 1");
    assert!(names.is_empty(), "duplicate names {names:?}");

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
