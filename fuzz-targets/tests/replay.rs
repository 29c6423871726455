//! Replays every file of every fuzz corpus (`fuzz/corpus/<target>/`: seeds, inputs the fuzzer kept,
//! crash inputs) through the same target function the fuzzer runs, so a fixed crash stays fixed.

use fieldcheck_evidence::{VerifyOptions, derive, verify_bundle_with};
use fieldcheck_fuzz_targets::{FUZZ_LIMITS, RuleCase};
use fieldcheck_fuzz_targets::{TARGETS, seeds};
use fieldcheck_protocol::{Mutation, PullResponse, PushRequest, PushResponse};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

#[test]
fn every_corpus_file_runs_through_its_target() {
    for (target, body) in TARGETS {
        let dir = corpus().join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{target} has no corpus");
        for file in files {
            let bytes = std::fs::read(&file).expect("read a corpus file");
            let run = std::panic::catch_unwind(|| body(&bytes));
            assert!(run.is_ok(), "{target}: {} panicked", file.display());
        }
    }
}

#[test]
fn the_seed_generator_makes_small_inputs_the_targets_take() {
    let scratch = std::env::temp_dir().join(format!("fieldcheck-fuzz-seeds-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let seeds = seeds::all(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let total: usize = seeds.iter().map(|s| s.bytes.len()).sum();
    assert!(total < 1 << 20, "the seed corpus stays small: {total} bytes");
    for seed in &seeds {
        let (_, body) = TARGETS.iter().find(|(t, _)| *t == seed.target).expect("a known target");
        body(&seed.bytes);
        assert!(valid(seed.target, &seed.bytes), "{}/{} is not a valid input of its kind", seed.target, seed.name);
    }
}

/// Seeds are valid inputs, so the fuzzer starts deep: they decode, derive, verify.
fn valid(target: &str, bytes: &[u8]) -> bool {
    match target {
        "push_pull" => {
            serde_json::from_slice::<PushRequest>(bytes).is_ok()
                || serde_json::from_slice::<PushResponse>(bytes).is_ok()
                || serde_json::from_slice::<PullResponse>(bytes).is_ok()
        }
        "intent" => serde_json::from_slice::<Mutation>(bytes).is_ok(),
        "rule" => serde_json::from_slice::<RuleCase>(bytes).is_ok(),
        "image_ingest" => derive(bytes, &FUZZ_LIMITS, None).is_ok(),
        "bundle_verify" => {
            let path = std::env::temp_dir().join(format!("fieldcheck-fuzz-seed-{}.tar", std::process::id()));
            std::fs::write(&path, bytes).expect("write");
            let relaxed = VerifyOptions { allow_missing_receipt: true, ..VerifyOptions::default() };
            let ok = verify_bundle_with(&path, &relaxed).is_ok();
            let _ = std::fs::remove_file(&path);
            ok
        }
        _ => false,
    }
}
