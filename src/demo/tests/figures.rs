//! The figures the source documents publish, and the demo's shape around them.

use diesel::sqlite::SqliteConnection;

use super::{active, history_total, num, pairs, registered, target};
use crate::text::fold;

/// Bắc Giang: end of 2023, the 2023 plan, end of Q1 2022, its districts.
pub fn bac_giang(c: &mut SqliteConnection) {
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
}

/// The alliance's admission batches, and HTX Như Hoa of Việt Yên.
pub fn alliance_and_nhu_hoa(c: &mut SqliteConnection) {
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
}

/// Bắc Giang's unions and their members.
pub fn bac_giang_unions(c: &mut SqliteConnection) {
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
}

/// Thái Bình, 2016–2019: 8 new cooperatives and its first union in 2018.
pub fn thai_binh(c: &mut SqliteConnection) {
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
}

/// Cooperative groups.
pub fn groups(c: &mut SqliteConnection) {
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
}
