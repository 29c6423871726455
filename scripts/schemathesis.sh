#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document: schemathesis (PyPI, installed into a virtual environment
# under build/) against a live `fieldcheck-platform serve --demo` on loopback, signed in as the command centre
# and again as an officer. Every answer must be no server error, of a documented content type, and match the
# documented schema. Bounded: a fixed seed and at most FIELDCHECK_SCHEMATHESIS_EXAMPLES cases per operation
# (default 12). Usage: scripts/schemathesis.sh path/to/fieldcheck-platform
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: scripts/schemathesis.sh path/to/fieldcheck-platform}
venv="$root/build/schemathesis-venv"
examples="${FIELDCHECK_SCHEMATHESIS_EXAMPLES:-12}"

if [ ! -x "$venv/bin/st" ]; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv || true
    fi
    python3 -m venv "$venv" && "$venv/bin/pip" install -q 'schemathesis==4.32.5' || true
fi
if [ ! -x "$venv/bin/st" ]; then
    echo "schemathesis could not be installed into $venv" >&2
    # Under CI a missing tool fails the suite; on a developer's machine without network it is skipped, loudly.
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    echo "SKIPPED: the API fuzzing (schemathesis)" >&2
    exit 0
fi

command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; }

# The document routes answer 503 without a CJK font; the test command installs this one.
font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ ! -f "$font" ]; then
    echo "no CJK font at $font (apt-get install fonts-wqy-microhei)" >&2
    exit 1
fi

data=$(mktemp -d)
FIELDCHECK_DOCUMENT_FONT="$font" "$bin" serve --demo --data "$data/db" --listen 127.0.0.1:0 >"$data/out.log" 2>"$data/err.log" </dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$data"' EXIT
url=""
for _ in $(seq 1 120); do
    url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$data/out.log" | head -n1)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
done
if [ -z "$url" ]; then
    echo "the platform did not start:" >&2
    cat "$data/err.log" >&2
    exit 1
fi

token() {
    curl -fsS -X POST "$url/v1/login" -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"fieldcheck-demo\",\"device\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# Ids of the demo county's records, so requests about one record reach its handler, not only its 404: each
# `{id}` is drawn from the records of its kind half the time, and generated the other half.
config() {
    python3 - "$url" "$1" <<'PY'
import json, sys, urllib.error, urllib.request
url, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + token})
    try:
        return json.load(urllib.request.urlopen(req))
    except urllib.error.HTTPError:  # a list this role may not read
        return []
def ids(kind):
    rows = (get(f"/v1/lists/{kind}?limit=5") or {"rows": []})["rows"]
    return [row.get("id") or row.get("enterprise", {}).get("id") for row in rows]
kinds = {
    "enterprise": (ids("enterprises"), "^/v1/enterprises/"),
    "inspection": (ids("inspections"), "^/v1/inspections/"),
    "alarm": (ids("alarms"), "^/v1/alarms/"),
    "task": (ids("tasks"), "^/v1/tasks/"),
    "draw": ([d["id"] for d in get("/v1/draws")][:5], "^/v1/draws/"),
    "grid": ([g["id"] for g in get("/v1/grids")][:5], "^/v1/grids/"),
}
for name, (values, _) in kinds.items():
    if values:
        print(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
for name, (values, path) in kinds.items():
    if values:
        print(f'[[operations]]\ninclude-path-regex = "{path}"')
        print(f'parameters = {{ "path.id" = {{ dictionary = "{name}", probability = 0.5 }} }}\n')
PY
}

fuzz() {
    local who=$1
    echo "-- as $who"
    # Left out, and covered elsewhere: the live-updates stream stays open by design; a fuzzed sign-in would
    # only fill the login throttle; schemathesis reuses ids it saw in answers, so it would revoke its own
    # device (tests/tests cover these three); the push body's schema (every record kind, recursive rule
    # expressions) runs schemathesis' generator into Python's recursion limit (fuzz/ fuzzes the push).
    local token
    token=$(token "$who")
    config "$token" >"$data/schemathesis-$who.toml"
    # Lines are cut: an error's report can quote a whole source file.
    # From the scratch folder: schemathesis keeps a cache in the folder it runs in.
    (cd "$data" && "$venv/bin/st" --no-color --config-file "$data/schemathesis-$who.toml" run "$url/openapi.json" \
        --checks not_a_server_error,content_type_conformance,response_schema_conformance \
        --header "Authorization: Bearer $token" \
        --phases examples,coverage,fuzzing --max-examples "$examples" --seed 20261203 \
        --exclude-path /v1/events --exclude-path /v1/login \
        --exclude-path '/v1/devices/{id}/revoke' --exclude-path /v1/sync/push \
        --workers 2 --request-timeout 30 --report junit --report-junit-path "$data/$who.xml") 2>&1 | cut -c1-400 || true
    kill -0 "$pid" 2>/dev/null || { echo "the platform died during the run:" >&2; tail -n 50 "$data/err.log" >&2; exit 1; }
    verdict "$data/$who.xml"
}

# Every failed check fails the step, and so does every error but one: CPython 3.11 (before 3.11.9) raises
# "AST constructor recursion depth mismatch" when Hypothesis describes a strategy deep in a big schema, a
# fault of the interpreter, not of the API, and then that operation is reported and left unchecked.
verdict() {
    python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
bad = 0
for case in suite.iter("testcase"):
    for kind in ("failure", "error"):
        for problem in case.iter(kind):
            text = (problem.get("message") or "") + (problem.text or "")
            if kind == "error" and "AST constructor recursion depth mismatch" in text:
                print(f"not checked (a CPython 3.11 fault in the fuzzer): {case.get('name')}")
            else:
                bad += 1
                print(f"{kind}: {case.get('name')}: {text[:500]}")
tests = sum(1 for _ in suite.iter("testcase"))
print(f"{tests - bad} passed, {bad} failed")
sys.exit(1 if bad or tests < 40 else 0)
PY
}

fuzz commander
fuzz officer1
