-- The second relevance tier of a search (issue 7): names with a word, after the first,
-- that starts what was typed ("nong nghiep nhu" finds "HTX Nông nghiệp Như Hoa"). Each
-- row is a name's key from one such word on (its "tail"); the tails in order make that
-- tier a range of one index, read in the order of the tail, however many names hold
-- the phrase. Without it the tier walked the name order, and a phrase that thousands of
-- names hold together ("tac xa th", in every "Hợp tác xã Thương mại …" and "Hợp tác xã
-- Thủy sản …") passed every name before them. The application writes the tails in the
-- transaction that writes the name, as on SQLite.
CREATE TABLE name_tails (
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    -- 1 for the name's second word, 2 for its third, …
    word INTEGER NOT NULL,
    tail TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (organization_id, word)
);

INSERT INTO name_tails (organization_id, word, tail)
WITH RECURSIVE tails (organization_id, word, tail) AS (
    SELECT id, 0, name_key FROM organizations
    UNION ALL
    SELECT organization_id, word + 1, substr(tail, strpos(tail, ' ') + 1)
    FROM tails WHERE strpos(tail, ' ') > 0
)
SELECT organization_id, word, tail FROM tails WHERE word > 0;
-- Built after the backfill: one sort rather than an insert per row.
CREATE INDEX name_tails_by_tail ON name_tails (tail, organization_id);
