-- A search whose words many names hold, under a filter few of those names meet ("dich
-- v" in the crop farming sector, issue 7), walks the list's name order and checks every
-- row's search text. Read from the table, the walk fetched each row under the filter:
-- 0.6 s for a sector of 200,000 units at 1M. Carried by the name-order indexes (as
-- INCLUDE, outside the key), the text is checked on the index entry by an index-only
-- scan of the walk's ids (see `organizations::reader`): 40 ms for the same walk. (An
-- index-only scan reads the table only for pages changed since (auto)vacuum last passed.)
DROP INDEX organizations_kind_name;
DROP INDEX organizations_province_name;
DROP INDEX organizations_sector_name;
CREATE INDEX organizations_kind_name ON organizations (kind, status, name_key, id, sector_id)
    INCLUDE (search_text);
CREATE INDEX organizations_province_name ON organizations (province_id, kind, name_key, id, status, sector_id)
    INCLUDE (search_text);
CREATE INDEX organizations_sector_name ON organizations (sector_id, kind, status, name_key, id)
    INCLUDE (search_text);
