//! The columns of an import file: which header names which field, and how a cell
//! becomes the JSON value the API takes.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::db::Conn;
use crate::error::ApiError;
use crate::reference::{self, Catalog};
use crate::text::fold;

/// A field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Text(&'static str),
    Date(&'static str),
    Amount(&'static str),
    Province,
    District,
    Sector,
}

/// Each field and the header names (folded) that name it.
const FIELDS: &[(Field, &[&str])] = &[
    (
        Field::Text("registration_number"),
        &["registration_number", "so dang ky", "ma so htx", "ma so", "so dkkd", "so giay chung nhan"],
    ),
    (Field::Text("name"), &["name", "ten", "ten htx", "ten hop tac xa", "ten don vi"]),
    (Field::Text("name_en"), &["name_en", "ten tieng anh"]),
    (Field::Text("abbreviation"), &["abbreviation", "ten viet tat"]),
    (Field::Sector, &["sector", "nganh", "nganh nghe", "linh vuc"]),
    (Field::Province, &["province", "province_id", "tinh", "tinh/thanh pho", "tinh thanh"]),
    (
        Field::District,
        &["district", "district_id", "huyen", "quan/huyen", "huyen/thanh pho", "huyen/thi xa/thanh pho"],
    ),
    (Field::Text("address"), &["address", "dia chi", "tru so", "dia chi tru so"]),
    (
        Field::Text("legal_representative"),
        &["legal_representative", "nguoi dai dien", "nguoi dai dien theo phap luat", "giam doc"],
    ),
    (Field::Text("phone"), &["phone", "dien thoai", "so dien thoai"]),
    (Field::Text("email"), &["email", "thu dien tu"]),
    (Field::Date("registration_date"), &["registration_date", "ngay dang ky", "ngay thanh lap"]),
    (
        Field::Amount("charter_capital"),
        &["charter_capital", "von dieu le", "von dieu le (dong)", "von dieu le (vnd)"],
    ),
    (Field::Amount("member_count"), &["member_count", "so thanh vien", "thanh vien"]),
    (Field::Date("alliance_admission_date"), &["alliance_admission_date", "ngay ket nap"]),
    (Field::Text("alliance_batch"), &["alliance_batch", "dot ket nap"]),
];

/// A column of the file: where it is, what it fills, and its header as written.
#[derive(Debug, Clone)]
pub struct Column {
    pub index: usize,
    pub field: Field,
    pub header: String,
}

/// Reference data, read once per import, with the names a cell may give folded once.
pub struct Lookup {
    pub catalog: Catalog,
    provinces: Vec<Unit>,
    districts: Vec<Unit>,
    /// (code, folded Vietnamese name, folded English name) of every sector.
    sectors: Vec<(String, String, String)>,
}

/// A province or district as a cell may name it (its name folded).
struct Unit {
    id: i64,
    province_id: i64,
    code: String,
    name: String,
    from: NaiveDate,
    to: Option<NaiveDate>,
}

impl Unit {
    fn valid_on(&self, day: NaiveDate) -> bool {
        reference::valid_on(self.from, self.to, day)
    }
}

impl Lookup {
    pub fn load(conn: &mut Conn) -> Result<Lookup, ApiError> {
        let catalog = Catalog::load(conn)?;
        let unit = |id, province_id, code: &str, name: &str, from, to| Unit {
            id,
            province_id,
            code: code.to_owned(),
            name: fold(name),
            from,
            to,
        };
        let mut provinces: Vec<Unit> = catalog
            .provinces()
            .map(|p| unit(p.id, p.id, &p.code, &p.name, p.valid_from, p.valid_to))
            .collect();
        let mut districts: Vec<Unit> = catalog
            .districts()
            .map(|d| unit(d.id, d.province_id, &d.code, &d.name, d.valid_from, d.valid_to))
            .collect();
        provinces.sort_by_key(|u| u.id);
        districts.sort_by_key(|u| u.id);
        let sectors =
            catalog.sectors().iter().map(|s| (s.code.clone(), fold(&s.name_vi), fold(&s.name_en))).collect();
        Ok(Lookup { catalog, provinces, districts, sectors })
    }
}

impl Field {
    /// The field of `NewOrganization` it fills.
    pub fn api_name(self) -> &'static str {
        match self {
            Field::Text(name) | Field::Date(name) | Field::Amount(name) => name,
            Field::Province => "province_id",
            Field::District => "district_id",
            Field::Sector => "sector",
        }
    }

    /// The JSON value of a (non-empty) cell.
    pub fn value(
        self,
        cell: &str,
        lookup: &Lookup,
        row: &Map<String, Value>,
        day: Option<NaiveDate>,
    ) -> Result<Value, String> {
        match self {
            Field::Text(_) => Ok(Value::String(cell.to_owned())),
            Field::Date(_) => parse_date(cell).map(|d| Value::String(d.to_string())),
            Field::Amount(_) => parse_amount(cell).map(Value::from),
            Field::Sector => {
                let wanted = fold(cell);
                lookup
                    .sectors
                    .iter()
                    .find(|(code, vi, en)| code == cell || *vi == wanted || *en == wanted)
                    .map(|(code, ..)| Value::String(code.clone()))
                    .ok_or_else(|| format!("no sector has the code or name '{cell}'"))
            }
            Field::Province => {
                let candidates = lookup.provinces.iter().filter(|p| day.is_none_or(|d| p.valid_on(d)));
                one(named(cell, candidates), cell, "province")
            }
            Field::District => {
                let province = row.get("province_id").and_then(Value::as_i64);
                let candidates = lookup.districts.iter().filter(|d| {
                    province.is_none_or(|p| d.province_id == p) && day.is_none_or(|day| d.valid_on(day))
                });
                one(named(cell, candidates), cell, "district")
            }
        }
    }
}

/// The ids of the units a cell names: by id, code or name (with or without the word
/// for its kind).
fn named<'a>(cell: &str, candidates: impl Iterator<Item = &'a Unit>) -> Vec<i64> {
    let id = cell.parse::<i64>().ok();
    let wanted = fold(cell);
    let prefixes = ["tinh ", "thanh pho ", "tp ", "tp. ", "huyen ", "thi xa ", "quan "];
    let bare: Vec<&str> = prefixes.iter().filter_map(|p| wanted.strip_prefix(p)).collect();
    candidates
        .filter(|u| id == Some(u.id) || cell == u.code || wanted == u.name || bare.contains(&u.name.as_str()))
        .map(|u| u.id)
        .collect()
}

fn one(found: Vec<i64>, cell: &str, what: &str) -> Result<Value, String> {
    match found.as_slice() {
        [id] => Ok(Value::from(*id)),
        [] => Err(format!("no {what} valid on the registration date is named '{cell}'")),
        _ => Err(format!("'{cell}' names more than one {what}; give its id")),
    }
}

/// 2024-05-02, or the Vietnamese 02/05/2024 (also with `-` or `.`).
pub fn parse_date(cell: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(cell, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&cell.replace(['-', '.'], "/"), "%d/%m/%Y"))
        .map_err(|_| format!("'{cell}' is not a date (2024-05-02 or 02/05/2024)"))
}

/// A whole number, with or without thousands separators (1.500.000.000 or 1,500,000,000).
pub fn parse_amount(cell: &str) -> Result<i64, String> {
    let digits: String = cell.chars().filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}')).collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{cell}' is not a whole number"));
    }
    digits.parse::<i64>().map_err(|_| format!("'{cell}' is too large"))
}

/// The columns the header names, and the header cells it ignores. A field named twice
/// is a 400: which column to believe would be a guess.
pub fn map_headers(headers: &csv::StringRecord) -> Result<(Vec<Column>, Vec<String>), ApiError> {
    let mut columns: Vec<Column> = Vec::new();
    let mut ignored = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let folded = fold(header.trim_start_matches('\u{feff}'));
        match FIELDS.iter().find(|(_, aliases)| aliases.contains(&folded.as_str())) {
            Some((field, _)) => {
                if let Some(first) = columns.iter().find(|c| c.field == *field) {
                    return Err(ApiError::bad_request(
                        "header",
                        format!("columns '{}' and '{header}' both give {}", first.header, field.api_name()),
                    ));
                }
                columns.push(Column { index, field: *field, header: header.to_owned() });
            }
            None if header.is_empty() => {}
            None => ignored.push(header.to_owned()),
        }
    }
    if columns.is_empty() {
        return Err(ApiError::bad_request(
            "header",
            "no column is one the register knows; see the import docs",
        ));
    }
    // Provinces before districts: a district is looked up within its province.
    let rank = |f: Field| FIELDS.iter().position(|(g, _)| *g == f).unwrap_or(usize::MAX);
    columns.sort_by_key(|c| rank(c.field));
    Ok((columns, ignored))
}

/// The column header that gave a field (for error reports), or the field's own name.
pub fn header_of(columns: &[Column], field: &str) -> String {
    let base = field.split(['.', '[']).next().unwrap_or(field);
    columns.iter().find(|c| c.field.api_name() == base).map_or_else(|| field.to_owned(), |c| c.header.clone())
}

/// The row's registration date, when it has a readable one.
pub fn registration_day(columns: &[Column], row: &csv::StringRecord) -> Option<NaiveDate> {
    let column = columns.iter().find(|c| c.field == Field::Date("registration_date"))?;
    parse_date(row.get(column.index)?.trim()).ok()
}
