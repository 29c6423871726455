-- Migration 11: the typed tables' CHECK constraints written as comparisons, not IN lists. SQLite checks
-- `x IN ('a', 'b', 'c')` (more than two constants) by building an in-memory B-tree of the list for every
-- row written; `x = 'a' OR x = 'b' OR x = 'c'` admits the same values and builds nothing. SQLite cannot
-- change a table's constraints in place, so each table is made again with its rows and indexes.
CREATE TABLE alarms_checked (
    id TEXT PRIMARY KEY, enterprise TEXT NOT NULL, township TEXT, squadron TEXT,
    level TEXT NOT NULL CHECK (level = 'minor' OR level = 'general' OR level = 'serious'),
    state TEXT NOT NULL CHECK (state = 'raised' OR state = 'dispatched' OR state = 'on_site' OR state = 'closed'),
    raised_at TEXT NOT NULL, respond_by TEXT NOT NULL);
INSERT INTO alarms_checked SELECT * FROM alarms;
DROP TABLE alarms;
ALTER TABLE alarms_checked RENAME TO alarms;
CREATE INDEX alarms_by_enterprise ON alarms (enterprise, raised_at, level);
CREATE INDEX alarms_by_raised ON alarms (raised_at);
CREATE INDEX alarms_by_state ON alarms (state, respond_by);
CREATE INDEX alarms_by_township ON alarms (township, raised_at);

CREATE TABLE tasks_checked (
    id TEXT PRIMARY KEY, enterprise TEXT NOT NULL, township TEXT NOT NULL, inspection TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity = 'minor' OR severity = 'general' OR severity = 'serious'),
    state TEXT NOT NULL CHECK (state = 'issued' OR state = 'acknowledged' OR state = 'proof_submitted'
        OR state = 'accepted' OR state = 'rejected'),
    issued_at TEXT NOT NULL, deadline TEXT NOT NULL);
INSERT INTO tasks_checked SELECT * FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_checked RENAME TO tasks;
CREATE INDEX tasks_by_enterprise ON tasks (enterprise, state, deadline);
CREATE INDEX tasks_by_state ON tasks (state, deadline);
CREATE INDEX tasks_by_township ON tasks (township, state);

CREATE TABLE inspections_checked (
    id TEXT PRIMARY KEY, enterprise TEXT NOT NULL, township TEXT,
    kind TEXT NOT NULL CHECK (kind = 'routine' OR kind = 'night_spot_check' OR kind = 'alarm_response'
        OR kind = 'complaint12369' OR kind = 'double_random' OR kind = 're_inspection'),
    state TEXT NOT NULL CHECK (state = 'draft' OR state = 'in_progress' OR state = 'submitted'),
    started_at TEXT, ended_at TEXT,
    -- The end, or the start of one without an end: when the enterprise was visited.
    visited_at TEXT,
    minor_findings INTEGER NOT NULL, general_findings INTEGER NOT NULL, serious_findings INTEGER NOT NULL);
INSERT INTO inspections_checked SELECT * FROM inspections;
DROP TABLE inspections;
ALTER TABLE inspections_checked RENAME TO inspections;
CREATE INDEX inspections_by_enterprise ON inspections (enterprise, visited_at);
CREATE INDEX inspections_by_visit ON inspections (visited_at);
CREATE INDEX inspections_by_township ON inspections (township, visited_at);

-- The audit's line numbers are kept (AUTOINCREMENT: the renamed table's counter follows them).
CREATE TABLE audit_checked (
    n INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, action TEXT NOT NULL,
    from_state TEXT, to_state TEXT, user_id TEXT NOT NULL, device TEXT, at TEXT NOT NULL, note TEXT NOT NULL,
    CHECK (from_state IS NULL
        OR (entity = 'alarm' AND (from_state = 'raised' OR from_state = 'dispatched' OR from_state = 'on_site'
            OR from_state = 'closed'))
        OR (entity = 'task' AND (from_state = 'issued' OR from_state = 'acknowledged'
            OR from_state = 'proof_submitted' OR from_state = 'accepted' OR from_state = 'rejected'))
        OR (entity = 'inspection' AND (from_state = 'draft' OR from_state = 'in_progress'
            OR from_state = 'submitted'))),
    CHECK (to_state IS NULL
        OR (entity = 'alarm' AND (to_state = 'raised' OR to_state = 'dispatched' OR to_state = 'on_site'
            OR to_state = 'closed'))
        OR (entity = 'task' AND (to_state = 'issued' OR to_state = 'acknowledged'
            OR to_state = 'proof_submitted' OR to_state = 'accepted' OR to_state = 'rejected'))
        OR (entity = 'inspection' AND (to_state = 'draft' OR to_state = 'in_progress'
            OR to_state = 'submitted'))));
INSERT INTO audit_checked SELECT * FROM audit;
DROP TABLE audit;
ALTER TABLE audit_checked RENAME TO audit;
CREATE INDEX audit_record ON audit (entity, id);

CREATE TABLE users_checked (
    id TEXT PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role = 'officer' OR role = 'township' OR role = 'enterprise' OR role = 'commander'),
    squadron TEXT, search TEXT NOT NULL,
    audience TEXT NOT NULL, k_enterprise TEXT, k_township TEXT, k_squadron TEXT, k_assignee TEXT);
INSERT INTO users_checked SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_checked RENAME TO users;
CREATE INDEX users_by_name ON users (name, id);
CREATE INDEX users_by_role ON users (role, name, id);
CREATE INDEX users_by_squadron ON users (squadron, name, id);
