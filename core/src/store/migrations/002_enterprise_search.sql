-- Schema 2: enterprise search. A trigram full-text index over name, credit code and address finds
-- Chinese substrings of three or more characters; shorter queries fall back to LIKE.
CREATE VIRTUAL TABLE enterprise_search USING fts5 (
    name, credit_code, address,
    content = 'enterprises', content_rowid = 'seq', tokenize = 'trigram'
);

CREATE TRIGGER enterprises_search_insert AFTER INSERT ON enterprises BEGIN
    INSERT INTO enterprise_search (rowid, name, credit_code, address)
    VALUES (new.seq, new.name, new.credit_code, new.address);
END;

CREATE TRIGGER enterprises_search_delete AFTER DELETE ON enterprises BEGIN
    INSERT INTO enterprise_search (enterprise_search, rowid, name, credit_code, address)
    VALUES ('delete', old.seq, old.name, old.credit_code, old.address);
END;

CREATE TRIGGER enterprises_search_update AFTER UPDATE OF name, credit_code, address ON enterprises BEGIN
    INSERT INTO enterprise_search (enterprise_search, rowid, name, credit_code, address)
    VALUES ('delete', old.seq, old.name, old.credit_code, old.address);
    INSERT INTO enterprise_search (rowid, name, credit_code, address)
    VALUES (new.seq, new.name, new.credit_code, new.address);
END;

-- Index what schema 1 already holds.
INSERT INTO enterprise_search (enterprise_search) VALUES ('rebuild');
