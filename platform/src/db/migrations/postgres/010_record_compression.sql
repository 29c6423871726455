-- Migration 10: record bodies compressed with LZ4 where the server has it (PostgreSQL 14 or later, built
-- with lz4, as Debian's and the managed services' are): storing a push's records took about a third less
-- server time than with the default pglz (docs/sync-protocol.md). Bodies written before keep their
-- compression until rewritten. A server without lz4 keeps pglz: the statement runs from a string so that
-- an older server's parser meets it only here, where its refusal is caught.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE records ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
    NULL;
END
$$;
