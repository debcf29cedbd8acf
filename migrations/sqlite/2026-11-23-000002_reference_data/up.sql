-- Reference data: the provinces and district-level units the source documents speak of,
-- before and after the 2025 reorganisation (provinces merged from 2025-07-01, when the
-- district level was removed), and the sectors used in provincial reports.
-- Earlier units (e.g. Hà Bắc before 1997) can be added as reference data when needed.
INSERT INTO provinces (id, code, name, kind, valid_from, valid_to, successor_id) VALUES
    (5, '24', 'Bắc Ninh', 'province', '2025-07-01', NULL, NULL),
    (6, '33', 'Hưng Yên', 'province', '2025-07-01', NULL, NULL),
    (1, '24', 'Bắc Giang', 'province', '1997-01-01', '2025-06-30', 5),
    (2, '27', 'Bắc Ninh', 'province', '1997-01-01', '2025-06-30', 5),
    (3, '34', 'Thái Bình', 'province', '1997-01-01', '2025-06-30', 6),
    (4, '33', 'Hưng Yên', 'province', '1997-01-01', '2025-06-30', 6);

INSERT INTO districts (id, province_id, code, name, kind, valid_from, valid_to) VALUES
    (101, 1, '213', 'Bắc Giang', 'city', '1997-01-01', '2025-06-30'),
    (102, 1, '215', 'Yên Thế', 'district', '1997-01-01', '2025-06-30'),
    (103, 1, '216', 'Tân Yên', 'district', '1997-01-01', '2025-06-30'),
    (104, 1, '217', 'Lạng Giang', 'district', '1997-01-01', '2025-06-30'),
    (105, 1, '218', 'Lục Nam', 'district', '1997-01-01', '2025-06-30'),
    (106, 1, '219', 'Lục Ngạn', 'district', '1997-01-01', '2025-06-30'),
    (107, 1, '220', 'Sơn Động', 'district', '1997-01-01', '2025-06-30'),
    (108, 1, '221', 'Yên Dũng', 'district', '1997-01-01', '2025-06-30'),
    (109, 1, '222', 'Việt Yên', 'district', '1997-01-01', '2025-06-30'),
    (110, 1, '223', 'Hiệp Hòa', 'district', '1997-01-01', '2025-06-30'),
    (201, 3, '336', 'Thái Bình', 'city', '1997-01-01', '2025-06-30'),
    (202, 3, '338', 'Quỳnh Phụ', 'district', '1997-01-01', '2025-06-30'),
    (203, 3, '339', 'Hưng Hà', 'district', '1997-01-01', '2025-06-30'),
    (204, 3, '340', 'Đông Hưng', 'district', '1997-01-01', '2025-06-30'),
    (205, 3, '341', 'Thái Thụy', 'district', '1997-01-01', '2025-06-30'),
    (206, 3, '342', 'Tiền Hải', 'district', '1997-01-01', '2025-06-30'),
    (207, 3, '343', 'Kiến Xương', 'district', '1997-01-01', '2025-06-30'),
    (208, 3, '344', 'Vũ Thư', 'district', '1997-01-01', '2025-06-30');

INSERT INTO sectors (id, code, name_vi, name_en, sector_group) VALUES
    (1, 'crop_farming', 'Trồng trọt', 'Crop farming', 'agriculture_forestry_fisheries'),
    (2, 'livestock', 'Chăn nuôi', 'Livestock', 'agriculture_forestry_fisheries'),
    (3, 'general_agriculture', 'Nông nghiệp tổng hợp', 'General agriculture and farm services', 'agriculture_forestry_fisheries'),
    (4, 'forestry', 'Lâm nghiệp', 'Forestry', 'agriculture_forestry_fisheries'),
    (5, 'fisheries', 'Thủy sản', 'Fisheries and aquaculture', 'agriculture_forestry_fisheries'),
    (6, 'irrigation', 'Dịch vụ thủy lợi', 'Irrigation services', 'agriculture_forestry_fisheries'),
    (11, 'industry_handicraft', 'Công nghiệp - tiểu thủ công nghiệp', 'Industry and handicraft', 'non_agriculture'),
    (12, 'construction', 'Xây dựng', 'Construction', 'non_agriculture'),
    (13, 'transport', 'Vận tải', 'Transport', 'non_agriculture'),
    (14, 'trade_services', 'Thương mại - dịch vụ', 'Trade and services', 'non_agriculture'),
    (15, 'environment', 'Vệ sinh môi trường', 'Environmental services', 'non_agriculture'),
    (16, 'clean_water', 'Nước sạch', 'Clean water supply', 'non_agriculture'),
    (17, 'electricity', 'Điện', 'Electricity distribution', 'non_agriculture'),
    (18, 'tourism', 'Du lịch', 'Tourism', 'non_agriculture'),
    (21, 'people_credit_fund', 'Quỹ tín dụng nhân dân', 'People''s credit fund', 'people_credit_fund');
