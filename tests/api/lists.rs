//! Lists: filters, search without diacritics, sort orders and cursor pagination.

use std::collections::HashSet;

use awc::http::Method;
use serde_json::{json, Value};

use crate::db_test;
use crate::fixtures::*;
use crate::harness::TestApp;

async fn seed(app: &TestApp) {
    let rows = [
        ("2402000301", "HTX Như Hoa", "crop_farming", VIET_YEN, "2016-03-14"),
        ("2402000302", "HTX Nông nghiệp Như Hoa", "general_agriculture", VIET_YEN, "2018-07-01"),
        ("2402000303", "HTX Vải thiều Lục Ngạn", "crop_farming", LUC_NGAN, "2020-01-15"),
        ("2402000304", "Quỹ tín dụng nhân dân Đồng Cốc", "people_credit_fund", LUC_NGAN, "2015-05-05"),
        ("2402000305", "HTX Vận tải Đông Phong", "transport", VIET_YEN, "2022-09-09"),
        ("2402000306", "HTX Dịch vụ Điện năng", "electricity", LUC_NGAN, "2023-02-28"),
    ];
    for (number, name, sector, district, day) in rows {
        let body = with(
            cooperative(number, name),
            json!({"sector": sector, "district_id": district, "registration_date": day}),
        );
        app.create("/api/v1/cooperatives", &body).await;
    }
    let body = with(
        cooperative("3402000001", "HTX Đông Hưng"),
        json!({"province_id": THAI_BINH, "district_id": DONG_HUNG, "registration_date": "2018-03-03"}),
    );
    app.create("/api/v1/cooperatives", &body).await;
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

db_test!(search_ignores_case_and_diacritics, |app| {
    seed(&app).await;
    let found = names(&app.get("/api/v1/cooperatives?q=nhu%20hoa").await.json());
    assert_eq!(found, ["HTX Như Hoa", "HTX Nông nghiệp Như Hoa"]);
    let found = names(&app.get("/api/v1/cooperatives?q=htx%20nong%20nghiep%20nhu").await.json());
    assert_eq!(found, ["HTX Nông nghiệp Như Hoa"]);
    let found = names(&app.get("/api/v1/cooperatives?q=LUC%20NGAN").await.json());
    assert_eq!(found, ["HTX Vải thiều Lục Ngạn"]);
    // đ folds to d, both ways round.
    let found = names(&app.get("/api/v1/cooperatives?q=dong").await.json());
    assert_eq!(found, ["Quỹ tín dụng nhân dân Đồng Cốc", "HTX Đông Hưng", "HTX Vận tải Đông Phong"]);
    let found = names(&app.get("/api/v1/cooperatives?q=%C4%90i%E1%BB%87n").await.json());
    assert_eq!(found, ["HTX Dịch vụ Điện năng"]);
    // Registration numbers are searchable; LIKE wildcards are literal.
    let found = names(&app.get("/api/v1/cooperatives?q=2402000303").await.json());
    assert_eq!(found, ["HTX Vải thiều Lục Ngạn"]);
    assert!(names(&app.get("/api/v1/cooperatives?q=%25").await.json()).is_empty());
    assert!(names(&app.get("/api/v1/cooperatives?q=_").await.json()).is_empty());
});

db_test!(filters_combine, |app| {
    seed(&app).await;
    let by_district = app.get(&format!("/api/v1/cooperatives?district={LUC_NGAN}")).await.json();
    assert_eq!(names(&by_district).len(), 3);
    let by_sector = app.get("/api/v1/cooperatives?sector=crop_farming").await.json();
    assert_eq!(names(&by_sector), ["HTX Đông Hưng", "HTX Như Hoa", "HTX Vải thiều Lục Ngạn"]);
    let by_group = app.get("/api/v1/cooperatives?sector_group=non_agriculture").await.json();
    assert_eq!(names(&by_group), ["HTX Dịch vụ Điện năng", "HTX Vận tải Đông Phong"]);
    let by_dates = app
        .get("/api/v1/cooperatives?registered_from=2018-01-01&registered_to=2020-12-31&province=1")
        .await
        .json();
    assert_eq!(names(&by_dates), ["HTX Nông nghiệp Như Hoa", "HTX Vải thiều Lục Ngạn"]);
    let thai_binh = app.get(&format!("/api/v1/cooperatives?province={THAI_BINH}")).await.json();
    assert_eq!(names(&thai_binh), ["HTX Đông Hưng"]);
    // Today's Bắc Ninh reaches the cooperatives of the old Bắc Giang merged into it.
    let merged = app.get(&format!("/api/v1/cooperatives?province={BAC_NINH_2025}")).await.json();
    assert_eq!(names(&merged).len(), 6);
});

db_test!(cursor_pages_cover_every_record_once_in_every_order, |app| {
    seed(&app).await;
    for sort in [
        "name",
        "-name",
        "registration_date",
        "-registration_date",
        "registration_number",
        "-registration_number",
    ] {
        let mut seen = Vec::new();
        let mut url = format!("/api/v1/cooperatives?limit=2&sort={sort}");
        let mut pages = 0;
        loop {
            let res = app.get(&url).await;
            assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
            let page = res.json();
            pages += 1;
            for item in page["items"].as_array().unwrap() {
                seen.push(item.clone());
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    let link = res.header("link").expect("Link header on a page with a next one");
                    assert!(link.contains(cursor) && link.ends_with("rel=\"next\""), "{link}");
                    url = format!("/api/v1/cooperatives?limit=2&sort={sort}&cursor={cursor}");
                }
                None => {
                    assert!(res.header("link").is_none());
                    break;
                }
            }
        }
        assert_eq!(pages, 4, "{sort}");
        let ids: HashSet<i64> = seen.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), 7, "{sort}: every record exactly once");
        let key = |c: &Value| -> String {
            match sort.trim_start_matches('-') {
                "name" => coop_registry::text::fold(c["name"].as_str().unwrap()),
                field => c[field].as_str().unwrap().to_owned(),
            }
        };
        let keys: Vec<String> = seen.iter().map(key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if sort.starts_with('-') {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "{sort}");
    }
    // A cursor belongs to its sort order.
    let page = app.get("/api/v1/cooperatives?limit=2&sort=name").await.json();
    let cursor = page["next_cursor"].as_str().unwrap();
    app.get(&format!("/api/v1/cooperatives?limit=2&sort=-name&cursor={cursor}"))
        .await
        .names_field(400, "cursor");
});

db_test!(lists_answer_if_none_match_and_compress, |app| {
    app.create("/api/v1/cooperatives", &cooperative("2402000001", "HTX Như Hoa")).await;
    let first = app.get("/api/v1/cooperatives?province=1").await;
    let tag = first.header("etag").expect("a list has an ETag");
    assert!(tag.starts_with("W/\""), "{tag}");
    let again =
        app.request(Method::GET, "/api/v1/cooperatives?province=1", &[("if-none-match", &tag)], None).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    app.create("/api/v1/cooperatives", &cooperative("2402000002", "HTX Hồng Thái")).await;
    let changed =
        app.request(Method::GET, "/api/v1/cooperatives?province=1", &[("if-none-match", &tag)], None).await;
    assert_eq!(changed.status, 200, "a new record changes the page");
    assert_ne!(changed.header("etag"), Some(tag));
    let zipped = app.request(Method::GET, "/api/v1/cooperatives", &[("accept-encoding", "gzip")], None).await;
    assert_eq!(zipped.header("content-encoding").as_deref(), Some("gzip"));
});

db_test!(search_ranks_the_best_matches_first, |app| {
    for (i, name) in ["HTX Nhuận Hoàng", "HTX Hoa Như", "HTX Như Hoa", "Như Hoa Xanh"].iter().enumerate()
    {
        app.create("/api/v1/cooperatives", &cooperative(&format!("24020009{i:02}"), name)).await;
    }
    // The name starts with what was typed, then a word starts it, then the rest.
    let ranked = ["Như Hoa Xanh", "HTX Như Hoa", "HTX Hoa Như", "HTX Nhuận Hoàng"];
    assert_eq!(names(&app.get("/api/v1/cooperatives?q=nhu%20hoa").await.json()), ranked);
    let by_name = names(&app.get("/api/v1/cooperatives?q=nhu%20hoa&sort=name").await.json());
    assert_eq!(by_name, ["HTX Hoa Như", "HTX Như Hoa", "HTX Nhuận Hoàng", "Như Hoa Xanh"]);
    // As a person types: a partial last word still finds and ranks.
    assert_eq!(names(&app.get("/api/v1/cooperatives?q=htx%20nhu%20h").await.json())[0], "HTX Như Hoa");
    // Pages of one follow the ranking across tiers.
    let mut paged = Vec::new();
    let mut url = "/api/v1/cooperatives?q=nhu%20hoa&limit=1".to_owned();
    loop {
        let page = app.get(&url).await.json();
        paged.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/cooperatives?q=nhu%20hoa&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, ranked);
});

db_test!(search_orders_names_holding_the_phrase_by_what_follows_it, |app| {
    let names_made = [
        "HTX Nông nghiệp Như Hoa",
        "HTX Dịch vụ Như Anh",
        "HTX Như Bình Như Cầu",
        "Như Ý",
        "HTX Nhuận Hoàng",
        "HTX Hoa Như",
        "HTX Anhuy",
    ];
    let mut ids = Vec::new();
    for (i, name) in names_made.iter().enumerate() {
        ids.push(
            app.create("/api/v1/cooperatives", &cooperative(&format!("24020008{i:02}"), name)).await["id"]
                .clone(),
        );
    }
    // The name starts with "nhu"; then the names where a later word starts it, in the
    // order of the name from that word on ("nhu", "nhu anh", "nhu binh nhu cau", …),
    // each once; then the names that hold it inside a word.
    let ranked = [
        "Như Ý",
        "HTX Hoa Như",
        "HTX Dịch vụ Như Anh",
        "HTX Như Bình Như Cầu",
        "HTX Nông nghiệp Như Hoa",
        "HTX Nhuận Hoàng",
        "HTX Anhuy",
    ];
    let paged = |q: String| {
        let app = &app;
        async move {
            let mut paged = Vec::new();
            let mut url = format!("/api/v1/cooperatives?q={q}&limit=1");
            loop {
                let page = app.get(&url).await.json();
                paged.extend(names(&page));
                match page["next_cursor"].as_str() {
                    Some(cursor) => url = format!("/api/v1/cooperatives?q={q}&limit=1&cursor={cursor}"),
                    None => break paged,
                }
            }
        }
    };
    assert_eq!(names(&app.get("/api/v1/cooperatives?q=nhu").await.json()), ranked);
    assert_eq!(paged("nhu".into()).await, ranked);
    // In a district (SQLite reads its units and sorts them), the same order.
    assert_eq!(paged(format!("nhu&district={VIET_YEN}")).await, ranked);
    assert!(
        names(&app.get(&format!("/api/v1/cooperatives?q=nhu&district={LUC_NGAN}")).await.json()).is_empty()
    );
    // The later word of a name that holds the phrase twice decides where it goes.
    assert_eq!(names(&app.get("/api/v1/cooperatives?q=nhu%20ca").await.json()), ["HTX Như Bình Như Cầu"]);
    // Filters still apply to the tier.
    let none = app.get("/api/v1/cooperatives?q=nhu%20anh&status=dissolved").await.json();
    assert!(names(&none).is_empty());

    // A new name moves the record to where its words now put it.
    let path = format!("/api/v1/cooperatives/{}", ids[1]);
    let etag = app.get(&path).await.header("etag").unwrap();
    let res = app.patch(&path, &json!({"name": "HTX Dịch vụ Như Xuân"}), &[("if-match", &etag)]).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let renamed = [
        "Như Ý",
        "HTX Hoa Như",
        "HTX Như Bình Như Cầu",
        "HTX Nông nghiệp Như Hoa",
        "HTX Dịch vụ Như Xuân",
        "HTX Nhuận Hoàng",
        "HTX Anhuy",
    ];
    assert_eq!(paged("nhu".into()).await, renamed);
    let found = names(&app.get("/api/v1/cooperatives?q=nhu%20xu").await.json());
    assert_eq!(found, ["HTX Dịch vụ Như Xuân"]);
});
