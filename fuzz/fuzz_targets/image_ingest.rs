#![no_main]
//! See `fieldcheck_fuzz_targets::image_ingest`.
//!
//! libfuzzer-sys's panic hook aborts on every panic, even one the product catches on purpose: `decode`
//! runs the third-party decoders under `catch_unwind` and turns their panics into
//! `EvidenceError::Corrupt`. Here the hook only prints (grep the log for "panicked at" to see them);
//! a panic that escapes the product still reaches libfuzzer-sys's own `catch_unwind` around the target,
//! which aborts, so it is still a crash.

libfuzzer_sys::fuzz_target!(
    init: {
        // The first take removes libfuzzer-sys's aborting hook, the second yields std's default one.
        drop(std::panic::take_hook());
        let print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            eprintln!("(panic follows; a crash only if it escapes the product)");
            print(info);
        }));
    },
    |data: &[u8]| fieldcheck_fuzz_targets::image_ingest(data)
);
