#![no_main]
//! See `fieldcheck_fuzz_targets::bundle_verify`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldcheck_fuzz_targets::bundle_verify(data));
