-- Migration 1: the schema as first deployed. `IF NOT EXISTS` so that a database made by a build from
-- before numbered migrations (which created exactly these tables) is adopted as version 1.
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (entity, id));
-- AUTOINCREMENT: a cursor is never reused, even after the newest entry was compacted away.
-- A change names its record; the record's current body is read from `records` (so it is stored once).
CREATE TABLE IF NOT EXISTS changes (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL,
    tombstone INTEGER NOT NULL DEFAULT 0, audience TEXT NOT NULL, enterprise TEXT, township TEXT, squadron TEXT, assignee TEXT, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_record ON changes (entity, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    login TEXT PRIMARY KEY, user_id TEXT NOT NULL, password_hash TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, revoked_at TEXT, last_seen TEXT, clock_skew_ms INTEGER);
CREATE TABLE IF NOT EXISTS mutations (
    device TEXT NOT NULL, seq INTEGER NOT NULL, mutation TEXT NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (device, seq));
CREATE TABLE IF NOT EXISTS audit (
    n INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, action TEXT NOT NULL,
    from_state TEXT NOT NULL, to_state TEXT NOT NULL, user_id TEXT NOT NULL, device TEXT, at TEXT NOT NULL,
    note TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_record ON audit (entity, id);
CREATE TABLE IF NOT EXISTS conflicts (
    n INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, field TEXT NOT NULL,
    base TEXT NOT NULL, kept TEXT NOT NULL, lost TEXT NOT NULL, user_id TEXT NOT NULL, device TEXT NOT NULL,
    at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence_kv (
    kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key));
