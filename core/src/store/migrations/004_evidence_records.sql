-- Schema 4: the full evidence record of each photo (what the chain commits to), in capture order, and
-- the upload state of its blobs. The `evidence` row (schema 1) stays the photo's link to its item.
CREATE TABLE evidence_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE REFERENCES evidence (id) ON DELETE CASCADE,
    inspection TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX evidence_records_by_inspection ON evidence_records (inspection, seq);

-- One row per blob to upload (renditions and originals; thumbnails stay on the device).
-- `confirmed` = 1 once the platform checked length and hash; `freed` = 1 once the local copy was deleted.
CREATE TABLE blob_uploads (
    sha256 TEXT NOT NULL,
    role TEXT NOT NULL,
    evidence TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    inspection TEXT NOT NULL,
    len INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    requested INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    freed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sha256, role, evidence)
) WITHOUT ROWID;
CREATE INDEX blob_uploads_pending ON blob_uploads (confirmed, inspection);
