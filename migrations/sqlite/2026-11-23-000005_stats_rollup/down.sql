PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM stat_daily WHERE key_id IN (SELECT id FROM stat_keys WHERE district_key = -1 OR sector_id = 0);
DELETE FROM stat_monthly WHERE key_id IN (SELECT id FROM stat_keys WHERE district_key = -1 OR sector_id = 0);
DELETE FROM stat_keys WHERE district_key = -1 OR sector_id = 0;
CREATE TABLE stat_keys_old (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cooperative', 'union', 'group')),
    province_id BIGINT NOT NULL REFERENCES provinces (id),
    district_key BIGINT NOT NULL,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    UNIQUE (kind, province_id, district_key, sector_id)
);
INSERT INTO stat_keys_old (id, kind, province_id, district_key, sector_id)
SELECT id, kind, province_id, district_key, sector_id FROM stat_keys;
DROP TABLE stat_keys;
ALTER TABLE stat_keys_old RENAME TO stat_keys;
COMMIT;
PRAGMA foreign_keys = ON;
