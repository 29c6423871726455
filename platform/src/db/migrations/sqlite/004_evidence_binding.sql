-- Migration 4: photo blobs are bound to the records that cite them and to the device that uploads them.
-- Each verified proof (an inspection's evidence, a task step's or alarm close's photos) notes each blob
-- it cites, with the case and the device that sealed it; the first note is the blob's home case.
CREATE TABLE IF NOT EXISTS blob_citations (
    n INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL, len INTEGER NOT NULL, case_kind TEXT NOT NULL,
    case_id TEXT NOT NULL, device TEXT NOT NULL, user_id TEXT NOT NULL, at TEXT NOT NULL,
    UNIQUE (sha256, case_kind, case_id, device));
-- Who uploads each blob: set when its first chunk arrives, kept once it is confirmed (the uploader).
CREATE TABLE IF NOT EXISTS blob_owners (
    sha256 TEXT PRIMARY KEY, device TEXT NOT NULL, user_id TEXT NOT NULL, started_at TEXT NOT NULL);
