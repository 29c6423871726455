-- Migration 3: a record that leaves a device's scope (an enterprise moved to another township) gets a
-- tombstone keyed by the scope it left. Such `departed` entries are not compacted away by the record's
-- later changes: a device of the old scope still has to pull them.
ALTER TABLE changes ADD COLUMN departed INTEGER NOT NULL DEFAULT 0;
