-- A search as a person types reads a range of names that start with what was typed. The
-- planner estimates such a range from the column's statistics; with the default sample,
-- a range of a few thousand names that share a beginning ("htx ve sinh mo", at 1M) was
-- estimated at one row, and the page was planned as a join of every such name sorted,
-- 40 ms, instead of the first names read in order, 0.2 ms. A larger sample (more common
-- values and histogram bounds) of the name columns estimates those ranges.
ALTER TABLE organizations ALTER COLUMN name_key SET STATISTICS 1000;
ALTER TABLE cooperative_groups ALTER COLUMN name_key SET STATISTICS 1000;
ALTER TABLE name_tails ALTER COLUMN tail SET STATISTICS 1000;
ANALYZE organizations;
ANALYZE cooperative_groups;
ANALYZE name_tails;
