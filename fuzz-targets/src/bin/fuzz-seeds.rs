//! Writes the seed corpus: `cargo run -p fieldcheck-fuzz-targets --bin fuzz-seeds [-- CORPUS_DIR]`
//! (default `fuzz/corpus` of this repository). Seeds overwrite their own files only; inputs the fuzzer
//! added and kept crash inputs stay.

use std::path::PathBuf;

fn main() {
    let corpus = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus"));
    let scratch = std::env::temp_dir().join(format!("fieldcheck-fuzz-seeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let seeds = fieldcheck_fuzz_targets::seeds::all(&scratch);
    for seed in &seeds {
        let dir = corpus.join(seed.target);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        std::fs::write(dir.join(&seed.name), &seed.bytes).expect("write a seed");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let total: usize = seeds.iter().map(|s| s.bytes.len()).sum();
    println!("{} seeds, {total} bytes, in {}", seeds.len(), corpus.display());
}
