-- Schema 1: the device's session, replicas of what the platform sends, local inspection work and
-- the outbox. Replicas carry no foreign keys: pages arrive in the server's order and tombstones may
-- remove a parent first. Times are integer milliseconds since the epoch (UTC) so they sort and index.

-- Who is signed in, this database's device id, the outbox counter, the pull cursor and clock skew.
CREATE TABLE session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    user_id TEXT,
    user_body TEXT,
    signed_in_at INTEGER,
    last_seq INTEGER NOT NULL DEFAULT 0,
    pull_cursor INTEGER NOT NULL DEFAULT 0,
    skew_ms INTEGER,
    skew_measured_at INTEGER
);

CREATE TABLE townships (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE squadrons (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE squadron_townships (
    squadron TEXT NOT NULL REFERENCES squadrons (id) ON DELETE CASCADE,
    township TEXT NOT NULL,
    PRIMARY KEY (squadron, township)
) WITHOUT ROWID;
CREATE INDEX squadron_townships_by_township ON squadron_townships (township);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    body TEXT NOT NULL
);

-- Optimistic local changes: `pending_seq` names the outbox entry that changed the row; `server_body`
-- keeps the platform's version meanwhile (`server_fresh` = 1 once a pull delivered it after the change),
-- restored if the platform rejects the change.
CREATE TABLE enterprises (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    township TEXT NOT NULL,
    address TEXT NOT NULL,
    body TEXT NOT NULL,
    pending_seq INTEGER,
    server_body TEXT,
    server_fresh INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX enterprises_by_township ON enterprises (township);

CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    bundled INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    enterprise TEXT NOT NULL,
    township TEXT NOT NULL,
    inspection TEXT NOT NULL,
    state TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    body TEXT NOT NULL,
    pending_seq INTEGER,
    server_body TEXT,
    server_fresh INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_by_state_deadline ON tasks (state, deadline);
CREATE INDEX tasks_by_township ON tasks (township, state);

CREATE TABLE task_events (
    id TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    pending_seq INTEGER
);
CREATE INDEX task_events_by_task ON task_events (task, at);

CREATE TABLE alarms (
    id TEXT PRIMARY KEY,
    enterprise TEXT NOT NULL,
    state TEXT NOT NULL,
    squadron TEXT,
    assignee TEXT,
    respond_by INTEGER NOT NULL,
    body TEXT NOT NULL,
    pending_seq INTEGER,
    server_body TEXT,
    server_fresh INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alarms_by_state ON alarms (state, respond_by);

CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    enterprise TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    pending_seq INTEGER
);
CREATE INDEX notices_by_enterprise ON notices (enterprise, sent_at);

-- Inspections made here (drafts, in progress, submitted) and submitted ones pulled from the platform.
CREATE TABLE inspections (
    id TEXT PRIMARY KEY,
    enterprise TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    from_platform INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX inspections_by_creator ON inspections (created_by, state);
CREATE INDEX inspections_by_enterprise ON inspections (enterprise);

CREATE TABLE answers (
    inspection TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    template TEXT NOT NULL,
    code TEXT NOT NULL,
    verdict TEXT NOT NULL,
    answered_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (inspection, template, code)
) WITHOUT ROWID;

-- `proposed` = 1 while a finding is exactly as a failed item proposed it (withdrawn if the answer is fixed).
CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    inspection TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    template TEXT,
    code TEXT,
    proposed INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX findings_by_inspection ON findings (inspection, template, code);

-- Photo evidence attached to an inspection (and usually one of its items).
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    inspection TEXT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    template TEXT,
    code TEXT,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    taken_at INTEGER NOT NULL
);
CREATE INDEX evidence_by_inspection ON evidence (inspection, template, code);

-- Intents waiting to be pushed, numbered per device from 1 without gaps (session.last_seq).
-- A rejected entry stays, marked for the user's attention, and is no longer sent.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    made_at INTEGER NOT NULL,
    intent TEXT NOT NULL,
    attention_code TEXT,
    attention_reason TEXT,
    attention_at INTEGER
);
