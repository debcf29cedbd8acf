DROP INDEX organizations_kind_name;
DROP INDEX organizations_province_name;
DROP INDEX organizations_sector_name;
CREATE INDEX organizations_kind_name ON organizations (kind, status, name_key, id, sector_id);
CREATE INDEX organizations_province_name ON organizations (province_id, kind, name_key, id, status, sector_id);
CREATE INDEX organizations_sector_name ON organizations (sector_id, kind, status, name_key, id);
