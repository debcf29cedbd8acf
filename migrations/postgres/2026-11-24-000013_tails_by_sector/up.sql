-- A search within a sector (issue 7) reads the tails that start with what was typed and
-- checks the sector on each index entry of `name_tails_by_tail`: a phrase common in other
-- sectors was passed whole to find the sector's few ("nong n" among trade services: all
-- 420,000 tails, 0.08-0.15 s at 1M). Led by the sector, the range is the sector's own
-- tails (3-4 ms). The sector is the one filter of a list's that covers a fifth of the
-- register at most while a phrase spans it; a province's units are 2%, and a district
-- is read from its own units. (SQLite keeps to one tails index: its import, which
-- writes seven tails a unit, has no room for a second.)
CREATE INDEX name_tails_by_sector
    ON name_tails (kind, sector_id, tail, organization_id, status, province_id, district_id, registration_date);
