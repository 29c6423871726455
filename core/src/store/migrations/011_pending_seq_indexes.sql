-- Settling a push answer finds the rows its outbox entry changed by `pending_seq`: without an index each
-- answer scanned five whole tables. Partial indexes: only rows with a change in flight are indexed.
CREATE INDEX enterprises_pending ON enterprises (pending_seq) WHERE pending_seq IS NOT NULL;
CREATE INDEX tasks_pending ON tasks (pending_seq) WHERE pending_seq IS NOT NULL;
CREATE INDEX task_events_pending ON task_events (pending_seq) WHERE pending_seq IS NOT NULL;
CREATE INDEX alarms_pending ON alarms (pending_seq) WHERE pending_seq IS NOT NULL;
CREATE INDEX notices_pending ON notices (pending_seq) WHERE pending_seq IS NOT NULL;
