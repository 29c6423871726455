-- Migration 12: one projection of a record for lists and counts. The typed tables (alarms, tasks,
-- inspections) gain the record's change-log keys (prefixed k_, as the registers have them) and the text a
-- search matches, and the lists page over them (platform/src/db/listing.rs); the list index, a second row
-- of each record with its own five indexes, goes. A push wrote each record four times (record, change-log
-- entry, typed row, list row); now three. The new columns are filled from the records by the platform at
-- its next start (meta key listing_built cleared).
ALTER TABLE alarms ADD COLUMN audience TEXT NOT NULL DEFAULT '';
ALTER TABLE alarms ADD COLUMN k_enterprise TEXT;
ALTER TABLE alarms ADD COLUMN k_township TEXT;
ALTER TABLE alarms ADD COLUMN k_squadron TEXT;
ALTER TABLE alarms ADD COLUMN k_assignee TEXT;
ALTER TABLE alarms ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN audience TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN k_enterprise TEXT;
ALTER TABLE tasks ADD COLUMN k_township TEXT;
ALTER TABLE tasks ADD COLUMN k_squadron TEXT;
ALTER TABLE tasks ADD COLUMN k_assignee TEXT;
ALTER TABLE tasks ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE inspections ADD COLUMN audience TEXT NOT NULL DEFAULT '';
ALTER TABLE inspections ADD COLUMN k_enterprise TEXT;
ALTER TABLE inspections ADD COLUMN k_township TEXT;
ALTER TABLE inspections ADD COLUMN k_squadron TEXT;
ALTER TABLE inspections ADD COLUMN k_assignee TEXT;
ALTER TABLE inspections ADD COLUMN search TEXT NOT NULL DEFAULT '';
-- The lists' orders, ties broken by id: an alarm's raising, a task's deadline, an inspection's start (or end).
DROP INDEX alarms_by_raised;
CREATE INDEX alarms_by_raised ON alarms (raised_at, id);
CREATE INDEX tasks_by_deadline ON tasks (deadline, id);
CREATE INDEX inspections_by_listed ON inspections (COALESCE(started_at, ended_at, ''), id);
DROP TABLE listing;
DELETE FROM meta WHERE key = 'listing_built';
