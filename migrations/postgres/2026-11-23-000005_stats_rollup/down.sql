DELETE FROM stat_daily WHERE key_id IN (SELECT id FROM stat_keys WHERE district_key = -1 OR sector_id = 0);
DELETE FROM stat_monthly WHERE key_id IN (SELECT id FROM stat_keys WHERE district_key = -1 OR sector_id = 0);
DELETE FROM stat_keys WHERE district_key = -1 OR sector_id = 0;
DROP INDEX stat_keys_place;
ALTER TABLE stat_keys ADD CONSTRAINT stat_keys_province_id_fkey
    FOREIGN KEY (province_id) REFERENCES provinces (id);
ALTER TABLE stat_keys ADD CONSTRAINT stat_keys_sector_id_fkey
    FOREIGN KEY (sector_id) REFERENCES sectors (id);
