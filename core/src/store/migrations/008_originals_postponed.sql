-- The person postponed the command centre's requests for originals: they then wait for the upload
-- policy instead of going on the next sync.
ALTER TABLE session ADD COLUMN originals_postponed INTEGER NOT NULL DEFAULT 0;
