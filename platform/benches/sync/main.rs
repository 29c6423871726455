//! End-to-end sync benchmarks against a real platform process on loopback (SQLite, or PostgreSQL when
//! `FIELDCHECK_TEST_POSTGRES` names a server), each printed beside a baseline run in the same process.
//!
//! 1. 10,000 mutations (submitted inspections: inspection + task + notice each) pushed by one officer's
//!    device and pulled into a colleague's device store (core `Store` + `SyncClient`); baseline: the
//!    same rows inserted with plain rusqlite (`one_device`).
//! 2. N simulated devices (default 1,000) syncing at once: each pushes a small batch and pulls. Their
//!    sign-ins come first and are timed apart (argon2 is slow on purpose); the latencies are the syncs'.
//!    With `--nodes K` (PostgreSQL), the same run is made against one platform process and then against
//!    K processes on one database, the devices spread over them, and the throughputs are compared
//!    (`crowd`).
//! 3. With `--large L` instead: the N devices' small pushes alone, then beside L phones pushing large
//!    batches (500 submitted inspections each), so that the small ones queue behind large writes; their
//!    latencies side by side (`beside_large`).
//!
//! `cargo bench -p fieldcheck-platform --bench sync [-- MUTATIONS DEVICES [--nodes K | --large L]]`
//!
//! Set `FIELDCHECK_PLATFORM_BIN` to a platform built alone (`cargo build --release -p fieldcheck-platform`):
//! the one `cargo bench` builds links the device's SQLCipher build of SQLite, an older SQLite than the
//! platform ships with (the bench's dev-dependencies unify libsqlite3-sys's features). `compare-pouchdb.sh`
//! does so.

mod beside_large;
mod crowd;
mod one_device;

use fieldcheck_e2e::{Platform, Storage};

fn main() {
    // `cargo bench` passes `--bench` to the program: only numbers, `--nodes K` and `--large L` are read.
    let mut raw: Vec<String> = std::env::args().skip(1).collect();
    let nodes = take_option(&mut raw, "--nodes").unwrap_or(1);
    let large = take_option(&mut raw, "--large");
    let args: Vec<usize> = raw.iter().filter_map(|a| a.parse().ok()).collect();
    let mutations = args.first().copied().unwrap_or(10_000);
    let devices = args.get(1).copied().unwrap_or(1_000);
    let backend =
        if std::env::var("FIELDCHECK_TEST_POSTGRES").is_ok_and(|s| !s.is_empty()) { "postgres" } else { "sqlite" };
    println!("platform back end: {backend}");
    if mutations > 0 {
        let storage = Storage::new();
        let platform = Platform::start(&storage);
        one_device::push_then_pull(&platform, mutations);
    }
    if devices == 0 {
        return;
    }
    if let Some(large) = large {
        beside_large::run(devices, large);
        return;
    }
    assert!(nodes == 1 || backend == "postgres", "--nodes needs PostgreSQL (FIELDCHECK_TEST_POSTGRES)");
    // A fresh demo county for each run, so each device's first sync is a realistic one.
    let one = crowd::run(&crowd::County::start(1), devices);
    if nodes > 1 {
        let several = crowd::run(&crowd::County::start(nodes), devices);
        println!(
            "\n{nodes} nodes serve {:.0} req/s, one node {:.0} req/s: {:.2}x",
            several.per_second,
            one.per_second,
            several.per_second / one.per_second
        );
    }
}

/// Removes `name K` from the arguments, giving K.
fn take_option(raw: &mut Vec<String>, name: &str) -> Option<usize> {
    let i = raw.iter().position(|a| a == name)?;
    let k = raw.get(i + 1).and_then(|k| k.parse().ok()).unwrap_or_else(|| panic!("{name} takes a number"));
    raw.drain(i..=i + 1);
    Some(k)
}
