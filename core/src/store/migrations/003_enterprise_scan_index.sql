-- Schema 3: short search terms (one or two characters, too short for trigrams) are matched with LIKE.
-- This index holds just the searched text, so that scan reads it instead of the full rows with their
-- JSON bodies; only the best few rows are then fetched whole.
CREATE INDEX enterprises_text ON enterprises (name, credit_code, address);
