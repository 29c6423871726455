#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, starts the services the tests
# use, then runs formatting, lints and every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long the run has taken so far, so the slow steps are plain in CI's log.
step() { printf '\n== %s (at %ds)\n' "$*" "$SECONDS"; }

# A run from a clean checkout gains nothing from incremental compilation, whose caches took a fifth
# of the build's disk.
export CARGO_INCREMENTAL=0

step "format"
cargo fmt --all -- --check

step "libcrypto for SQLCipher"
# The device database is SQLCipher; on Linux it links the system's libcrypto (docs/architecture.md,
# "Encrypted at rest"), needed from the first build on. The at-rest tests open files with Python's sqlite3.
if ! dpkg -s libssl-dev >/dev/null 2>&1 || ! command -v python3 >/dev/null; then
  apt-get update -qq && apt-get install -y -qq libssl-dev python3 >/dev/null
fi

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "CJK font for the watermark tests"
# The watermark tests draw Chinese with a real font and fail (not skip) without one.
if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null
fi

step "PDF tools for the document tests"
# The document tests read the PDFs back (pdftotext), render them (pdftoppm) and check them (qpdf);
# under CI=true they fail, not skip, without these.
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null || ! command -v qpdf >/dev/null; then
  apt-get update -qq && apt-get install -y -qq poppler-utils qpdf >/dev/null
fi
# and validate them as PDF/A with veraPDF (Java, from Maven Central).
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  apt-get update -qq && apt-get install -y -qq maven openjdk-17-jdk-headless >/dev/null
fi
scripts/verapdf.sh

step "PostgreSQL"
# Before the first test run: the tests that check both back ends side by side need it (and fail under
# CI=true without it).
FIELDCHECK_TEST_POSTGRES=$(scripts/postgres.sh)
export FIELDCHECK_TEST_POSTGRES

step "rust tests (platform processes on SQLite; the side-by-side back-end tests on both)"
# The tests start the platform as it ships: built alone, and kept aside. Built with the workspace's tests it
# would link the phone's SQLCipher build of SQLite (Cargo unifies libsqlite3-sys's features with the
# dev-dependency on the core), an older SQLite than the platform's own, and the tests would not run what ships.
cargo build -q --locked -p fieldcheck-platform
target_dir="$(cargo metadata -q --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
mkdir -p "$target_dir/shipped"
cp "$target_dir/debug/fieldcheck-platform" "$target_dir/shipped/"
export FIELDCHECK_PLATFORM_BIN="$target_dir/shipped/fieldcheck-platform"
FIELDCHECK_E2E_STORAGE=sqlite cargo test --workspace --locked

step "web console: its modules type-checked (tsc), then headless Chromium against a live demo platform"
if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null; then
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
cargo build -q --locked -p fieldcheck-platform --example seed_county
# The console's map and chart libraries (Leaflet, ECharts) from platform/console's lockfile: the platform
# serves them from that node_modules folder, and tsc reads their types.
(cd platform/console && npm ci --no-audit --no-fund --silent)
(cd tests/console && npm ci --no-audit --no-fund --silent \
  && npx --no-install tsc -p ../../platform/console \
  && node console.test.mjs "$FIELDCHECK_PLATFORM_BIN" \
  && node map-config.test.mjs "$FIELDCHECK_PLATFORM_BIN" \
  && node wipe.test.mjs "$FIELDCHECK_PLATFORM_BIN" \
  && node load-time.test.mjs "$FIELDCHECK_PLATFORM_BIN" "$target_dir/debug/examples/seed_county")

step "API fuzzing: schemathesis against a live demo platform, from the OpenAPI document it generates"
scripts/schemathesis.sh "$FIELDCHECK_PLATFORM_BIN"

step "S3-compatible object store (moto's server) for the photo blobs"
FIELDCHECK_TEST_S3=$(scripts/s3.sh)
export FIELDCHECK_TEST_S3

step "platform tests again, platform processes on PostgreSQL, photo blobs on S3 (two nodes too)"
# The supervision scale test seeds its county through PostgreSQL one statement at a time: 1,000
# enterprises here (5,000 in the SQLite pass; the closing note's PostgreSQL figures are run by hand).
FIELDCHECK_SCALE_ENTERPRISES=1000 cargo test --locked -p fieldcheck-platform -p fieldcheck-e2e

step "native bindings: build the FFI library, generate Kotlin and Swift"
# With the demo-data hooks the Kotlin tests seed their devices with.
lib_dir="$(FIELDCHECK_FFI_FEATURES=test-support scripts/generate-bindings.sh | tail -n 1)"

step "swift: the generated C header compiles, and a call through it works (Linux; full XCTests run on macOS)"
header_dir=build/bindings/swift
# gcc does not know clang's nullability keywords; they carry no meaning for this check.
nullability=(-D_Nullable= -D_Nonnull= -D_Null_unspecified=)
gcc -fsyntax-only -Wall -Werror "${nullability[@]}" -I "$header_dir" bindings/swift/scripts/header_check.c
gcc -Wall -Werror "${nullability[@]}" -I "$header_dir" bindings/swift/scripts/header_check.c \
  -o build/header_check -L "$lib_dir" -lfieldcheck_ffi -Wl,-rpath,"$lib_dir"
build/header_check

step "kotlin sdk: compile with -Werror, JUnit 5 on the JVM against the host library"
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  apt-get update -qq && apt-get install -y -qq maven openjdk-17-jdk-headless >/dev/null
fi
# The end-to-end tests start the real platform binary on a loopback port.
cargo build -q --locked -p fieldcheck-platform
platform_bin="$lib_dir/fieldcheck-platform"
# Maven's default local repository (~/.m2) is reused between runs, so only the first run downloads.
(cd bindings/kotlin && mvn -q -B -Dstyle.color=never test -Dnative.library.dir="$lib_dir" \
  -Dfieldcheck.platform.bin="$platform_bin")

step "android app: model tests; the night check through the Compose screens under Xvfb (screenshots in build/screenshots)"
# A virtual X server for the screens (compose-check.sh fails under CI=true without it).
if ! command -v xvfb-run >/dev/null; then
  apt-get update -qq && apt-get install -y -qq xvfb >/dev/null
fi
FIELDCHECK_NATIVE_LIB_DIR="$lib_dir" FIELDCHECK_PLATFORM_BIN="$platform_bin" android/check/compose-check.sh

printf "\n== all passed in %ds\n" "$SECONDS"
