//! The export's bytes against the `csv` writer's and the view's JSON.

use chrono::NaiveDate;

use super::*;
use crate::organizations::model::Organization;
use crate::organizations::record::Stamp;
use crate::organizations::views::OrganizationView;

fn record(text: &str, optional: Option<&str>, day: Option<NaiveDate>, seconds: u32, nanos: u32) -> Record {
    let stamp =
        NaiveDate::from_ymd_opt(2021, 11, 5).unwrap().and_hms_nano_opt(10, 0, seconds, nanos).unwrap();
    Record {
        id: 42,
        kind: "cooperative".into(),
        registration_number: format!("{text}-1"),
        name: text.into(),
        name_en: optional.map(Into::into),
        abbreviation: optional.map(|s| format!("{s}!")),
        name_key: String::new(),
        sector_id: 1,
        province_id: 2,
        district_id: day.map(|_| 3),
        address: format!("{text}, {text}"),
        legal_representative: text.into(),
        phone: optional.map(Into::into),
        email: None,
        registration_date: Day(day.unwrap_or(NaiveDate::MIN)),
        status: "dissolved".into(),
        dissolution_date: day.map(Day),
        charter_capital: -7,
        member_count: 12,
        alliance_admission_date: day.map(Day),
        alliance_batch: optional.map(Into::into),
        created_at: Stamp(stamp),
        updated_at: Stamp(stamp),
        version: 3,
    }
}

fn organization(r: &Record) -> Organization {
    Organization {
        id: r.id,
        kind: r.kind.clone(),
        registration_number: r.registration_number.clone(),
        name: r.name.clone(),
        name_en: r.name_en.clone(),
        abbreviation: r.abbreviation.clone(),
        sector_id: r.sector_id,
        province_id: r.province_id,
        district_id: r.district_id,
        address: r.address.clone(),
        legal_representative: r.legal_representative.clone(),
        phone: r.phone.clone(),
        email: r.email.clone(),
        registration_date: r.registration_date.0,
        status: r.status.clone(),
        dissolution_date: r.dissolution_date.map(|d| d.0),
        charter_capital: r.charter_capital,
        member_count: r.member_count,
        alliance_admission_date: r.alliance_admission_date.map(|d| d.0),
        alliance_batch: r.alliance_batch.clone(),
        created_at: r.created_at.0,
        updated_at: r.updated_at.0,
        version: r.version,
    }
}

#[test]
fn writes_what_the_csv_writer_and_the_view_write() {
    let day = NaiveDate::from_ymd_opt(2021, 11, 5).unwrap();
    let sector = Sector {
        id: 1,
        code: "crop_farming".into(),
        name_vi: "Trồng \"trọt\"".into(),
        name_en: "Crops\\".into(),
        sector_group: "agriculture_forestry_fisheries".into(),
    };
    let province = Province {
        id: 2,
        code: "24".into(),
        name: "Tỉnh, Bắc".into(),
        kind: "tinh".into(),
        valid_from: day,
        valid_to: None,
        successor_id: None,
    };
    let district = District {
        id: 3,
        province_id: 2,
        code: "24-1".into(),
        name: "Huyện\tA".into(),
        kind: "huyen".into(),
        valid_from: day,
        valid_to: None,
        successor_id: None,
    };
    let texts = ["HTX Như Hoa", "a,b", "say \"hi\"", "line\nbreak\r", "back\\slash", "\u{1}\u{7f}", ""];
    let far = NaiveDate::from_ymd_opt(12021, 1, 5);
    let mut refs = RefJson::default();
    for (i, text) in texts.iter().enumerate() {
        for (optional, d, nanos) in
            [(None, None, 0), (Some(*text), Some(day), 5_000_000), (Some("x"), far, 1)]
        {
            let r = record(text, optional, d, i as u32, nanos);
            let names = (&sector, &province, d.map(|_| &district));
            let mut csv = Vec::new();
            csv_record(&mut csv, &r, names);
            let mut expected = csv::Writer::from_writer(Vec::new());
            let date = |d: Option<Day>| d.map(|d| d.0.to_string()).unwrap_or_default();
            let o = organization(&r);
            expected
                .write_record([
                    o.id.to_string(),
                    o.kind.clone(),
                    o.registration_number.clone(),
                    o.name.clone(),
                    o.name_en.clone().unwrap_or_default(),
                    o.abbreviation.clone().unwrap_or_default(),
                    sector.code.clone(),
                    sector.sector_group.clone(),
                    province.id.to_string(),
                    province.name.clone(),
                    d.map(|_| district.id.to_string()).unwrap_or_default(),
                    d.map(|_| district.name.clone()).unwrap_or_default(),
                    o.address.clone(),
                    o.legal_representative.clone(),
                    o.phone.clone().unwrap_or_default(),
                    o.email.clone().unwrap_or_default(),
                    date(Some(r.registration_date)),
                    o.status.clone(),
                    date(r.dissolution_date),
                    o.charter_capital.to_string(),
                    o.member_count.to_string(),
                    date(r.alliance_admission_date),
                    o.alliance_batch.clone().unwrap_or_default(),
                ])
                .unwrap();
            assert_eq!(
                String::from_utf8(csv).unwrap(),
                String::from_utf8(expected.into_inner().unwrap()).unwrap()
            );
            let mut json = Vec::new();
            json_record(&mut json, &mut refs, &r, names);
            let view = OrganizationView::new(o, names.0, names.1, names.2);
            let expected = serde_json::to_string(&view).unwrap() + "\n";
            assert_eq!(String::from_utf8(json).unwrap(), expected);
        }
    }
    let mut header = Vec::new();
    csv_header(&mut header);
    let mut expected = csv::Writer::from_writer(Vec::new());
    expected.write_record(CSV_HEADER).unwrap();
    assert_eq!(header, expected.into_inner().unwrap());
}
