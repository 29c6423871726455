-- Inspections drawn for this officer (双随机 assignments), pulled from the platform.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    officer TEXT NOT NULL,
    enterprise TEXT NOT NULL,
    assigned_at INTEGER NOT NULL,
    due_by INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX assignments_by_officer ON assignments (officer, due_by);
