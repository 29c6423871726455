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
  debug) ;;
  # Release libraries are stripped (root [profile.release]), which removes the metadata uniffi reads, so
  # the bindings always come from the debug build of the same source: the API is identical.
  release) cargo build -q --locked --release -p fieldcheck-ffi "${features[@]}" ;;
  *) echo "usage: $0 [debug|release]" >&2; exit 2 ;;
esac
cargo build -q --locked -p fieldcheck-ffi "${features[@]}"
target_dir="$(cargo metadata -q --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
case "$(uname -s)" in
  Darwin) library="$target_dir/debug/libfieldcheck_ffi.dylib" ;;
  *) library="$target_dir/debug/libfieldcheck_ffi.so" ;;
esac

cargo build -q --locked -p uniffi-bindgen
bindgen="$target_dir/debug/uniffi-bindgen"
for language in kotlin swift; do
  out="build/bindings/$language"
  rm -rf "$out"
  mkdir -p "$out"
  "$bindgen" generate --library "$library" --language "$language" --out-dir "$out" --no-format >/dev/null
done
echo "$target_dir/$profile"
