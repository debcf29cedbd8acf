//! Bulk import from a provincial spreadsheet: all or nothing, every bad cell named.

use awc::http::Method;

use crate::db_test;
use crate::harness::{bearer, Response, TestApp};

const SHEET: &str = "\u{feff}STT,Số đăng ký,Tên HTX,Ngành nghề,Tỉnh,Huyện,Địa chỉ,Người đại diện,Ngày đăng ký,Vốn điều lệ,Số thành viên
1,2402001001,HTX Nông nghiệp Như Hoa,Trồng trọt,Bắc Giang,Việt Yên,\"Thôn Như Hoa, xã Hồng Thái\",Nguyễn Văn Hòa,02/04/2019,\"1.500.000.000\",27
2,2402001002,HTX Vải thiều Phì Điền,livestock,1,Lục Ngạn,Xã Phì Điền,Trần Văn Bình,2020-03-15,800000000,12
3,2402001003,HTX Dịch vụ Tân Yên,Trồng trọt,tỉnh Bắc Giang,huyện Tân Yên,Xã Cao Xá,Lê Thị Mai,15/06/2021,\"2,000,000,000\",40
";

async fn import(app: &TestApp, secret: &str, query: &str, body: &str) -> Response {
    let auth = bearer(secret);
    let headers = [("authorization", auth.as_str()), ("content-type", "text/csv; charset=utf-8")];
    app.request(
        Method::POST,
        &format!("/api/v1/cooperatives/import{query}"),
        &headers,
        Some(body.as_bytes().to_vec()),
    )
    .await
}

fn count(app_list: &serde_json::Value) -> usize {
    app_list["items"].as_array().unwrap().len()
}

db_test!(a_spreadsheet_imports_all_or_nothing, |app| {
    let checked = import(&app, &app.tokens.reviewer, "?dry_run=true", SHEET).await;
    assert_eq!(checked.status, 200, "{}", String::from_utf8_lossy(&checked.body));
    let report = checked.json();
    assert_eq!((report["rows"].as_u64(), report["imported"].as_u64()), (Some(3), Some(0)));
    assert_eq!(report["ignored_columns"], serde_json::json!(["STT"]));
    assert_eq!(count(&app.get("/api/v1/cooperatives").await.json()), 0, "a dry run writes nothing");

    let done = import(&app, &app.tokens.admin, "", SHEET).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(done.json()["imported"], 3);
    let list = app.get("/api/v1/cooperatives?sort=registration_number").await.json();
    assert_eq!(count(&list), 3);
    let first = &list["items"][0];
    assert_eq!(first["name"], "HTX Nông nghiệp Như Hoa");
    assert_eq!(first["district"]["id"], 109);
    assert_eq!(first["registration_date"], "2019-04-02");
    assert_eq!(first["charter_capital"], 1_500_000_000_i64);
    assert_eq!(list["items"][2]["charter_capital"], 2_000_000_000_i64);
    let stats = app.get("/api/v1/stats/summary?province=1&as_of=2021-12-31").await.json();
    assert_eq!(stats["cooperatives"]["active"], 3);
    assert_eq!(stats["cooperatives"]["charter_capital"], 4_300_000_000_i64);
    let auth = bearer(&app.tokens.analyst);
    let audit =
        app.request(Method::GET, "/api/v1/audit?object=cooperative", &[("authorization", &auth)], None).await;
    let actions: Vec<String> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["cooperative.import"; 3]);

    // Importing the same sheet again: every number is taken, so nothing is written.
    let again = import(&app, &app.tokens.reviewer, "", SHEET).await;
    let problem = again.problem(422);
    assert_eq!(problem["errors"].as_array().unwrap().len(), 3, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "row 2, Số đăng ký");
    assert_eq!(count(&app.get("/api/v1/cooperatives").await.json()), 3);
});

db_test!(bad_rows_are_named_by_row_and_column, |app| {
    let sheet = "registration_number,name,sector,province,district,address,legal_representative,registration_date,charter_capital,member_count
2402002001,HTX Tốt,crop_farming,1,109,Xã A,Nguyễn Văn A,2019-01-01,100,5
2402002002,HTX Ngày sai,crop_farming,1,109,Xã B,Nguyễn Văn B,31/02/2019,100,5
2402002003,HTX Huyện lạ,crop_farming,1,Hà Đông,Xã C,Nguyễn Văn C,2019-01-01,-100,5
2402002001,HTX Trùng số,crop_farming,1,109,Xã D,Nguyễn Văn D,2019-01-01,100,5
2402002004,HTX Ký tự \0 rỗng,crop_farming,1,109,Xã E,Nguyễn Văn E,2019-01-01,100,5
2402002005,HTX Thiếu ô,crop_farming,1,109,, ,2019-01-01,100,5
";
    let res = import(&app, &app.tokens.reviewer, "", sheet).await;
    let problem = res.problem(422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        [
            "row 3, registration_date",
            "row 4, district",
            "row 4, charter_capital",
            "row 5, registration_number",
            "row 6, name",
            "row 7, address",
            "row 7, legal_representative"
        ],
        "{problem}"
    );
    assert_eq!(count(&app.get("/api/v1/cooperatives").await.json()), 0, "nothing written");

    let wrong_type = app
        .request(
            Method::POST,
            "/api/v1/cooperatives/import",
            &[("authorization", &bearer(&app.tokens.reviewer)), ("content-type", "application/json")],
            Some(b"{}".to_vec()),
        )
        .await;
    wrong_type.problem(415);
    import(&app, &app.tokens.reviewer, "", "STT,Ghi chú\n1,x\n").await.names_field(400, "header");
    import(&app, &app.tokens.reviewer, "", "name,Tên HTX\nA,B\n").await.names_field(400, "header");
    import(&app, &app.tokens.analyst, "", sheet).await.problem(403);
    import(&app, &app.tokens.district, "", sheet).await.problem(403);
});
