-- Migration 8: the login throttle shared by every platform process on this database
-- (platform/src/db/throttle.rs): one GCRA cell per key (an address, a login at an address, a login) with
-- its theoretical arrival time in epoch milliseconds, and whether the last attempt charged to it fitted.
-- Cells back at a full budget are deleted every minute.
CREATE TABLE IF NOT EXISTS login_throttle (key TEXT PRIMARY KEY, tat BIGINT NOT NULL, allowed BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS login_throttle_by_tat ON login_throttle (tat);
