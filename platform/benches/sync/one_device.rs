//! One officer's device pushes N submitted inspections; a colleague's device store pulls them. Baseline:
//! the same rows into plain SQLite.

use fieldcheck_core::protocol::{Intent, PushResponse};
use fieldcheck_core::sync::{SyncClient, SyncOptions};
use fieldcheck_e2e::{Device, PASSWORD, Platform, World, fixtures};
use std::time::{Duration, Instant};

pub fn push_then_pull(platform: &Platform, n: usize) {
    let commander = Device::login(platform, "commander");
    let world = World::load(&commander);
    let mut officer = Device::login(platform, "officer1");
    let partner = world.user("officer2").clone();
    let area: Vec<_> =
        world.enterprises.iter().filter(|e| world.squadron_of("officer1").townships.contains(&e.township)).collect();
    let subs: Vec<_> = (0..n).map(|i| fixtures::inspection(area[i % area.len()], &officer.user, &partner)).collect();
    if let Ok(path) = std::env::var("FIELDCHECK_BENCH_EXPORT") {
        // The same documents, for the PouchDB baseline (benches/compare-pouchdb.sh).
        let lines: Vec<String> = subs.iter().filter_map(|s| serde_json::to_string(s).ok()).collect();
        std::fs::write(&path, lines.join("\n")).expect("export documents");
    }
    // The colleague's phone: a real device store, signed in and synced before the push.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = fieldcheck_core::store::Store::open(dir.path().join("colleague.sqlite3")).expect("store");
    let client = rt.block_on(async {
        let mut client = SyncClient::new(&platform.url, SyncOptions::default()).expect("client");
        client.login(&store, "officer2", PASSWORD).await.expect("login");
        client.sync(&store, &mut |_| {}).await.expect("first sync");
        client
    });

    // Push in batches of 500, as a phone coming back online would, and as its sync client does: the
    // first alone, then each sent while the one before it is applied, naming it (`follows`).
    let batches: Vec<_> = subs
        .chunks(500)
        .map(|chunk| officer.mutations(chunk.iter().map(|s| Intent::InspectionSubmit(Box::new(s.clone()))).collect()))
        .collect();
    let officer = &officer;
    let answered = |resp: reqwest::blocking::Response| {
        assert_eq!(resp.status(), 200, "push");
        let resp: PushResponse = resp.json().expect("push response");
        assert!(resp.results.iter().all(|r| r.outcome == fieldcheck_core::protocol::Outcome::Applied));
        resp.pipelining
    };
    let started = Instant::now();
    let mut bytes = 0usize;
    std::thread::scope(|s| {
        let (mut in_flight, mut pipelining) = (None::<(std::thread::ScopedJoinHandle<_>, u64)>, false);
        for m in batches {
            let mut request = officer.request(m);
            request.follows = in_flight.as_ref().map(|(_, last)| *last);
            let last = request.mutations.last().map_or(0, |m| m.seq);
            let body = serde_json::to_vec(&request).expect("json");
            bytes += body.len();
            let sent = s.spawn(move || officer.post_raw("/v1/sync/push", body));
            if let Some((before, _)) = in_flight.take() {
                pipelining = answered(before.join().expect("push"));
            }
            if pipelining {
                in_flight = Some((sent, last));
            } else {
                pipelining = answered(sent.join().expect("push"));
            }
        }
        if let Some((before, _)) = in_flight {
            answered(before.join().expect("push"));
        }
    });
    let push = started.elapsed();

    // Pulled into the colleague's device store: each page committed with its cursor.
    let started = Instant::now();
    let progress = rt
        .block_on(async {
            let mut progress = fieldcheck_core::sync::Progress::default();
            client.pull_all(&store, &mut progress, &mut |_| {}).await.map(|()| progress)
        })
        .expect("pull");
    let pull = started.elapsed();
    let rows = 3 * n;
    assert!(progress.pulled >= rows, "the colleague receives every inspection, task and notice: {progress:?}");

    // Baseline: the same rows (inspection, task, notice JSON) into plain SQLite, one transaction per
    // mutation like the platform, and all in one transaction.
    let per_tx = plain_sqlite(&subs, false);
    let one_tx = plain_sqlite(&subs, true);

    let (push_handled, pull_handled) =
        (handler_seconds(platform, "POST", "/v1/sync/push"), handler_seconds(platform, "GET", "/v1/sync/pull"));
    let total = push + pull;
    println!(
        "\n== {n} mutations ({rows} records, {:.1} MB pushed) pushed by one device, pulled by another",
        bytes as f64 / 1e6
    );
    println!("push      {:>8.2} s  {:>9.0} mutations/s", push.as_secs_f64(), n as f64 / push.as_secs_f64());
    println!(
        "pull      {:>8.2} s  {:>9.0} records/s into the device store ({:.1} MB received)",
        pull.as_secs_f64(),
        rows as f64 / pull.as_secs_f64(),
        progress.bytes_received as f64 / 1e6
    );
    println!("end to end{:>8.2} s  {:>9.0} records/s", total.as_secs_f64(), rows as f64 / total.as_secs_f64());
    println!(
        "the platform's handlers (its /metrics): push {push_handled:.2} s, pull {pull_handled:.2} s \
         (pipelined pushes overlap, and one that waits for the push it follows counts its wait)"
    );
    println!(
        "plain SQLite, one tx per mutation {:>6.2} s  {:>9.0} records/s   -> fieldcheck end to end is {:.2}x of it",
        per_tx.as_secs_f64(),
        rows as f64 / per_tx.as_secs_f64(),
        per_tx.as_secs_f64() / total.as_secs_f64()
    );
    println!(
        "plain SQLite, one tx for all      {:>6.2} s  {:>9.0} records/s   -> fieldcheck end to end is {:.2}x of it",
        one_tx.as_secs_f64(),
        rows as f64 / one_tx.as_secs_f64(),
        one_tx.as_secs_f64() / total.as_secs_f64()
    );
}

/// Seconds the platform spent answering `method route` so far: the sum of its request-duration
/// histogram on `/metrics` (open to loopback).
fn handler_seconds(platform: &Platform, method: &str, route: &str) -> f64 {
    let text = reqwest::blocking::get(format!("{}/metrics", platform.url))
        .and_then(|r| r.text())
        .expect("the platform's /metrics");
    let series = format!("fieldcheck_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\"}}");
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str()))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} is not on /metrics"))
}

fn plain_sqlite(subs: &[fieldcheck_core::protocol::SubmittedInspection], one_tx: bool) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = rusqlite::Connection::open(dir.path().join("plain.sqlite3")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL").expect("sync");
    conn.execute_batch("CREATE TABLE rows (kind TEXT NOT NULL, id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        .expect("table");
    let started = Instant::now();
    let insert = |tx: &rusqlite::Transaction, s: &fieldcheck_core::protocol::SubmittedInspection| {
        let mut stmt = tx.prepare_cached("INSERT INTO rows (kind, id, data) VALUES (?1, ?2, ?3)").expect("stmt");
        let j = |v: &dyn erased::Json| v.json();
        stmt.execute(("inspection", s.inspection.id.to_string(), j(s))).expect("insert");
        for t in &s.tasks {
            stmt.execute(("task", t.id.to_string(), j(t))).expect("insert");
        }
        for n in &s.notices {
            stmt.execute(("notice", n.id.to_string(), j(n))).expect("insert");
        }
    };
    if one_tx {
        let tx = conn.transaction().expect("tx");
        for s in subs {
            insert(&tx, s);
        }
        tx.commit().expect("commit");
    } else {
        for s in subs {
            let tx = conn.transaction().expect("tx");
            insert(&tx, s);
            tx.commit().expect("commit");
        }
    }
    started.elapsed()
}

mod erased {
    /// Serialises any record to JSON (object-safe, for the baseline's closure).
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}
