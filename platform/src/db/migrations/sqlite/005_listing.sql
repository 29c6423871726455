-- Migration 5: the list index (platform/src/db/listing.rs). One row per listed record with the columns the
-- console filters, sorts and pages by, and the record's change-log keys (prefixed k_) that scope who sees it.
-- Filled from the records by the platform after this migration (meta key listing_built).
CREATE TABLE IF NOT EXISTS listing (
    entity TEXT NOT NULL, id TEXT NOT NULL,
    audience TEXT NOT NULL, k_enterprise TEXT, k_township TEXT, k_squadron TEXT, k_assignee TEXT,
    township TEXT, squadron TEXT, enterprise TEXT, state TEXT NOT NULL, grade TEXT, at TEXT,
    sort TEXT NOT NULL, search TEXT NOT NULL,
    PRIMARY KEY (entity, id));
CREATE INDEX IF NOT EXISTS listing_by_sort ON listing (entity, sort, id);
CREATE INDEX IF NOT EXISTS listing_by_township ON listing (entity, township, sort);
CREATE INDEX IF NOT EXISTS listing_by_state ON listing (entity, state, sort);
CREATE INDEX IF NOT EXISTS listing_by_at ON listing (entity, at);
CREATE INDEX IF NOT EXISTS listing_by_enterprise ON listing (entity, enterprise, sort);
