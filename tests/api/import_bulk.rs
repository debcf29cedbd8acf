//! Bulk import against the register's bookkeeping: the statistics it settles equal a
//! rebuild from the register, every record has its audit entry in the shape a single
//! registration writes, and a bad row anywhere (or a dry run) leaves everything as it was.

use awc::http::Method;
use chrono::NaiveDate;
use coop_registry::db::Conn;
use coop_registry::error::ApiError;
use coop_registry::on_backend;
use coop_registry::schema::{audit_entries, organizations, stat_daily, stat_keys, stat_monthly};
use coop_registry::stats::ledger::organization_life;
use coop_registry::stats::rebuild::{write_contributions, FlowMap};
use diesel::prelude::*;
use serde_json::Value;

use crate::db_test;
use crate::fixtures::{cooperative, with};
use crate::harness::{bearer, Response, TestApp};

const HEADER: &str = "registration_number,name,sector,province,district,address,legal_representative,\
phone,email,registration_date,charter_capital,member_count,alliance_admission_date,alliance_batch\n";

/// `rows` valid rows numbered from `first`, registered between `from_year` and 2024 in
/// five districts of Bắc Giang and three sectors; every seventh was admitted to the
/// alliance.
fn sheet(first: usize, rows: usize, from_year: usize) -> String {
    let districts = ["101", "104", "106", "Việt Yên", "110"];
    let sectors = ["crop_farming", "Chăn nuôi", "trade_services"];
    let years = 2025 - from_year;
    let mut csv = String::from(HEADER);
    for n in first..first + rows {
        let (year, month, day) = (from_year + n * 7 % years, 1 + n * 5 % 12, 1 + n * 11 % 28);
        let admitted = if n % 7 == 0 { format!("{}-12-31,{}/{}", year, n % 3 + 1, year) } else { ",".into() };
        csv.push_str(&format!(
            "IMP{n:06},HTX Nhập {n},{},Bắc Giang,{},Thôn {n},Người {n},,,{day:02}/{month:02}/{year},\"{}\",{},{admitted}\n",
            sectors[n % 3],
            districts[n % 5],
            (n % 40 + 1) * 100_000_000,
            n % 90 + 7,
        ));
    }
    csv
}

async fn import(app: &TestApp, query: &str, body: &str) -> Response {
    let auth = bearer(&app.tokens.admin);
    let headers = [("authorization", auth.as_str()), ("content-type", "text/csv")];
    let path = format!("/api/v1/cooperatives/import{query}");
    app.request(Method::POST, &path, &headers, Some(body.as_bytes().to_vec())).await
}

type Row = (String, i64, i64, i64, NaiveDate, i64, i64, i64, i64, i64, i64);
/// `stat_daily` and `stat_monthly`.
type Ledger = (Vec<Row>, Vec<Row>);

/// `stat_daily` and `stat_monthly`, keys spelled out (ids differ between builds), sorted.
fn ledger_tables(conn: &mut Conn) -> Result<Ledger, ApiError> {
    let key = (stat_keys::kind, stat_keys::province_id, stat_keys::district_key, stat_keys::sector_id);
    let daily = stat_daily::table.inner_join(stat_keys::table).select((
        key.0,
        key.1,
        key.2,
        key.3,
        stat_daily::day,
        stat_daily::active,
        stat_daily::capital,
        stat_daily::members,
        stat_daily::registered,
        stat_daily::dissolved,
        stat_daily::admitted,
    ));
    let monthly = stat_monthly::table.inner_join(stat_keys::table).select((
        key.0,
        key.1,
        key.2,
        key.3,
        stat_monthly::month,
        stat_monthly::active,
        stat_monthly::capital,
        stat_monthly::members,
        stat_monthly::registered,
        stat_monthly::dissolved,
        stat_monthly::admitted,
    ));
    let (mut daily, mut monthly): Ledger = on_backend!(conn, c => (daily.load(c)?, monthly.load(c)?));
    daily.sort();
    monthly.sort();
    Ok((daily, monthly))
}

/// What the register, audit trail and ledger hold: counts and the ledger itself.
async fn state(app: &TestApp) -> (i64, i64, Ledger) {
    app.db
        .read_blocking(|conn| {
            let counts: (i64, i64) = on_backend!(conn, c => (
                organizations::table.count().get_result(c)?,
                audit_entries::table.count().get_result(c)?,
            ));
            Ok((counts.0, counts.1, ledger_tables(conn)?))
        })
        .unwrap()
}

/// The ledger as it is, and as [`write_contributions`] rebuilds it from every unit's life
/// in the register (the rebuilt tables stay).
fn ledger_and_rebuild(conn: &mut Conn) -> Result<(Ledger, Ledger), ApiError> {
    let kept = ledger_tables(conn)?;
    let ids: Vec<i64> = on_backend!(conn, c => organizations::table.select(organizations::id).load(c)?);
    let mut flows = FlowMap::new();
    for id in ids {
        for (key, f) in organization_life(conn, id)?.contribution() {
            *flows.entry(key).or_default() += f;
        }
    }
    on_backend!(conn, c => {
        diesel::delete(stat_daily::table).execute(c)?;
        diesel::delete(stat_monthly::table).execute(c)?;
        diesel::delete(stat_keys::table).execute(c)?;
    });
    write_contributions(conn, &flows)?;
    Ok((kept, ledger_tables(conn)?))
}

db_test!(imported_statistics_equal_a_rebuild, |app| {
    // Units already registered, before and after the imported ones, in the same keys.
    for (number, district, day) in [("2402009001", 109, "2012-06-15"), ("2402009002", 101, "2024-11-30")] {
        let body = with(
            cooperative(number, "HTX Có trước"),
            serde_json::json!({"district_id": district, "registration_date": day}),
        );
        app.create("/api/v1/cooperatives", &body).await;
    }
    let first = import(&app, "", &sheet(0, 400, 2005)).await;
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    assert_eq!(first.json()["imported"], 400);
    // A second import reaches back before every key's first month and lands in between.
    let second = import(&app, "", &sheet(400, 150, 1998)).await;
    assert_eq!(second.status, 200, "{}", String::from_utf8_lossy(&second.body));

    let (ledger, rebuilt) = app.db.write(ledger_and_rebuild).await.unwrap();
    assert!(ledger.0.len() > 500 && ledger.1.len() > ledger.0.len(), "a ledger of some size");
    assert_eq!(ledger.0.len(), rebuilt.0.len());
    assert!(ledger.0 == rebuilt.0, "stat_daily differs from a rebuild");
    assert_eq!(ledger.1.len(), rebuilt.1.len());
    assert!(ledger.1 == rebuilt.1, "stat_monthly differs from a rebuild");

    // And the endpoints agree with a count of what went in.
    let summary = app.get("/api/v1/stats/summary?province=1&as_of=2024-12-31").await.json();
    assert_eq!(summary["cooperatives"]["active"], 552);
});

db_test!(every_imported_record_has_its_audit_entry, |app| {
    let single = app.create("/api/v1/cooperatives", &cooperative("2402000123", "HTX Như Hoa")).await;
    let row = "2402000124,HTX Như Hoa,crop_farming,1,109,\"Thôn Như Hoa, xã Hồng Thái\",Nguyễn Văn Hòa,\
0204 3854 123,htx@example.vn,02/04/2019,1.500.000.000,27,,\n";
    let csv = format!("{HEADER}{row}{}", &sheet(0, 60, 2010)[HEADER.len()..]);
    let done = import(&app, "", &csv).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    let ids: Vec<i64> = done.json()["ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 61);

    type Entry = (i64, String, String, Option<String>, Option<String>);
    let entries: Vec<Entry> = app
        .db
        .read_blocking(|conn| {
            let query = audit_entries::table.filter(audit_entries::object_type.eq("cooperative")).select((
                audit_entries::object_id,
                audit_entries::action,
                audit_entries::actor_role,
                audit_entries::before,
                audit_entries::after,
            ));
            Ok(on_backend!(conn, c => query.order(audit_entries::id).load(c)?))
        })
        .unwrap();
    let imported: Vec<&Entry> = entries.iter().filter(|e| e.1 == "cooperative.import").collect();
    assert_eq!(imported.iter().map(|e| e.0).collect::<Vec<_>>(), ids, "one entry per record, in row order");
    let after = |e: &Entry| -> Value { serde_json::from_str(e.4.as_deref().unwrap()).unwrap() };
    for e in &imported {
        assert_eq!((e.2.as_str(), e.3.as_deref()), ("admin", None));
        // The entry shows the record whole, as it reads back.
        let view = app.get(&format!("/api/v1/cooperatives/{}", e.0)).await.json();
        assert_eq!(after(e), view, "audit entry of {}", e.0);
    }
    // The same cooperative registered alone: the same entry but for what differs.
    let registered = entries.iter().find(|e| e.1 == "cooperative.register").unwrap();
    assert_eq!(after(registered), single);
    let strip = |mut v: Value| {
        for field in ["id", "registration_number", "created_at", "updated_at"] {
            v.as_object_mut().unwrap().remove(field);
        }
        v
    };
    assert_eq!(strip(after(imported[0])), strip(after(registered)));
});

db_test!(a_bad_row_anywhere_rolls_back_everything, |app| {
    app.create("/api/v1/cooperatives", &cooperative("2402000123", "HTX Như Hoa")).await;
    let before = state(&app).await;
    assert_eq!((before.0, before.2 .0.is_empty()), (1, false));

    let good = sheet(0, 300, 2000);
    let mut lines: Vec<&str> = good.lines().collect();
    // Row 301 (the file's last line): a district of another province.
    let bad_last = lines[300].replace(",Bắc Giang,110,", ",Bắc Giang,Đông Hưng,");
    lines[300] = &bad_last;
    let csv = lines.join("\n");
    let refused = import(&app, "", &csv).await.problem(422);
    let errors = refused["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{refused}");
    assert_eq!(errors[0]["field"], "row 301, district");
    assert_eq!(state(&app).await, before, "register, audit trail and ledger unchanged");

    // A number already in the register, in the middle of the file.
    let taken = good.replace("IMP000150,", "2402000123,");
    let refused = import(&app, "", &taken).await.problem(422);
    assert_eq!(refused["errors"][0]["field"], "row 152, registration_number", "{refused}");
    assert_eq!(state(&app).await, before);

    // A dry run checks all and writes nothing; a bad one reports as the import would.
    let checked = import(&app, "?dry_run=true", &good).await;
    assert_eq!(checked.status, 200, "{}", String::from_utf8_lossy(&checked.body));
    let report = checked.json();
    assert_eq!((report["dry_run"].as_bool(), report["rows"].as_u64()), (Some(true), Some(300)));
    assert_eq!((report["imported"].as_u64(), report["ids"].as_array().map(Vec::len)), (Some(0), Some(0)));
    assert_eq!(state(&app).await, before, "a dry run writes nothing");
    import(&app, "?dry_run=true", &csv).await.names_field(422, "row 301, district");
    assert_eq!(state(&app).await, before);

    let done = import(&app, "", &good).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    let after = state(&app).await;
    assert_eq!((after.0, after.1 - before.1), (301, 300));
});

db_test!(a_large_file_reports_each_bad_row_by_its_line, |app| {
    // Large enough that its rows are checked, and written, in more than one batch.
    let good = sheet(0, 2_500, 2000);
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    // Lines 2 (the first row), 1,252 and 2,501 (the last): a district of another
    // province, a negative capital, a number an earlier row took.
    for (line, from, to) in [
        (2, ",Bắc Giang,101,", ",Bắc Giang,Đông Hưng,"),
        (1_252, ",\"1100000000\",", ",\"-5\","),
        (2_501, "IMP002499,", "IMP000007,"),
    ] {
        assert!(lines[line - 1].contains(from), "line {line}: {}", lines[line - 1]);
        lines[line - 1] = lines[line - 1].replacen(from, to, 1);
    }
    let refused = import(&app, "", &lines.join("\n")).await.problem(422);
    let fields: Vec<&str> =
        refused["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["row 2, district", "row 1252, charter_capital", "row 2501, registration_number"],
        "{refused}"
    );
    let before = state(&app).await;
    assert_eq!(before.0, 0);

    // Only the last row bad: the batches before it were written by the time it was found.
    let mut late: Vec<String> = good.lines().map(str::to_owned).collect();
    late[2_500] = late[2_500].replacen("IMP002499,", "IMP000007,", 1);
    import(&app, "", &late.join("\n")).await.names_field(422, "row 2501, registration_number");
    assert_eq!(state(&app).await, before, "register, audit trail and ledger unchanged");
    let done = import(&app, "", &good).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    assert_eq!(state(&app).await.0, 2_500);
});
