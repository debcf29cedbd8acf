//! Valid request bodies to start from.

use serde_json::{json, Value};

/// Bắc Giang (before the 2025 merger) and two of its districts.
pub const BAC_GIANG: i64 = 1;
pub const VIET_YEN: i64 = 109;
pub const LUC_NGAN: i64 = 106;
pub const THAI_BINH: i64 = 3;
pub const DONG_HUNG: i64 = 204;
/// Bắc Ninh after the merger (successor of Bắc Giang).
pub const BAC_NINH_2025: i64 = 5;

/// A valid new cooperative in Việt Yên, Bắc Giang.
pub fn cooperative(number: &str, name: &str) -> Value {
    json!({
        "registration_number": number,
        "name": name,
        "sector": "crop_farming",
        "province_id": BAC_GIANG,
        "district_id": VIET_YEN,
        "address": "Thôn Như Hoa, xã Hồng Thái",
        "legal_representative": "Nguyễn Văn Hòa",
        "phone": "0204 3854 123",
        "email": "htx@example.vn",
        "registration_date": "2019-04-02",
        "charter_capital": 1_500_000_000_i64,
        "member_count": 27
    })
}

/// `base` with `changes` merged in (a `null` value removes the key).
pub fn with(base: Value, changes: Value) -> Value {
    let mut out = base;
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            out.as_object_mut().unwrap().remove(k);
        } else {
            out[k] = v.clone();
        }
    }
    out
}
