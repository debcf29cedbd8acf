DROP TRIGGER name_tails_follow_organization;
CREATE TABLE name_tails_plain (
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    word INTEGER NOT NULL,
    tail TEXT NOT NULL,
    PRIMARY KEY (organization_id, word)
) WITHOUT ROWID;
INSERT INTO name_tails_plain SELECT organization_id, word, tail FROM name_tails;
DROP TABLE name_tails;
ALTER TABLE name_tails_plain RENAME TO name_tails;
CREATE INDEX name_tails_by_tail ON name_tails (tail, organization_id);
