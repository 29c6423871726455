#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on loopback with a `fieldcheck` role that may create databases (the tests
# make one per test). Installs Debian's package when missing. Idempotent.
# Prints exactly one line on stdout, the URL the tests use (FIELDCHECK_TEST_POSTGRES); everything the tools
# say (e.g. pg_ctlcluster's "Removed stale pid file.") goes to stderr so it cannot end up in that URL.
set -euo pipefail

ensure_running() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    fi
    read -r version cluster port status < <(pg_lsclusters -h | awk 'NR == 1 { print $1, $2, $3, $4 }') || true
    if [ -z "${version:-}" ]; then
        version=$(ls /usr/lib/postgresql | sort -n | tail -1)
        cluster=main
        pg_createcluster "$version" "$cluster"
        read -r port status < <(pg_lsclusters -h "$version" "$cluster" | awk '{ print $3, $4 }')
    fi
    if [ "$status" != "online" ]; then
        pg_ctlcluster "$version" "$cluster" start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
    if ! pg_isready -h 127.0.0.1 -p "$port"; then
        echo "PostgreSQL $version/$cluster did not come up on 127.0.0.1:$port" >&2
        exit 1
    fi
    psql_admin() { (cd / && su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtAc \"$1\""); }
    if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'fieldcheck'")" != "1" ]; then
        psql_admin "CREATE ROLE fieldcheck LOGIN CREATEDB PASSWORD 'fieldcheck'"
    fi
}

# Not `exec 3>&1`: the server started here would inherit that descriptor and hold the caller's `$(...)` open.
ensure_running >&2
echo "postgres://fieldcheck:fieldcheck@127.0.0.1:$port"
