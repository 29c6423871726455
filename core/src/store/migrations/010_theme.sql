-- The person's choice of day or night screens (or following the phone), kept across restarts.
ALTER TABLE session ADD COLUMN theme TEXT NOT NULL DEFAULT 'system';
