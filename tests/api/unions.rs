use serde_json::json;

use crate::db_test;
use crate::fixtures::*;

db_test!(memberships_keep_their_history, |app| {
    let union = app
        .create(
            "/api/v1/unions",
            &with(
                cooperative("2402100001", "Liên hiệp HTX Nông sản Bắc Giang"),
                json!({"registration_date": "2019-06-01"}),
            ),
        )
        .await;
    assert_eq!(union["kind"], "union");
    let coop = app.create("/api/v1/cooperatives", &cooperative("2402000401", "HTX Thành viên")).await;
    let (u, c) = (union["id"].as_i64().unwrap(), coop["id"].as_i64().unwrap());
    let member = format!("/api/v1/unions/{u}/members/{c}");

    let joined = app.create(&member, &json!({"joined_on": "2020-02-01"})).await;
    assert_eq!(joined["cooperative_name"], "HTX Thành viên");
    app.post(&member, &json!({"joined_on": "2020-03-01"})).await.names_field(409, "cooperative_id");
    let left = app.delete(&format!("{member}?left_on=2021-12-31")).await;
    assert_eq!(left.status, 200);
    assert_eq!(left.json()["left_on"], "2021-12-31");
    app.delete(&member).await.problem(404);
    app.post(&member, &json!({"joined_on": "2021-06-01"})).await.names_field(422, "joined_on");
    app.create(&member, &json!({"joined_on": "2023-01-01"})).await;

    let periods = app.get(&member).await.json();
    let spans: Vec<(String, Option<String>)> = periods
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["joined_on"].as_str().unwrap().into(), p["left_on"].as_str().map(Into::into)))
        .collect();
    assert_eq!(spans, [("2020-02-01".into(), Some("2021-12-31".into())), ("2023-01-01".into(), None)]);
    let current = app.get(&format!("/api/v1/unions/{u}/memberships?current=true")).await.json();
    assert_eq!(current.as_array().unwrap().len(), 1);
    let all = app.get(&format!("/api/v1/unions/{u}/memberships")).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Only cooperatives join unions, and only unions take members.
    app.post(&format!("/api/v1/unions/{u}/members/{u}"), &json!({"joined_on": "2020-02-01"}))
        .await
        .problem(404);
    app.post(&format!("/api/v1/unions/{c}/members/{c}"), &json!({"joined_on": "2020-02-01"}))
        .await
        .problem(404);
    // Before the cooperative existed.
    let other = app
        .create(
            "/api/v1/cooperatives",
            &with(cooperative("2402000402", "HTX Mới"), json!({"registration_date": "2022-01-01"})),
        )
        .await;
    app.post(&format!("/api/v1/unions/{u}/members/{}", other["id"]), &json!({"joined_on": "2021-01-01"}))
        .await
        .names_field(422, "joined_on");

    // A dissolution cannot come before a membership began or ended: 2021-06-30 is inside
    // the first period, 2022-12-31 before the second.
    let status = format!("/api/v1/cooperatives/{c}/status");
    for day in ["2021-06-30", "2022-12-31"] {
        let res = app.post(&status, &json!({"status": "dissolved", "dissolution_date": day})).await;
        res.names_field(422, "dissolution_date");
    }
    assert_eq!(app.get(&format!("/api/v1/cooperatives/{c}")).await.json()["status"], "active");
    // Dissolving the cooperative ends its membership that day, a leave of the audit trail.
    let res = app.post(&status, &json!({"status": "dissolved", "dissolution_date": "2024-04-30"})).await;
    assert_eq!(res.status, 200);
    let periods = app.get(&member).await.json();
    assert_eq!(periods[1]["left_on"], "2024-04-30");
    let auth = crate::harness::bearer(&app.tokens.reviewer);
    let trail = app
        .request(
            awc::http::Method::GET,
            &format!("/api/v1/audit?object=membership:{}", periods[1]["id"]),
            &[("authorization", &auth)],
            None,
        )
        .await
        .json();
    let actions: Vec<&str> =
        trail["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["membership.join", "membership.leave"], "{trail}");

    // Unions have the same histories as cooperatives.
    app.create(
        &format!("/api/v1/unions/{u}/capital"),
        &json!({"effective_date": "2022-01-01", "charter_capital": 9_000_000_000_i64}),
    )
    .await;
    assert_eq!(app.get(&format!("/api/v1/unions/{u}")).await.json()["charter_capital"], 9_000_000_000_i64);
    let unions = app.get("/api/v1/unions").await.json();
    assert_eq!(unions["items"].as_array().unwrap().len(), 1);
});
