-- Rollup keys: per kind, province and sector with district_key -1 (every district), and
-- per kind and sector with province_id 0 as well (the nation), kept by the ledger in the
-- same transaction as the unit keys, so that a province or the nation reads a few keys.
--
-- province_id 0 is no province, hence no foreign key to provinces any more.
ALTER TABLE stat_keys DROP CONSTRAINT stat_keys_province_id_fkey;
COMMENT ON COLUMN stat_keys.province_id IS 'a province id; 0 in the national rollup keys';
COMMENT ON COLUMN stat_keys.district_key IS '0 where the unit has no district; -1 in rollup keys';
-- A province's (or district's) keys without scanning every kind.
CREATE INDEX stat_keys_place ON stat_keys (province_id, district_key);

-- Rollups of what the register holds already: the sums of the unit keys' rows. Every
-- unit key's monthly rows run contiguously to the horizon, so their sums do too.
INSERT INTO stat_keys (kind, province_id, district_key, sector_id)
SELECT DISTINCT kind, province_id, -1, sector_id FROM stat_keys WHERE district_key <> -1;
INSERT INTO stat_keys (kind, province_id, district_key, sector_id)
SELECT DISTINCT kind, 0, -1, sector_id FROM stat_keys WHERE province_id <> 0 AND district_key = -1;

CREATE TEMPORARY TABLE stat_rollup_of AS
SELECT u.id AS unit_key, r.id AS rollup_key
FROM stat_keys u
JOIN stat_keys r
  ON r.kind = u.kind AND r.sector_id = u.sector_id AND r.district_key = -1
 AND r.province_id IN (u.province_id, 0)
WHERE u.district_key <> -1;

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

-- The planner's picture of the tables changed a lot.
ANALYZE stat_keys;
ANALYZE stat_daily;
ANALYZE stat_monthly;
