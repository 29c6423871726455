#![no_main]
//! See `fieldcheck_fuzz_targets::rule`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldcheck_fuzz_targets::rule(data));
