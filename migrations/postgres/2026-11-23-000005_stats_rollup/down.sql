DELETE FROM stat_daily WHERE key_id IN (SELECT id FROM stat_keys WHERE district_key = -1);
DELETE FROM stat_monthly WHERE key_id IN (SELECT id FROM stat_keys WHERE district_key = -1);
DELETE FROM stat_keys WHERE district_key = -1;
DROP INDEX stat_keys_place;
ALTER TABLE stat_keys ADD CONSTRAINT stat_keys_province_id_fkey
    FOREIGN KEY (province_id) REFERENCES provinces (id);
