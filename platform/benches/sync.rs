//! End-to-end sync benchmarks against a real platform process on loopback (SQLite, or PostgreSQL when
//! `FIELDCHECK_TEST_POSTGRES` names a server), each printed beside a baseline run in the same process.
//!
//! 1. 10,000 mutations (submitted inspections: inspection + task + notice each) pushed by one officer's
//!    device and pulled into a colleague's device store (core `Store` + `SyncClient`); baseline: the
//!    same rows inserted with plain rusqlite.
//! 2. N simulated devices (default 1,000) syncing at once: each pushes a small batch and pulls. Their
//!    sign-ins come first and are timed apart (argon2 is slow on purpose); the latencies are the syncs'.
//!    With `--nodes K` (PostgreSQL), the same run is made against one platform process and then against
//!    K processes on one database, the devices spread over them, and the throughputs are compared.
//!
//! `cargo bench -p fieldcheck-platform --bench sync [-- MUTATIONS DEVICES [--nodes K]]`
//!
//! Set `FIELDCHECK_PLATFORM_BIN` to a platform built alone (`cargo build --release -p fieldcheck-platform`):
//! the one `cargo bench` builds links the device's SQLCipher build of SQLite, an older SQLite than the
//! platform ships with (the bench's dev-dependencies unify libsqlite3-sys's features). `compare-pouchdb.sh`
//! does so.

use fieldcheck_core::domain::ids::{DeviceId, MutationId};
use fieldcheck_core::protocol::{EnterpriseField, Intent, Mutation, PROTOCOL_VERSION, PushRequest, PushResponse};
use fieldcheck_core::sync::{SyncClient, SyncOptions};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World, fixtures};
use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench` to the program: only numbers and `--nodes K` are read.
    let mut raw: Vec<String> = std::env::args().skip(1).collect();
    let nodes = match raw.iter().position(|a| a == "--nodes") {
        Some(i) => {
            let k = raw.get(i + 1).and_then(|k| k.parse().ok()).expect("--nodes takes a number");
            raw.drain(i..=i + 1);
            k
        }
        None => 1usize,
    };
    let args: Vec<usize> = raw.iter().filter_map(|a| a.parse().ok()).collect();
    let mutations = args.first().copied().unwrap_or(10_000);
    let devices = args.get(1).copied().unwrap_or(1_000);
    let backend =
        if std::env::var("FIELDCHECK_TEST_POSTGRES").is_ok_and(|s| !s.is_empty()) { "postgres" } else { "sqlite" };
    println!("platform back end: {backend}");
    if mutations > 0 {
        let storage = Storage::new();
        let platform = Platform::start(&storage);
        push_then_pull(&platform, mutations);
    }
    if devices == 0 {
        return;
    }
    assert!(nodes == 1 || backend == "postgres", "--nodes needs PostgreSQL (FIELDCHECK_TEST_POSTGRES)");
    // A fresh demo county for each run, so each device's first sync is a realistic one.
    let one = many_devices_on(1, devices);
    if nodes > 1 {
        let several = many_devices_on(nodes, devices);
        println!(
            "\n{nodes} nodes serve {:.0} req/s, one node {:.0} req/s: {:.2}x",
            several.per_second,
            one.per_second,
            several.per_second / one.per_second
        );
    }
}

/// Starts `nodes` platform processes on one fresh database (the first seeds the demo county) and runs
/// the simulated devices against them.
fn many_devices_on(nodes: usize, devices: usize) -> Served {
    let storage = Storage::new();
    // Every node signs with the same platform key (configuration, not a file of one node).
    let key: String = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let env = [("FIELDCHECK_PLATFORM_KEY", key.as_str())];
    // A thousand phones share the demo's dozen accounts: the per-login attempt limit is raised.
    let options = ["--login-rate-login", "100000/1"];
    let folders: Vec<_> = (1..nodes).map(|_| tempfile::tempdir().expect("node folder")).collect();
    let mut platforms = vec![Platform::start_node(&storage, storage.dir.path(), true, &env, &options)];
    for folder in &folders {
        platforms.push(Platform::start_node(&storage, folder.path(), false, &env, &options));
    }
    let urls: Vec<String> = platforms.iter().map(|p| p.url.clone()).collect();
    let pids: Vec<u32> = platforms.iter().map(Platform::pid).collect();
    println!("\n== {nodes} platform process(es)");
    many_devices(&platforms[0], &urls, &pids, devices)
}

fn push_then_pull(platform: &Platform, n: usize) {
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

    // Push in batches of 500, as a phone coming back online would.
    let started = Instant::now();
    let mut bytes = 0usize;
    for chunk in subs.chunks(500) {
        let intents = chunk.iter().map(|s| Intent::InspectionSubmit(Box::new(s.clone()))).collect();
        let m = officer.mutations(intents);
        let body = serde_json::to_vec(&officer.request(m)).expect("json");
        bytes += body.len();
        let resp = officer.post_raw("/v1/sync/push", body);
        assert_eq!(resp.status(), 200, "push");
        let resp: PushResponse = resp.json().expect("push response");
        assert!(resp.results.iter().all(|r| r.outcome == fieldcheck_core::protocol::Outcome::Applied));
    }
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
        "of which the platform's handlers (its /metrics): push {push_handled:.2} s, pull {pull_handled:.2} s; \
         the rest is the devices' side and the wire"
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

/// What a simulated phone reads of a pull page: the records are skipped (checked to be JSON, not built),
/// so that the simulator, which shares the machine's cores with the platform, measures the platform.
#[derive(serde::Deserialize)]
struct PageHead {
    #[allow(dead_code)]
    changes: Vec<serde::de::IgnoredAny>,
    cursor: u64,
    has_more: bool,
}

/// One simulated phone.
struct Phone {
    /// The platform process this phone talks to.
    url: String,
    token: String,
    device: DeviceId,
    seq: u64,
    cursor: u64,
    enterprise: Option<(fieldcheck_core::domain::ids::EnterpriseId, String)>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// What one run of the simulated devices achieved.
struct Served {
    per_second: f64,
}

/// `n` simulated devices, device `i` talking to `urls[i % urls.len()]` (every URL serves one database).
/// CPU seconds (user + system) the processes `pids` have used so far, from Linux's `/proc`; `None` elsewhere.
/// Beside the wall time, a figure that the machine's other work (here, the simulated phones) barely moves.
fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    let mut ticks = 0u64;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields 14 and 15 (utime, stime), counted after the parenthesised command name.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        ticks += fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    }
    // The kernel reports these in USER_HZ, 100 per second on Linux.
    Some(ticks as f64 / 100.0)
}

fn many_devices(platform: &Platform, urls: &[String], pids: &[u32], n: usize) -> Served {
    let commander = Device::login(platform, "commander");
    let world = World::load(&commander);
    let logins: Vec<String> = world.users.iter().map(|u| u.login.clone()).collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (urls, pids) = (urls.to_vec(), pids.to_vec());
    rt.block_on(async move {
        let http = reqwest::Client::builder().pool_max_idle_per_host(n).build().expect("client");
        // Sign in every device (argon2 per login, so this phase is not the one measured).
        let started = Instant::now();
        let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = Vec::new();
        for i in 0..n {
            let (url, login, sem) = (urls[i % urls.len()].clone(), logins[i % logins.len()].clone(), sem.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = sem.acquire().await.ok()?;
                let device = DeviceId::new();
                // Each phone signs in from its own loopback address, as phones in the field do (the
                // platform limits login attempts per address).
                let from = std::net::IpAddr::from([127, 3, (i / 250) as u8, (i % 250 + 1) as u8]);
                let signer = reqwest::Client::builder().local_address(from).build().ok()?;
                let body: serde_json::Value = signer
                    .post(format!("{url}/v1/login"))
                    .json(&serde_json::json!({ "login": login, "password": PASSWORD, "device": device }))
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                let user: fieldcheck_core::domain::organisation::User =
                    serde_json::from_value(body["user"].clone()).ok()?;
                Some((body["token"].as_str()?.to_string(), device, user, url))
            }));
        }
        let mut phones = Vec::new();
        for t in tasks {
            if let Ok(Some((token, device, user, url))) = t.await {
                let enterprise = match user.scope {
                    fieldcheck_core::domain::organisation::Scope::Enterprise { enterprise } => Some(enterprise),
                    _ => None,
                };
                phones.push(Phone {
                    url,
                    token,
                    device,
                    seq: 1,
                    cursor: 0,
                    enterprise: enterprise.map(|e| (e, String::new())),
                });
            }
        }
        let logins_took = started.elapsed();
        println!(
            "\n== {n} simulated devices ({} signed in, {:.1} s for the logins)",
            phones.len(),
            logins_took.as_secs_f64()
        );

        // Each device: first sync (full scoped pull), then 3 rounds of push 2 mutations + pull.
        let cpu_before = cpu_seconds(&pids);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for mut phone in phones {
            let (http, url) = (http.clone(), phone.url.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0usize;
                for round in 0..4 {
                    if round > 0 {
                        let intents = match &phone.enterprise {
                            Some((e, _)) => (0..2)
                                .map(|k| Intent::EnterpriseEdit {
                                    enterprise: *e,
                                    field: EnterpriseField::ContactPhone,
                                    base: String::new(),
                                    value: format!("0579-{round}{k}"),
                                })
                                .collect(),
                            // Officers and others send intents the platform refuses quickly (unknown task):
                            // still a full authorised, exactly-once round trip.
                            None => (0..2)
                                .map(|_| Intent::TaskTransition {
                                    task: fieldcheck_core::domain::ids::TaskId::new(),
                                    action: fieldcheck_core::domain::rectification::TaskAction::Accept,
                                    note: String::new(),
                                    evidence: vec![],
                                    proof: None,
                                    signature: None,
                                })
                                .collect::<Vec<_>>(),
                        };
                        let mutations: Vec<Mutation> = intents
                            .into_iter()
                            .map(|intent| {
                                phone.seq += 1;
                                Mutation { id: MutationId::new(), seq: phone.seq, made_at: chrono::Utc::now(), intent }
                            })
                            .collect();
                        let req = PushRequest {
                            protocol: PROTOCOL_VERSION,
                            device: phone.device,
                            sent_at: chrono::Utc::now(),
                            mutations,
                        };
                        let t = Instant::now();
                        let ok = match http
                            .post(format!("{url}/v1/sync/push"))
                            .bearer_auth(&phone.token)
                            .json(&req)
                            .send()
                            .await
                        {
                            Ok(r) if r.status().is_success() => r.json::<PushResponse>().await.is_ok(),
                            _ => false,
                        };
                        latencies.push((round, t.elapsed()));
                        errors += usize::from(!ok);
                    }
                    loop {
                        let t = Instant::now();
                        let page = match http
                            .get(format!(
                                "{url}/v1/sync/pull?cursor={}&limit=500&protocol={PROTOCOL_VERSION}",
                                phone.cursor
                            ))
                            .bearer_auth(&phone.token)
                            .send()
                            .await
                        {
                            Ok(r) if r.status().is_success() => r.json::<PageHead>().await.ok(),
                            _ => None,
                        };
                        latencies.push((round, t.elapsed()));
                        let Some(page) = page else {
                            errors += 1;
                            break;
                        };
                        phone.cursor = page.cursor;
                        if !page.has_more {
                            break;
                        }
                    }
                }
                (latencies, errors)
            }));
        }
        let mut all = Vec::new();
        // The first sync (a whole scoped pull, all devices at once) apart from the rounds after it.
        let (mut first, mut later) = (Vec::new(), Vec::new());
        let mut errors = 0;
        for t in tasks {
            if let Ok((l, e)) = t.await {
                for (round, latency) in l {
                    all.push(latency);
                    if round == 0 { first.push(latency) } else { later.push(latency) }
                }
                errors += e;
            } else {
                errors += 1;
            }
        }
        let took = started.elapsed();
        let cpu = cpu_before.zip(cpu_seconds(&pids)).map(|(before, after)| after - before);
        all.sort();
        first.sort();
        later.sort();
        println!(
            "{} requests in {:.2} s: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, errors {errors}",
            all.len(),
            took.as_secs_f64(),
            all.len() as f64 / took.as_secs_f64(),
            percentile(&all, 0.5).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3,
            all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
        let ms = |v: &[Duration], p| percentile(v, p).as_secs_f64() * 1e3;
        println!(
            "first syncs: p50 {:.1} ms, p99 {:.1} ms; the 3 rounds after them (push + pull): p50 {:.1} ms, p99 {:.1} ms",
            ms(&first, 0.5),
            ms(&first, 0.99),
            ms(&later, 0.5),
            ms(&later, 0.99)
        );
        if let Some(cpu) = cpu {
            println!(
                "platform CPU: {cpu:.2} s over the {:.2} s, {:.0} µs per request",
                took.as_secs_f64(),
                cpu * 1e6 / all.len() as f64
            );
        }
        Served { per_second: all.len() as f64 / took.as_secs_f64() }
    })
}
