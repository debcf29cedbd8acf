-- Substring search over the folded names (lower case, no diacritics): trigram GIN
-- indexes serve `LIKE '%word%'` for words of three characters or more.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX organizations_search_trgm ON organizations USING gin (search_text gin_trgm_ops);
CREATE INDEX cooperative_groups_search_trgm ON cooperative_groups USING gin (search_text gin_trgm_ops);
