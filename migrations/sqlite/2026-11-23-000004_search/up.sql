-- Substring search over the folded names (lower case, no diacritics): an FTS5 trigram
-- index, kept in step with the tables by triggers in the writing transaction.
CREATE VIRTUAL TABLE organizations_search USING fts5(
    search_text, content = 'organizations', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO organizations_search (organizations_search) VALUES ('rebuild');
CREATE TRIGGER organizations_search_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER organizations_search_delete AFTER DELETE ON organizations BEGIN
    INSERT INTO organizations_search (organizations_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER organizations_search_update AFTER UPDATE OF search_text ON organizations BEGIN
    INSERT INTO organizations_search (organizations_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO organizations_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE VIRTUAL TABLE cooperative_groups_search USING fts5(
    search_text, content = 'cooperative_groups', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO cooperative_groups_search (cooperative_groups_search) VALUES ('rebuild');
CREATE TRIGGER cooperative_groups_search_insert AFTER INSERT ON cooperative_groups BEGIN
    INSERT INTO cooperative_groups_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER cooperative_groups_search_delete AFTER DELETE ON cooperative_groups BEGIN
    INSERT INTO cooperative_groups_search (cooperative_groups_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER cooperative_groups_search_update AFTER UPDATE OF search_text ON cooperative_groups BEGIN
    INSERT INTO cooperative_groups_search (cooperative_groups_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO cooperative_groups_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
