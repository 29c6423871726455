#!/usr/bin/env bash
# Makes sure an S3-compatible server runs on loopback for the tests: moto's server (`moto[server]` from PyPI,
# installed into a virtual environment under build/) with the bucket `fieldcheck-test`. Idempotent: reuses
# a server already answering on the port. Prints exactly one line on stdout, the endpoint the tests use
# (FIELDCHECK_TEST_S3); everything else goes to stderr. Port: FIELDCHECK_S3_PORT (default 9455).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/build/s3-venv"
port="${FIELDCHECK_S3_PORT:-9455}"
endpoint="http://127.0.0.1:$port"
bucket=fieldcheck-test

up() { curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; }

ensure_running() {
    if ! up; then
        if [ ! -x "$venv/bin/moto_server" ]; then
            if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
                apt-get update -qq
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
            fi
            command -v curl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl
            python3 -m venv "$venv"
            "$venv/bin/pip" install -q 'moto[server]'
        fi
        # Detached, its output in a file: it must not hold the caller's `$(...)` open.
        setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$root/build/moto-server.log" 2>&1 </dev/null &
        for _ in $(seq 1 60); do up && break; sleep 0.5; done
        if ! up; then
            echo "the S3 server did not come up on $endpoint (see build/moto-server.log)" >&2
            exit 1
        fi
    fi
    # Creating a bucket that exists already is answered with an error and changes nothing.
    curl -sS -o /dev/null -X PUT "$endpoint/$bucket"
}

ensure_running >&2
echo "$endpoint"
