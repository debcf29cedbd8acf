//! The synthetic register's geography and vocabulary: its provinces and districts (ids,
//! codes and names), the sectors with their weights and name words, and the place and
//! personal names its units are named and represented by.

/// The synthetic provinces: ids 1001..=1060, each with 11 districts.
pub const PROVINCES: i64 = 60;
pub const FIRST_PROVINCE: i64 = 1001;
pub const DISTRICTS_PER_PROVINCE: i64 = 11;

pub fn province_id(index: i64) -> i64 {
    FIRST_PROVINCE + index
}

pub fn province_code(province_id: i64) -> String {
    format!("T{:02}", province_id - FIRST_PROVINCE + 1)
}

pub fn province_name(province_id: i64) -> String {
    format!("Tỉnh Thử nghiệm {:02}", province_id - FIRST_PROVINCE + 1)
}

/// District `k` (1..=11) of a synthetic province.
pub fn district_id(province_id: i64, k: i64) -> i64 {
    100_000 + province_id * 100 + k
}

pub fn district_name(district_id: i64) -> String {
    let k = district_id % 100;
    let p = (district_id - 100_000) / 100 - FIRST_PROVINCE + 1;
    if k == 1 {
        format!("Thành phố Thử nghiệm {p:02}")
    } else {
        format!("Huyện Thử nghiệm {p:02}-{k:02}")
    }
}

/// The existing sectors (reference data) with how common they are, and the words names
/// use for them.
pub(super) const SECTORS: &[(i64, u32, &str)] = &[
    (1, 22, "Nông nghiệp"),
    (2, 9, "Chăn nuôi"),
    (3, 20, "Dịch vụ nông nghiệp tổng hợp"),
    (4, 3, "Lâm nghiệp"),
    (5, 5, "Thủy sản"),
    (6, 6, "Dịch vụ thủy lợi"),
    (11, 7, "Tiểu thủ công nghiệp"),
    (12, 4, "Xây dựng"),
    (13, 5, "Vận tải"),
    (14, 9, "Thương mại dịch vụ"),
    (15, 2, "Vệ sinh môi trường"),
    (16, 3, "Nước sạch"),
    (17, 2, "Điện năng"),
    (18, 1, "Du lịch cộng đồng"),
    (21, 2, "Quỹ tín dụng nhân dân"),
];

pub(super) const PLACES: &[&str] = &[
    "An Bình",
    "An Phú",
    "Bình Minh",
    "Cẩm Giàng",
    "Đông Phong",
    "Đồng Tâm",
    "Đức Thắng",
    "Hòa Bình",
    "Hồng Phong",
    "Hợp Thành",
    "Hưng Đạo",
    "Kim Sơn",
    "Lạc Hồng",
    "Minh Đức",
    "Nam Sơn",
    "Nghĩa Hưng",
    "Phú Xuân",
    "Phúc Lợi",
    "Quang Trung",
    "Quyết Thắng",
    "Sơn Hà",
    "Tân Lập",
    "Tân Tiến",
    "Thắng Lợi",
    "Thành Công",
    "Thịnh Vượng",
    "Thuận An",
    "Tiến Bộ",
    "Trung Hòa",
    "Trường Xuân",
    "Vạn Phúc",
    "Việt Hưng",
    "Vĩnh Phúc",
    "Xuân Lâm",
    "Yên Bình",
    "Yên Mỹ",
    "Hương Sơn",
    "Bắc Hà",
    "Đại Đồng",
    "Phong Châu",
];

pub(super) const FAMILY: &[&str] =
    &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"];
pub(super) const MIDDLE: &[&str] =
    &["Văn", "Thị", "Đức", "Minh", "Quang", "Hữu", "Ngọc", "Thanh", "Xuân", "Công"];
pub(super) const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
    "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trung",
    "Tuấn", "Việt", "Yến",
];
