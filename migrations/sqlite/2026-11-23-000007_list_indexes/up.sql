-- Every list page is a seek, whatever its filters and sort (issue 7). A page reads one
-- "driving" index per sort in sort order; the list runs one seek per value of the
-- index's equality prefix it is asked for (a merged province and its predecessors, or
-- the three statuses when none is asked) and merges the pages in the application. The
-- other filters are checked on columns the index carries, so with a place, sector or
-- status filter, one matching few or no rows costs at most a walk of one province's or
-- sector's entries, never the whole register. (A registration date range under another
-- sort is checked on the rows that sort walks: a narrow range alone, sorted by name,
-- still reads until it fills the page.)
--   district given: organizations_district (at most a few thousand rows, sorted);
--   province given: organizations_province_* (status and sector checked in the index);
--   sector given:   organizations_sector_* (sector, kind, status, then the sort);
--   otherwise:      organizations_kind_* (kind, status, then the sort; the sector id
--                   rides along for sector-group filters).
-- SQLite has no statistics to weigh them: the list writes the filters the driving index
-- does not seek on as `+column`, which keeps the planner on the driving index.
-- Nine ordered indexes replace the three kind indexes and the single-column province
-- and sector ones: four more in all, the least that keeps every sort of every filter
-- a seek (each costs an insert per written row, so no further combinations).
DROP INDEX organizations_kind_name;
DROP INDEX organizations_kind_registered;
DROP INDEX organizations_kind_number;
DROP INDEX organizations_province;
DROP INDEX organizations_sector;
CREATE INDEX organizations_kind_name ON organizations (kind, status, name_key, id, sector_id);
CREATE INDEX organizations_kind_registered ON organizations (kind, status, registration_date, id, sector_id);
CREATE INDEX organizations_kind_number ON organizations (kind, status, registration_number, id, sector_id);
CREATE INDEX organizations_province_name ON organizations (province_id, kind, name_key, id, status, sector_id);
CREATE INDEX organizations_province_registered ON organizations (province_id, kind, registration_date, id, status, sector_id);
CREATE INDEX organizations_province_number ON organizations (province_id, kind, registration_number, id, status, sector_id);
CREATE INDEX organizations_sector_name ON organizations (sector_id, kind, status, name_key, id);
CREATE INDEX organizations_sector_registered ON organizations (sector_id, kind, status, registration_date, id);
CREATE INDEX organizations_sector_number ON organizations (sector_id, kind, status, registration_number, id);

-- Cooperative groups are some 40,000 at national scale: their two ordered indexes carry
-- every filter column, so any filter is checked in the index and even one matching
-- nothing reads a few megabytes of index, never the table.
DROP INDEX cooperative_groups_name;
DROP INDEX cooperative_groups_founded;
CREATE INDEX cooperative_groups_name
    ON cooperative_groups (name_key, id, status, sector_id, province_id, district_id, founding_date);
CREATE INDEX cooperative_groups_founded
    ON cooperative_groups (founding_date, id, status, sector_id, province_id, district_id);
