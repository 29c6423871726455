-- Migration 11: on SQLite, the typed tables' CHECK constraints are rewritten as comparisons (an IN list
-- made SQLite build a B-tree per row written). PostgreSQL checks a list without one: nothing to do here
-- (the two dialects keep the same numbers).
SELECT 1;
