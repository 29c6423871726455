-- Migration 2: the command centre resolves a kept losing value (takes it, or dismisses it).
-- `resolution` is 'taken' or 'dismissed'; NULL while the conflict is open.
ALTER TABLE conflicts ADD COLUMN resolution TEXT;
ALTER TABLE conflicts ADD COLUMN resolved_by TEXT;
ALTER TABLE conflicts ADD COLUMN resolved_at TEXT;
