use crate::db_test;
use crate::fixtures::*;

db_test!(provinces_know_their_successors, |app| {
    let res = app.get("/api/v1/provinces").await;
    assert_eq!(res.status, 200);
    let provinces = res.json();
    let bac_giang = provinces.as_array().unwrap().iter().find(|p| p["id"] == BAC_GIANG).unwrap();
    assert_eq!(bac_giang["name"], "Bắc Giang");
    assert_eq!(bac_giang["valid_to"], "2025-06-30");
    assert_eq!(bac_giang["successor_id"], BAC_NINH_2025);

    let now = app.get("/api/v1/provinces?valid_on=2025-12-31").await.json();
    let names: Vec<&str> = now.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bắc Ninh", "Hưng Yên"]);
});

db_test!(districts_filter_by_province_and_date, |app| {
    let res = app.get(&format!("/api/v1/districts?province={BAC_GIANG}")).await.json();
    let names: Vec<&str> = res.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 10);
    assert!(names.contains(&"Việt Yên") && names.contains(&"Lục Ngạn"));
    let after = app.get(&format!("/api/v1/districts?province={BAC_GIANG}&valid_on=2025-07-01")).await.json();
    assert_eq!(after.as_array().unwrap().len(), 0, "the district level was removed in 2025");
    let thai_binh = app.get(&format!("/api/v1/districts?province={THAI_BINH}")).await.json();
    assert_eq!(thai_binh.as_array().unwrap().len(), 8);
});

db_test!(sectors_belong_to_three_groups, |app| {
    let all = app.get("/api/v1/sectors").await.json();
    let groups: std::collections::BTreeSet<&str> =
        all.as_array().unwrap().iter().map(|s| s["group"].as_str().unwrap()).collect();
    assert_eq!(
        groups.into_iter().collect::<Vec<_>>(),
        ["agriculture_forestry_fisheries", "non_agriculture", "people_credit_fund"]
    );
    let credit = app.get("/api/v1/sectors?group=people_credit_fund").await.json();
    assert_eq!(credit.as_array().unwrap().len(), 1);
    app.get("/api/v1/sectors?group=mining").await.names_field(400, "group");
});

db_test!(probes_answer, |app| {
    assert_eq!(app.get("/healthz").await.status, 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ok");
    app.get("/api/v1/nothing-here").await.problem(404);
});
