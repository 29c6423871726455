-- Migration 9: enterprises and users as typed tables (platform/src/db/registers.rs), with what the lists
-- filter by as indexed columns: an enterprise's township, class flags (0 or 1) and credit code, a user's
-- role (the domain's stable names) and squadron; each row carries its record's change-log keys (prefixed
-- k_) so a list is scoped as a pull is. Kept by records::save in the record's transaction, filled from the
-- records at the next start (listing_built cleared); their rows leave the list index, which no longer
-- serves these two lists. Devices: indexes for the devices list by state and last seen.
CREATE TABLE IF NOT EXISTS enterprises (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, credit_code TEXT NOT NULL, township TEXT NOT NULL,
    key_discharger BIGINT NOT NULL CHECK (key_discharger IN (0, 1)),
    key_hazardous_waste_unit BIGINT NOT NULL CHECK (key_hazardous_waste_unit IN (0, 1)),
    hazardous_waste_producer BIGINT NOT NULL CHECK (hazardous_waste_producer IN (0, 1)),
    search TEXT NOT NULL,
    audience TEXT NOT NULL, k_enterprise TEXT, k_township TEXT, k_squadron TEXT, k_assignee TEXT);
CREATE INDEX IF NOT EXISTS enterprises_by_name ON enterprises (name, id);
CREATE INDEX IF NOT EXISTS enterprises_by_township ON enterprises (township, name, id);
CREATE INDEX IF NOT EXISTS enterprises_by_credit_code ON enterprises (credit_code);
CREATE INDEX IF NOT EXISTS enterprises_by_class ON enterprises (key_discharger, key_hazardous_waste_unit, hazardous_waste_producer);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('officer', 'township', 'enterprise', 'commander')),
    squadron TEXT, search TEXT NOT NULL,
    audience TEXT NOT NULL, k_enterprise TEXT, k_township TEXT, k_squadron TEXT, k_assignee TEXT);
CREATE INDEX IF NOT EXISTS users_by_name ON users (name, id);
CREATE INDEX IF NOT EXISTS users_by_role ON users (role, name, id);
CREATE INDEX IF NOT EXISTS users_by_squadron ON users (squadron, name, id);
CREATE INDEX IF NOT EXISTS devices_by_last_seen ON devices (last_seen, id);
CREATE INDEX IF NOT EXISTS devices_by_state ON devices (revoked_at, expires_at);
DELETE FROM listing WHERE entity IN ('enterprise', 'user');
DELETE FROM meta WHERE key = 'listing_built';
