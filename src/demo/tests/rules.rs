//! What the API's rules ask of every record, and the statistics tables' agreement with
//! the register.

use std::collections::HashSet;

use diesel::sqlite::SqliteConnection;

use super::{num, pairs};
use crate::domain;

/// The statistics tables, kept by the store and the ledger, agree with the register, in
/// the units' keys and in the province's and its districts' rollup keys alike.
pub fn statistics_agree_with_the_register(c: &mut SqliteConnection) {
    let end2023 = "2023-12-31";
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
}

/// Everything the API's rules ask of a record.
pub fn records_keep_the_api_rules(c: &mut SqliteConnection) {
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
}
