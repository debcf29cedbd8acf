-- Rollup keys, kept by the ledger in the same transaction as the unit keys, so that a
-- place reads a few keys: per kind and district with sector_id 0 (every sector), per
-- kind, province and sector with district_key -1 (every district), and per kind and
-- sector with province_id 0 as well (the nation).
--
-- province_id 0 and sector_id 0 are no province and no sector: stat_keys is rebuilt
-- without those foreign keys (SQLite cannot drop a constraint), with foreign keys off as
-- SQLite's documented procedure has it.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE stat_keys_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cooperative', 'union', 'group')),
    -- a province id; 0 in national rollup keys
    province_id BIGINT NOT NULL,
    -- 0 where the unit has no district (the district level ended in 2025); -1 in province
    -- and national rollup keys
    district_key BIGINT NOT NULL,
    -- a sector id; 0 in district rollup keys
    sector_id BIGINT NOT NULL,
    UNIQUE (kind, province_id, district_key, sector_id)
);
INSERT INTO stat_keys_new (id, kind, province_id, district_key, sector_id)
SELECT id, kind, province_id, district_key, sector_id FROM stat_keys;
DROP TABLE stat_keys;
ALTER TABLE stat_keys_new RENAME TO stat_keys;
-- A place's keys without scanning every kind.
CREATE INDEX stat_keys_place ON stat_keys (province_id, district_key);

-- Rollups of what the register holds already: the sums of the unit keys' rows. Every
-- unit key's monthly rows run contiguously to the horizon, so their sums do too.
CREATE TEMPORARY TABLE stat_unit_keys AS
SELECT id, kind, province_id, district_key, sector_id FROM stat_keys
WHERE district_key <> -1 AND sector_id <> 0;
INSERT INTO stat_keys (kind, province_id, district_key, sector_id)
SELECT DISTINCT kind, province_id, district_key, 0 FROM stat_unit_keys;
INSERT INTO stat_keys (kind, province_id, district_key, sector_id)
SELECT DISTINCT kind, province_id, -1, sector_id FROM stat_unit_keys;
INSERT INTO stat_keys (kind, province_id, district_key, sector_id)
SELECT DISTINCT kind, 0, -1, sector_id FROM stat_unit_keys;

-- Each unit key and its district's, province's and nation's rollup keys.
CREATE TEMPORARY TABLE stat_rollup_of AS
SELECT u.id AS unit_key, r.id AS rollup_key FROM stat_unit_keys u JOIN stat_keys r
  ON r.kind = u.kind AND r.province_id = u.province_id AND r.district_key = u.district_key
 AND r.sector_id = 0
UNION ALL
SELECT u.id, r.id FROM stat_unit_keys u JOIN stat_keys r
  ON r.kind = u.kind AND r.province_id = u.province_id AND r.district_key = -1
 AND r.sector_id = u.sector_id
UNION ALL
SELECT u.id, r.id FROM stat_unit_keys u JOIN stat_keys r
  ON r.kind = u.kind AND r.province_id = 0 AND r.district_key = -1 AND r.sector_id = u.sector_id;

INSERT INTO stat_daily (key_id, day, active, capital, members, registered, dissolved, admitted)
SELECT o.rollup_key, d.day, SUM(d.active), SUM(d.capital), SUM(d.members), SUM(d.registered),
       SUM(d.dissolved), SUM(d.admitted)
FROM stat_daily d JOIN stat_rollup_of o ON o.unit_key = d.key_id
GROUP BY o.rollup_key, d.day
HAVING SUM(d.active) <> 0 OR SUM(d.capital) <> 0 OR SUM(d.members) <> 0
    OR SUM(d.registered) <> 0 OR SUM(d.dissolved) <> 0 OR SUM(d.admitted) <> 0;

INSERT INTO stat_monthly (key_id, month, active, capital, members, registered, dissolved, admitted)
SELECT o.rollup_key, m.month, SUM(m.active), SUM(m.capital), SUM(m.members), SUM(m.registered),
       SUM(m.dissolved), SUM(m.admitted)
FROM stat_monthly m JOIN stat_rollup_of o ON o.unit_key = m.key_id
GROUP BY o.rollup_key, m.month;

DROP TABLE stat_rollup_of;
DROP TABLE stat_unit_keys;

COMMIT;
PRAGMA foreign_keys = ON;
