-- Migration 13: the index of inspections by visit time alone goes. No query searches it: the visit
-- queries (last visit, recent findings) group by enterprise, and `inspections_by_enterprise`
-- (enterprise, visited_at) serves them. Every submitted inspection still paid for keeping it.
DROP INDEX inspections_by_visit;
