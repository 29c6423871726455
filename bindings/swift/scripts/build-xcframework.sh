#!/usr/bin/env bash
# Builds FieldcheckFFIFFI.xcframework (static libraries for iOS device, iOS simulator and macOS, plus the
# generated C header and module map) and copies the generated Swift into Sources/FieldcheckFFI.
# Runs on macOS with Xcode and rustup only. Afterwards: `cd bindings/swift && swift test`.
# FIELDCHECK_FFI_FEATURES=test-support adds the demo-data hooks the XCTests need (never ship that build).
set -euo pipefail
if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh needs macOS with Xcode (on Linux, scripts/test.sh checks the C header instead)" >&2
  exit 1
fi
swift_dir="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$swift_dir/../.." && pwd)"
cd "$root"

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
macs=(aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "$device" "${simulators[@]}" "${macs[@]}" >/dev/null
for target in "$device" "${simulators[@]}" "${macs[@]}"; do
  cargo build -q --locked --release -p fieldcheck-ffi --target "$target" --features "${FIELDCHECK_FFI_FEATURES:-}"
done

# Generated Swift, header and module map come from the host library; the API is the same on every target.
scripts/generate-bindings.sh >/dev/null
generated="$root/build/bindings/swift"

work="$root/build/xcframework"
rm -rf "$work"
mkdir -p "$work/headers" "$work/ios" "$work/ios-simulator" "$work/macos"
cp "$generated/FieldcheckFFIFFI.h" "$work/headers/"
cp "$generated/FieldcheckFFIFFI.modulemap" "$work/headers/module.modulemap"
lib=libfieldcheck_ffi.a
cp "target/$device/release/$lib" "$work/ios/$lib"
fat() { # fat OUTPUT TARGET...: one library holding the slices of several targets
  local output="$1"
  shift
  lipo -create $(for t in "$@"; do echo "target/$t/release/$lib"; done) -output "$output"
}
fat "$work/ios-simulator/$lib" "${simulators[@]}"
fat "$work/macos/$lib" "${macs[@]}"

rm -rf "$swift_dir/FieldcheckFFIFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$work/ios/$lib" -headers "$work/headers" \
  -library "$work/ios-simulator/$lib" -headers "$work/headers" \
  -library "$work/macos/$lib" -headers "$work/headers" \
  -output "$swift_dir/FieldcheckFFIFFI.xcframework" >/dev/null
cp "$generated/FieldcheckFFI.swift" "$swift_dir/Sources/FieldcheckFFI/FieldcheckFFI.swift"
echo "built $swift_dir/FieldcheckFFIFFI.xcframework"
