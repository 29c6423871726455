#!/usr/bin/env bash
# Builds the FFI library for this host and generates its Kotlin and Swift bindings from it.
#   scripts/generate-bindings.sh [debug|release]    (default: debug)
# FIELDCHECK_FFI_FEATURES=test-support adds the demo-data hooks the Kotlin/Swift tests use (never ship it).
# Output (gitignored, never committed):
#   build/bindings/kotlin/   generated Kotlin sources (package org.fieldcheck.ffi)
#   build/bindings/swift/    FieldcheckFFI.swift, FieldcheckFFIFFI.h, FieldcheckFFIFFI.modulemap
# Prints the folder that holds the built library on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-debug}"
features=(--features "${FIELDCHECK_FFI_FEATURES:-}")
case "$profile" in
  debug) cargo build -q --locked -p fieldcheck-ffi "${features[@]}" ;;
  release) cargo build -q --locked --release -p fieldcheck-ffi "${features[@]}" ;;
  *) echo "usage: $0 [debug|release]" >&2; exit 2 ;;
esac
target_dir="$(cargo metadata -q --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib_dir="$target_dir/$profile"
case "$(uname -s)" in
  Darwin) library="$lib_dir/libfieldcheck_ffi.dylib" ;;
  *) library="$lib_dir/libfieldcheck_ffi.so" ;;
esac

cargo build -q --locked -p uniffi-bindgen
bindgen="$target_dir/debug/uniffi-bindgen"
for language in kotlin swift; do
  out="build/bindings/$language"
  rm -rf "$out"
  mkdir -p "$out"
  "$bindgen" generate --library "$library" --language "$language" --out-dir "$out" --no-format >/dev/null
done
echo "$lib_dir"
