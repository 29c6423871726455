#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on 127.0.0.1:5432 with a `fieldcheck` role that may create
# databases (the tests make one per test). Installs Debian's package when missing. Idempotent, quiet.
# Prints the URL the tests use (FIELDCHECK_TEST_POSTGRES).
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    read -r version cluster < <(pg_lsclusters -h | awk 'NR == 1 { print $1, $2 }') || true
    if [ -z "${version:-}" ]; then
        version=$(ls /usr/lib/postgresql | sort -n | tail -1)
        cluster=main
        pg_createcluster "$version" "$cluster" >/dev/null
    fi
    pg_ctlcluster "$version" "$cluster" start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
psql_admin() { (cd / && su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""); }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'fieldcheck'")" != "1" ]; then
    psql_admin "CREATE ROLE fieldcheck LOGIN CREATEDB PASSWORD 'fieldcheck'"
fi
echo "postgres://fieldcheck:fieldcheck@127.0.0.1:5432"
