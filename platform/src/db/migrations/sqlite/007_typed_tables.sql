-- Migration 7, part 1: typed tables for what is queried (platform/src/db/tables.rs): alarms, tasks and
-- submitted inspections with their state, place, grade and times as indexed columns; names are the domain's
-- stable names (fieldcheck_domain::names), times RFC 3339 UTC text with nine-digit nanoseconds (exact, and sorts in time order).
-- Kept by records::save in the record's transaction. Filled from the records by the platform after this
-- migration: clearing listing_built makes the next start rebuild the list index and these tables together.
CREATE TABLE IF NOT EXISTS alarms (
    id TEXT PRIMARY KEY, enterprise TEXT NOT NULL, township TEXT, squadron TEXT,
    level TEXT NOT NULL CHECK (level IN ('minor', 'general', 'serious')),
    state TEXT NOT NULL CHECK (state IN ('raised', 'dispatched', 'on_site', 'closed')),
    raised_at TEXT NOT NULL, respond_by TEXT NOT NULL);
-- Covering the risk counts: per enterprise, by time and level.
CREATE INDEX IF NOT EXISTS alarms_by_enterprise ON alarms (enterprise, raised_at, level);
CREATE INDEX IF NOT EXISTS alarms_by_raised ON alarms (raised_at);
CREATE INDEX IF NOT EXISTS alarms_by_state ON alarms (state, respond_by);
CREATE INDEX IF NOT EXISTS alarms_by_township ON alarms (township, raised_at);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, enterprise TEXT NOT NULL, township TEXT NOT NULL, inspection TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('minor', 'general', 'serious')),
    state TEXT NOT NULL CHECK (state IN ('issued', 'acknowledged', 'proof_submitted', 'accepted', 'rejected')),
    issued_at TEXT NOT NULL, deadline TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tasks_by_enterprise ON tasks (enterprise, state, deadline);
CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (state, deadline);
CREATE INDEX IF NOT EXISTS tasks_by_township ON tasks (township, state);
CREATE TABLE IF NOT EXISTS inspections (
    id TEXT PRIMARY KEY, enterprise TEXT NOT NULL, township TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('routine', 'night_spot_check', 'alarm_response', 'complaint12369', 'double_random', 're_inspection')),
    state TEXT NOT NULL CHECK (state IN ('draft', 'in_progress', 'submitted')),
    started_at TEXT, ended_at TEXT,
    -- The end, or the start of one without an end: when the enterprise was visited.
    visited_at TEXT,
    minor_findings INTEGER NOT NULL, general_findings INTEGER NOT NULL, serious_findings INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inspections_by_enterprise ON inspections (enterprise, visited_at);
CREATE INDEX IF NOT EXISTS inspections_by_visit ON inspections (visited_at);
CREATE INDEX IF NOT EXISTS inspections_by_township ON inspections (township, visited_at);
DELETE FROM meta WHERE key = 'listing_built';

-- Part 2: the audit's states typed. A state is the domain's stable name of the record's lifecycle state
-- (fieldcheck_domain::audit::RecordState), or NULL for a line that changes none; it was the Rust spelling
-- (Debug: 'OnSite') or '' before. Text that was not a state of its record (a relocation's townships, a
-- conflict's values, a countersign's photo count, 'drawn', 'requested') moves to the front of the note.
-- Task actions written in the Rust spelling ('SubmitProof') take their stable names.
CREATE TABLE audit_state_names (entity TEXT NOT NULL, old TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (entity, old));
INSERT INTO audit_state_names (entity, old, name) VALUES
    ('alarm', 'Raised', 'raised'),
    ('alarm', 'raised', 'raised'),
    ('alarm', 'Dispatched', 'dispatched'),
    ('alarm', 'dispatched', 'dispatched'),
    ('alarm', 'OnSite', 'on_site'),
    ('alarm', 'on_site', 'on_site'),
    ('alarm', 'Closed', 'closed'),
    ('alarm', 'closed', 'closed'),
    ('task', 'Issued', 'issued'),
    ('task', 'issued', 'issued'),
    ('task', 'Acknowledged', 'acknowledged'),
    ('task', 'acknowledged', 'acknowledged'),
    ('task', 'ProofSubmitted', 'proof_submitted'),
    ('task', 'proof_submitted', 'proof_submitted'),
    ('task', 'Accepted', 'accepted'),
    ('task', 'accepted', 'accepted'),
    ('task', 'Rejected', 'rejected'),
    ('task', 'rejected', 'rejected'),
    ('inspection', 'Draft', 'draft'),
    ('inspection', 'draft', 'draft'),
    ('inspection', 'InProgress', 'in_progress'),
    ('inspection', 'in_progress', 'in_progress'),
    ('inspection', 'Submitted', 'submitted'),
    ('inspection', 'submitted', 'submitted');
CREATE TABLE audit_typed (
    n INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, action TEXT NOT NULL,
    from_state TEXT, to_state TEXT, user_id TEXT NOT NULL, device TEXT, at TEXT NOT NULL, note TEXT NOT NULL,
    CHECK (from_state IS NULL OR (entity = 'alarm' AND from_state IN ('raised', 'dispatched', 'on_site', 'closed'))
        OR (entity = 'task' AND from_state IN ('issued', 'acknowledged', 'proof_submitted', 'accepted', 'rejected'))
        OR (entity = 'inspection' AND from_state IN ('draft', 'in_progress', 'submitted'))),
    CHECK (to_state IS NULL OR (entity = 'alarm' AND to_state IN ('raised', 'dispatched', 'on_site', 'closed'))
        OR (entity = 'task' AND to_state IN ('issued', 'acknowledged', 'proof_submitted', 'accepted', 'rejected'))
        OR (entity = 'inspection' AND to_state IN ('draft', 'in_progress', 'submitted'))));
INSERT INTO audit_typed (n, entity, id, action, from_state, to_state, user_id, device, at, note)
    SELECT n, entity, id, CASE action WHEN 'Acknowledge' THEN 'acknowledge' WHEN 'SubmitProof' THEN 'submit_proof'
        WHEN 'Accept' THEN 'accept' WHEN 'Reject' THEN 'reject' ELSE action END,
        (SELECT s.name FROM audit_state_names s WHERE s.entity = audit.entity AND s.old = audit.from_state), (SELECT s.name FROM audit_state_names s WHERE s.entity = audit.entity AND s.old = audit.to_state),
        user_id, device, at,
        CASE WHEN (from_state <> '' AND (SELECT s.name FROM audit_state_names s WHERE s.entity = audit.entity AND s.old = audit.from_state) IS NULL) OR (to_state <> '' AND (SELECT s.name FROM audit_state_names s WHERE s.entity = audit.entity AND s.old = audit.to_state) IS NULL)
        THEN (CASE WHEN from_state <> '' THEN from_state || ' → ' || to_state ELSE to_state END)
            || (CASE WHEN note <> '' THEN ' · ' || note ELSE '' END)
        ELSE note END
    FROM audit;
DROP TABLE audit;
ALTER TABLE audit_typed RENAME TO audit;
CREATE INDEX IF NOT EXISTS audit_record ON audit (entity, id);
DROP TABLE audit_state_names;
