#![no_main]
//! See `fieldcheck_fuzz_targets::push_pull`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldcheck_fuzz_targets::push_pull(data));
