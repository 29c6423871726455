-- Migration 5: unfinished photo uploads live in the database, so any platform process may take a device's
-- next chunk. `received` is where the held bytes end; a process streaming a chunk in holds the lease
-- (`lease`, a random token, until `lease_until`), renewed while the body arrives and released after it.
-- Each kept chunk is one part in the blob store, keyed by its range, recorded in `blob_parts`.
CREATE TABLE IF NOT EXISTS blob_uploads (
    sha256 TEXT PRIMARY KEY, received BIGINT NOT NULL DEFAULT 0, lease TEXT, lease_until TEXT);
CREATE TABLE IF NOT EXISTS blob_parts (
    sha256 TEXT NOT NULL, start_at BIGINT NOT NULL, end_at BIGINT NOT NULL, PRIMARY KEY (sha256, start_at));
