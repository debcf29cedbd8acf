//! Whichever index drives a list (district, province, sector, or kind and status) and
//! however many seeks it merges (every status, a merged province's predecessors), pages
//! and exports hold exactly the rows a plain SQL query selects, in its order.

use coop_registry::db::Backend;
use coop_registry::domain::OrgKind;
use coop_registry::on_backend;
use coop_registry::organizations::input::ListQuery;
use coop_registry::organizations::queries;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db_test;
use crate::fixtures::*;
use crate::harness::TestApp;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The ids a plain query selects, without the list's plans.
async fn expected(app: &TestApp, condition: &str, sort: &str) -> Vec<i64> {
    let (column, direction) = match sort.strip_prefix('-') {
        Some(field) => (field, "DESC"),
        None => (sort, "ASC"),
    };
    let column = if column == "name" { "name_key" } else { column };
    selected(app, &format!("{condition} ORDER BY {column} {direction}, id {direction}")).await
}

/// The ids of cooperatives a plain query selects, in the order `tail` gives.
async fn selected(app: &TestApp, tail: &str) -> Vec<i64> {
    let sql = format!("SELECT id FROM organizations WHERE kind = 'cooperative' {tail}");
    let db = app.db.clone();
    let rows = actix_web::web::block(move || {
        db.read_blocking(|conn| Ok(on_backend!(conn, c => diesel::sql_query(sql).load::<Id>(c))?))
    })
    .await
    .unwrap()
    .unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

/// Every id of the list, page by page.
async fn paged(app: &TestApp, query: &str, sort: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let query = if query.is_empty() { String::new() } else { format!("{query}&") };
    let mut url = format!("/api/v1/cooperatives?{query}sort={sort}&limit=173");
    loop {
        let res = app.get(&url).await;
        assert_eq!(res.status, 200, "{url}: {}", String::from_utf8_lossy(&res.body));
        let page = res.json();
        ids.extend(page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                url = format!("/api/v1/cooperatives?{query}sort={sort}&limit=173&cursor={cursor}")
            }
            None => return ids,
        }
    }
}

async fn exported(app: &TestApp, query: &str, sort: &str) -> Vec<i64> {
    let res = app.get(&format!("/api/v1/cooperatives/export?{query}&sort={sort}")).await;
    assert_eq!(res.status, 200);
    let mut reader = csv::Reader::from_reader(res.body.as_slice());
    reader.records().map(|r| r.unwrap()[0].parse().unwrap()).collect()
}

const SORTS: [&str; 6] = [
    "name",
    "-name",
    "registration_date",
    "-registration_date",
    "registration_number",
    "-registration_number",
];

/// (list query, the same selection in SQL)
fn filters() -> Vec<(String, String)> {
    let sector = |code: &str| format!("(SELECT id FROM sectors WHERE code = '{code}')");
    let merged =
        format!("(SELECT id FROM provinces WHERE id = {BAC_NINH_2025} OR successor_id = {BAC_NINH_2025})");
    vec![
        ("status=active".into(), "AND status = 'active'".into()),
        ("status=dissolved".into(), "AND status = 'dissolved'".into()),
        ("status=suspended".into(), "AND status = 'suspended'".into()),
        (format!("province={BAC_NINH_2025}"), format!("AND province_id IN {merged}")),
        (
            format!("province={BAC_NINH_2025}&sector=crop_farming&status=active"),
            format!(
                "AND province_id IN {merged} AND sector_id = {} AND status = 'active'",
                sector("crop_farming")
            ),
        ),
        (format!("province={THAI_BINH}"), format!("AND province_id = {THAI_BINH}")),
        (
            format!("district={VIET_YEN}&status=dissolved"),
            format!("AND district_id = {VIET_YEN} AND status = 'dissolved'"),
        ),
        ("sector=crop_farming".into(), format!("AND sector_id = {}", sector("crop_farming"))),
        (
            "sector=trade_services&status=dissolved".into(),
            format!("AND sector_id = {} AND status = 'dissolved'", sector("trade_services")),
        ),
        (
            "sector_group=non_agriculture&registered_from=2015-01-01&registered_to=2020-12-31".into(),
            "AND sector_id IN (SELECT id FROM sectors WHERE sector_group = 'non_agriculture') \
             AND registration_date >= '2015-01-01' AND registration_date <= '2020-12-31'"
                .into(),
        ),
        // Several pages inside a date range: under the date sorts the cursor narrows the
        // range the filter opened.
        (
            "registered_from=2012-01-01&registered_to=2022-12-31".into(),
            "AND registration_date >= '2012-01-01' AND registration_date <= '2022-12-31'".into(),
        ),
        (
            format!("province={BAC_GIANG}&sector_group=people_credit_fund"),
            format!(
                "AND province_id = {BAC_GIANG} AND sector_id IN \
                 (SELECT id FROM sectors WHERE sector_group = 'people_credit_fund')"
            ),
        ),
    ]
}

async fn load_demo(app: &TestApp) {
    let db = app.db.clone();
    assert!(actix_web::web::block(move || coop_registry::demo::load(&db))
        .await
        .unwrap()
        .expect("demo loads"));
}

db_test!(pages_of_every_filter_follow_the_plain_query, |app| {
    load_demo(&app).await;
    assert!(expected(&app, "", "name").await.len() > 1000, "many pages");
    assert!(
        !expected(&app, "AND status = 'dissolved'", "name").await.is_empty(),
        "the status seeks interleave"
    );
    for (query, condition) in filters() {
        for sort in SORTS {
            let want = expected(&app, &condition, sort).await;
            assert_eq!(paged(&app, &query, sort).await, want, "{query} by {sort}");
        }
    }
    // Unfiltered: one seek per status, merged.
    for sort in SORTS {
        assert_eq!(paged(&app, "", sort).await, expected(&app, "", sort).await, "all by {sort}");
    }
});

db_test!(exports_follow_the_plain_query_across_chunks, |app| {
    load_demo(&app).await;
    for sort in SORTS {
        assert_eq!(
            exported(&app, "status=active", sort).await,
            expected(&app, "AND status = 'active'", sort).await
        );
        assert_eq!(exported(&app, "", sort).await, expected(&app, "", sort).await, "all by {sort}");
    }
    let merged =
        format!("(SELECT id FROM provinces WHERE id = {BAC_NINH_2025} OR successor_id = {BAC_NINH_2025})");
    assert_eq!(
        exported(&app, &format!("province={BAC_NINH_2025}"), "-name").await,
        expected(&app, &format!("AND province_id IN {merged}"), "-name").await
    );
    // A selection with no rows is the header alone.
    let empty = app.get("/api/v1/cooperatives/export?status=suspended").await;
    assert_eq!(String::from_utf8_lossy(&empty.body).lines().count(), 1);
    // A record's fields are those of its view.
    let csv = app.get("/api/v1/cooperatives/export?status=dissolved&sort=registration_number").await;
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    let row = reader.records().next().unwrap().unwrap();
    let view = app.get(&format!("/api/v1/cooperatives/{}", &row[0])).await.json();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let fields = [
        text(&view["id"]),
        text(&view["kind"]),
        text(&view["registration_number"]),
        text(&view["name"]),
        text(&view["name_en"]),
        text(&view["abbreviation"]),
        text(&view["sector"]["code"]),
        text(&view["sector"]["group"]),
        text(&view["province"]["id"]),
        text(&view["province"]["name"]),
        text(&view["district"]["id"]),
        text(&view["district"]["name"]),
        text(&view["address"]),
        text(&view["legal_representative"]),
        text(&view["phone"]),
        text(&view["email"]),
        text(&view["registration_date"]),
        text(&view["status"]),
        text(&view["dissolution_date"]),
        text(&view["charter_capital"]),
        text(&view["member_count"]),
        text(&view["alliance_admission_date"]),
        text(&view["alliance_batch"]),
    ];
    assert_eq!(row.iter().collect::<Vec<_>>(), fields.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(&row[17], "dissolved");
});

db_test!(ndjson_export_lines_are_the_record_views, |app| {
    load_demo(&app).await;
    // A merged province: its records name provinces and districts of several dates.
    let res = app.get(&format!("/api/v1/cooperatives/export?province={BAC_NINH_2025}&format=ndjson")).await;
    assert_eq!(res.status, 200);
    let lines: Vec<&[u8]> = res.body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty());
    for line in lines.iter().step_by(lines.len() / 20 + 1) {
        let record: serde_json::Value = serde_json::from_slice(line).unwrap();
        let view = app.get(&format!("/api/v1/cooperatives/{}", record["id"])).await;
        assert_eq!(record, view.json(), "the export's line is the record's view");
        assert_eq!(*line, view.body.as_slice(), "byte for byte");
    }
});

db_test!(searches_follow_the_plain_query_on_either_plan, |app| {
    load_demo(&app).await;
    // SQLite reads a search's few full-text matches by id and sorts them, and walks the
    // list's order past many: both plans are checked here.
    if app.db.backend() == Backend::Sqlite {
        let few = |terms: &'static str| {
            let db = app.db.clone();
            async move {
                actix_web::web::block(move || {
                    db.read_blocking(|conn| coop_registry::text::few_matches(conn, "organizations", terms))
                })
                .await
                .unwrap()
                .unwrap()
            }
        };
        assert!(few(r#""thuy" "san""#).await, "few matches");
        assert!(!few(r#""htx""#).await, "many matches");
    }
    let merged =
        format!("(SELECT id FROM provinces WHERE id = {BAC_NINH_2025} OR successor_id = {BAC_NINH_2025})");
    let words =
        |words: &[&str]| words.iter().map(|w| format!("AND search_text LIKE '%{w}%' ")).collect::<String>();
    let searches = [
        ("q=thuy%20san".to_owned(), words(&["thuy", "san"])),
        (
            "q=Th%E1%BB%A7y%20s%E1%BA%A3n%20a&status=active".to_owned(),
            words(&["thuy", "san", "a"]) + "AND status = 'active'",
        ),
        (
            format!("q=thuy%20san&province={BAC_NINH_2025}"),
            words(&["thuy", "san"]) + &format!("AND province_id IN {merged}"),
        ),
        ("q=htx".to_owned(), words(&["htx"])),
        (
            format!("q=htx%20an&province={BAC_NINH_2025}"),
            words(&["htx", "an"]) + &format!("AND province_id IN {merged}"),
        ),
    ];
    for (query, condition) in &searches {
        let want = expected(&app, condition, "name").await;
        assert!(!want.is_empty(), "{query} finds something");
        for sort in SORTS {
            assert_eq!(
                paged(&app, query, sort).await,
                expected(&app, condition, sort).await,
                "{query} by {sort}"
            );
        }
    }
    // By relevance: names that start with what was typed, then names with a later word
    // that starts it, by the name from the first such word on, then the other matches,
    // by name. (The phrase "htx" has many matches, "thuy san" and "htx an" few.)
    let find = match app.db.backend() {
        Backend::Sqlite => "instr",
        Backend::Postgres => "strpos",
    };
    // Unfiltered, and under every filter of the lists (the second tier checks them on the
    // tails' copies of the organizations' columns, a district's on the organizations).
    let unfiltered = [(String::new(), String::new())];
    for ((typed, query), (filter, filtered)) in
        [("thuy san", "q=thuy%20san"), ("htx an", "q=htx%20an"), ("htx", "q=htx")].into_iter().flat_map(
            |search| unfiltered.iter().cloned().chain(filters()).map(move |filter| (search, filter)),
        )
    {
        let query = if filter.is_empty() { query.to_owned() } else { format!("{query}&{filter}") };
        let condition = words(&typed.split(' ').collect::<Vec<_>>()) + &filtered;
        let tier = format!(
            "CASE WHEN name_key LIKE '{typed}%' THEN 0 WHEN name_key LIKE '% {typed}%' THEN 1 ELSE 2 END"
        );
        let tail = format!("substr(name_key, {find}(name_key, ' {typed}') + 1)");
        let want = selected(
            &app,
            &format!("{condition} ORDER BY {tier}, CASE WHEN {tier} = 1 THEN {tail} ELSE name_key END, id"),
        )
        .await;
        assert_eq!(paged(&app, &query, "relevance").await, want, "{query} by relevance");
    }
});

// The relevance test above runs every filter of `filters()`; those of a few units have
// their units read for the second tier, the others walk the phrase's tails. Both plans
// are in that test only while the demo register holds filters of each kind.
db_test!(a_search_reads_a_filters_few_units_and_walks_the_tails_of_others, |app| {
    load_demo(&app).await;
    let db = app.db.clone();
    let few = actix_web::web::block(move || {
        db.read_blocking(|conn| {
            let mut few = Vec::new();
            for (query, _) in filters() {
                let filter: ListQuery = serde_urlencoded::from_str(&query).expect(&query);
                few.push((query, queries::filter_has_few_units(conn, OrgKind::Cooperative, &filter)?));
            }
            let unfiltered =
                queries::filter_has_few_units(conn, OrgKind::Cooperative, &ListQuery::default())?;
            Ok((few, unfiltered))
        })
    })
    .await
    .unwrap()
    .unwrap();
    let (few, unfiltered) = few;
    let is_few = |q: &str| few.iter().find(|(query, _)| query == q).map(|(_, f)| *f).unwrap();
    assert!(!unfiltered, "no filter walks the tails");
    assert!(is_few("status=suspended"), "{few:?}");
    assert!(is_few("sector=trade_services&status=dissolved"), "{few:?}");
    assert!(!is_few("status=active"), "{few:?}");
    assert!(!is_few(&format!("province={BAC_NINH_2025}")), "{few:?}");
    // Counted on the ranges the plan seeks: a sector group is only checked, so its few
    // people's credit funds do not make Bắc Giang's many units few (counting what only
    // a check finds would pass every unit of the ranges).
    assert!(!is_few(&format!("province={BAC_GIANG}&sector_group=people_credit_fund")), "{few:?}");
    assert!(!is_few("registered_from=2012-01-01&registered_to=2022-12-31"), "{few:?}");
});

db_test!(postgres_plans_each_search_for_its_words, |app| {
    if app.db.backend() != Backend::Postgres {
        return; // SQLite plans a statement once, without its values.
    }
    load_demo(&app).await;
    #[derive(QueryableByName)]
    struct Statement {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement: String,
    }
    let db = app.db.clone();
    let kept = actix_web::web::block(move || {
        db.read_blocking(|conn| {
            // PostgreSQL would keep a generic plan for a statement it ran five times.
            for _ in 0..6 {
                for q in [None, Some("thuy san"), Some("htx an")] {
                    let filter = ListQuery { q: q.map(str::to_owned), ..ListQuery::default() };
                    queries::list(conn, OrgKind::Cooperative, &filter)?;
                }
            }
            Ok(on_backend!(conn, c => diesel::sql_query("SELECT statement FROM pg_prepared_statements")
                .load::<Statement>(c))?)
        })
    })
    .await
    .unwrap()
    .unwrap();
    let lists: Vec<&str> =
        kept.iter().map(|s| s.statement.as_str()).filter(|s| s.contains("ORDER BY")).collect();
    assert!(!lists.is_empty(), "the list without a search is a kept statement");
    assert!(lists.iter().all(|s| !s.contains("search_text")), "no search is a kept statement: {lists:#?}");
});
