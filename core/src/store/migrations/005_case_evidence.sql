-- Schema 5: photos of a rectification task (the enterprise's proof, a re-inspection) or of an alarm
-- (on-site feedback). They belong to no inspection, so they have their own record table; `cited_seq`
-- names the outbox entry (task.transition / alarm.close) that sent them, sealed, to the platform.
CREATE TABLE case_evidence (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    case_kind TEXT NOT NULL CHECK (case_kind IN ('task', 'alarm')),
    case_id TEXT NOT NULL,
    body TEXT NOT NULL,
    cited_seq INTEGER
);
CREATE INDEX case_evidence_by_case ON case_evidence (case_kind, case_id, seq);

-- Their blobs to upload: the same bookkeeping as `blob_uploads`, tied to the case record instead.
CREATE TABLE case_blob_uploads (
    sha256 TEXT NOT NULL,
    role TEXT NOT NULL,
    evidence TEXT NOT NULL REFERENCES case_evidence (id) ON DELETE CASCADE,
    len INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    requested INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    freed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sha256, role, evidence)
) WITHOUT ROWID;
CREATE INDEX case_blob_uploads_pending ON case_blob_uploads (confirmed);

-- When photo originals upload, as the user chose it (`OriginalPolicy`, serde name; the default is the
-- sync client's, `UploadPolicy::default`); kept across launches.
ALTER TABLE session ADD COLUMN originals_policy TEXT NOT NULL DEFAULT 'wifi_only';

-- Task photos taken on another device (the enterprise's proof, seen by the officer): the rendition
-- fetched from the platform and the thumbnail made from it here.
CREATE TABLE fetched_photos (
    evidence TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    body TEXT NOT NULL,
    thumbnail TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL
);
CREATE INDEX fetched_photos_by_task ON fetched_photos (task);
