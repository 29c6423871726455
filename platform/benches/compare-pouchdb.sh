#!/usr/bin/env bash
# Fieldcheck vs PouchDB, side by side: the same N documents (default 10,000 submitted inspections)
# pushed by one device and pulled by another, through Fieldcheck's platform (SQLite) and through
# pouchdb-server (LevelDB on disk), on loopback. Prints both, plain SQLite (the same rows, one transaction
# per mutation) and the ratios. Fieldcheck's platform runs on PostgreSQL when FIELDCHECK_TEST_POSTGRES
# names a server (postgres://user@host:port), as in the tests.
# Needs node and npm; installs pouchdb and pouchdb-server under target/pouchdb-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
deps=target/pouchdb-bench
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$deps"
cp platform/benches/pouchdb/package.json "$deps/"
(cd "$deps" && npm install --no-audit --no-fund --loglevel=error >/dev/null)

echo "== Fieldcheck"
# The platform as it ships, built alone: built with the bench, it would link the device's SQLCipher build of
# SQLite (the bench's dev-dependencies unify libsqlite3-sys's features), an older SQLite than the platform's.
cargo build -q --release -p fieldcheck-platform
target_dir=$(cargo metadata -q --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
cp "$target_dir/release/fieldcheck-platform" "$work/fieldcheck-platform"
FIELDCHECK_PLATFORM_BIN="$work/fieldcheck-platform" FIELDCHECK_BENCH_EXPORT="$work/docs.jsonl" cargo bench -q -p fieldcheck-platform --bench sync -- "$n" 0 | tee "$work/ours.txt"
ours=$(awk '/^end to end/ { print $4 }' "$work/ours.txt")
plain=$(awk '/^plain SQLite, one tx per mutation/ { print $7 }' "$work/ours.txt")
backend=$(awk '/^platform back end:/ { print $4 }' "$work/ours.txt")

echo "== PouchDB -> pouchdb-server -> PouchDB"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/server"
# pouchdb-server writes config.json and log.txt into its working folder: run it in the scratch one.
bin="$PWD/$deps/node_modules/.bin/pouchdb-server"
(cd "$work" && exec "$bin" --dir "$work/server" --port "$port" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.2; done
NODE_PATH="$deps/node_modules" node platform/benches/pouchdb/replicate.js "$work/docs.jsonl" "http://127.0.0.1:$port" "$work" | tee "$work/pouch.json"
theirs=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["total_s"])' "$work/pouch.json")

python3 - "$ours" "$theirs" "$n" "$plain" "$backend" <<'PY'
import sys
ours, theirs, n, plain, backend = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print(f"\n{n} documents end to end: Fieldcheck ({backend}) {ours:.2f} s, PouchDB {theirs:.2f} s, "
      f"plain SQLite (one tx per mutation) {plain:.2f} s")
print(f"Fieldcheck is {theirs / ours:.2f}x as fast as PouchDB and {plain / ours:.2f}x plain SQLite")
PY
