-- Migration 10: on PostgreSQL, record bodies are compressed with LZ4. SQLite does not compress: nothing
-- to do here (the two dialects keep the same numbers).
SELECT 1;
