#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, starts the services the tests
# use, then runs formatting, lints and every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rust tests (platform on SQLite)"
cargo test --workspace --locked

step "PostgreSQL"
FIELDCHECK_TEST_POSTGRES=$(scripts/postgres.sh)
export FIELDCHECK_TEST_POSTGRES

step "platform tests again, on PostgreSQL"
cargo test --locked -p fieldcheck-platform -p fieldcheck-e2e
