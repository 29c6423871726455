//! A request's id is on every line logged while serving it, including the lines written on the blocking
//! threads where database transactions, password hashes and documents run (a span does not follow work
//! onto another thread by itself): read from the JSON log of a live process. And every blocking or
//! spawned task of the platform starts through `ops::spawn*`, which carries the span.

use fieldcheck_e2e::{PASSWORD, Platform, Storage};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// The JSON log lines of `platform` that carry request id `id`, waiting a little for them to be written.
fn lines_of(platform: &Platform, id: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<Value> = platform
            .logs()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["span"]["request_id"] == id)
            .collect();
        if wanted(&lines) || Instant::now() > until {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or_default()
}

#[test]
fn lines_logged_inside_database_transactions_carry_the_request_id() {
    let storage = Storage::new();
    let platform = Platform::start_logging(&storage, "info,fieldcheck_platform::db=debug");
    let http = reqwest::blocking::Client::new();
    let id = format!("log-test-{}", uuid::Uuid::now_v7());
    let resp = http
        .post(format!("{}/v1/login", platform.url))
        .header("x-request-id", &id)
        .json(&serde_json::json!({ "login": "commander", "password": PASSWORD, "device": uuid::Uuid::now_v7() }))
        .send()
        .expect("login");
    assert_eq!(resp.status(), 200);
    // The sign-in reads the account and writes the device: two transactions, each logged from the
    // blocking thread it ran on, then the request's own line when it is answered.
    let done = |lines: &[Value]| lines.iter().any(|l| message(l) == "finished processing request");
    let lines = lines_of(&platform, &id, |l| done(l) && l.iter().filter(|l| message(l) == "transaction").count() >= 2);
    let transactions: Vec<&Value> = lines.iter().filter(|l| message(l) == "transaction").collect();
    assert!(transactions.len() >= 2, "the sign-in's transactions are logged under its request id: {lines:#?}");
    for line in &transactions {
        assert_eq!(line["target"], "fieldcheck_platform::db", "{line}");
        assert_eq!(line["span"]["path"], "/v1/login", "{line}");
    }
    assert!(transactions.iter().any(|l| l["fields"]["kind"] == "write"), "{transactions:#?}");

    // A line logged by a transaction's own closure: PostgreSQL refuses a NUL character in a text for
    // good, and the refusal is logged where the statement failed, inside the closure.
    if storage.database.is_some() {
        let id = format!("log-nul-{}", uuid::Uuid::now_v7());
        let resp = http
            .post(format!("{}/v1/login", platform.url))
            .header("x-request-id", &id)
            .json(&serde_json::json!({ "login": "a\u{0}b", "password": "x", "device": uuid::Uuid::now_v7() }))
            .send()
            .expect("login");
        assert_eq!(resp.status(), 422, "a value the database cannot store");
        let refused = |l: &Value| message(l).starts_with("storage refused a value");
        let lines = lines_of(&platform, &id, |lines| lines.iter().any(refused));
        assert!(lines.iter().any(refused), "the refusal is logged under the request's id: {lines:#?}");
    }

    // Lines outside any request carry none (the start-up line).
    let logs = platform.logs();
    let listening = logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| message(l) == "listening")
        .expect("the start-up line");
    assert!(listening.get("span").is_none(), "{listening}");
}

/// Source lines that start a task without the span-carrying helpers of `ops` (tokio's own
/// `spawn_blocking` and `spawn`, a thread), outside `ops/mod.rs` where those helpers are.
fn unscoped_spawns(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            unscoped_spawns(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("ops/mod.rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            for (n, line) in text.lines().enumerate() {
                if ["tokio::task::spawn_blocking(", "tokio::spawn(", "thread::spawn("].iter().any(|c| line.contains(c))
                {
                    out.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
}

#[test]
fn every_task_is_started_with_the_request_span_or_explicitly_without() {
    let mut found = Vec::new();
    unscoped_spawns(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    assert!(found.is_empty(), "use ops::spawn_blocking / ops::spawn / ops::spawn_detached: {found:#?}");
}
