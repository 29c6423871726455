-- Each submitted inspection exactly as submitted (or as the platform last sent it), so the phone prints
-- its record and orders offline, byte-identical to the platform's.
CREATE TABLE submitted_records (
    inspection TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
