//! Operations, through the real process: every error (the framework's included) in the
//! `{error, message}` contract with a request id; readiness; who may read `/metrics`; a graceful drain
//! on SIGTERM that lets a slow request finish; an online backup of a live database; `--help`.

use fieldcheck_e2e::{PASSWORD, Platform, Storage, platform_command};
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("client")
}

fn token(platform: &Platform) -> String {
    let resp = http()
        .post(format!("{}/v1/login", platform.url))
        .json(&serde_json::json!({ "login": "commander", "password": PASSWORD, "device": uuid::Uuid::now_v7() }))
        .send()
        .expect("login");
    assert_eq!(resp.status(), 200);
    resp.json::<serde_json::Value>().expect("json")["token"].as_str().expect("token").to_string()
}

#[test]
fn every_error_kind_is_answered_in_the_json_contract_with_a_request_id() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let (http, url, token) = (http(), platform.url.clone(), token(&platform));
    let login = format!("{url}/v1/login");
    let cases: Vec<(&str, reqwest::blocking::RequestBuilder, u16, &str)> = vec![
        ("unknown route", http.get(format!("{url}/no/such/route")), 404, "no_route"),
        ("wrong method", http.delete(format!("{url}/v1/health")), 405, "method_not_allowed"),
        (
            "not JSON",
            http.post(&login).header("content-type", "application/json").body("{not json"),
            400,
            "bad_request",
        ),
        (
            "body too large",
            // The platform reads such a body before refusing it, but past a bound it closes the connection
            // instead: asking for the close keeps the client from pooling a connection that may be doomed.
            http.post(&login)
                .header("content-type", "application/json")
                .header("connection", "close")
                .body(vec![b' '; 9 << 20]),
            413,
            "payload_too_large",
        ),
        (
            "not application/json",
            http.post(&login).header("content-type", "text/plain").body("{}"),
            415,
            "unsupported_media_type",
        ),
        ("wrong shape", http.post(&login).json(&serde_json::json!({ "login": 5 })), 422, "invalid_body"),
        (
            "bad query",
            http.get(format!("{url}/v1/sync/pull?cursor=x&protocol=1")).bearer_auth(&token),
            400,
            "bad_request",
        ),
        ("bad path", http.get(format!("{url}/v1/alarms/not-a-uuid/timeline")).bearer_auth(&token), 400, "bad_request"),
        ("no token", http.get(format!("{url}/v1/devices")), 401, "unauthorized"),
    ];
    for (what, request, status, code) in cases {
        let resp = request.send().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(resp.status().as_u16(), status, "{what}");
        let id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert!(id.is_some_and(|id| !id.is_empty()), "{what}: a request id is answered");
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(ct.starts_with("application/json"), "{what}: content-type {ct}");
        let body: serde_json::Value = resp.json().unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        assert_eq!(body["error"], code, "{what}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
    }
    // A client's own request id is kept and echoed.
    let resp = http.get(format!("{url}/v1/health")).header("x-request-id", "field-42").send().expect("health");
    assert_eq!(resp.headers()["x-request-id"], "field-42");
}

/// A body over the limit is answered 413 in the contract, every time, on every route that takes one: the
/// platform reads it (within a bound) before refusing it. Refused unread, the connection was closed under
/// the client still sending, whose system then discarded the answer and reported a reset (seen in CI).
#[test]
fn a_body_over_the_limit_is_answered_every_time_not_reset() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let (url, token) = (platform.url.clone(), token(&platform));
    let too_large = vec![b' '; 9 << 20];
    for round in 0..10 {
        for path in ["/v1/login", "/v1/sync/push", "/v1/users"] {
            // A fresh connection each time, kept alive as a client would.
            let http = reqwest::blocking::Client::builder().pool_max_idle_per_host(0).build().expect("client");
            let resp = http
                .post(format!("{url}{path}"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(too_large.clone())
                .send()
                .unwrap_or_else(|e| panic!("round {round}, {path}: no answer: {e}"));
            assert_eq!(resp.status().as_u16(), 413, "round {round}, {path}");
            let body: serde_json::Value = resp.json().expect("json");
            assert_eq!(body["error"], "payload_too_large", "{body}");
        }
    }
}

#[test]
fn ready_answers_and_metrics_are_for_loopback_or_the_token() {
    let storage = Storage::new();
    // The test's own address is a trusted proxy here, so X-Forwarded-For names a remote client.
    let platform = Platform::start_with(&storage, &["--trusted-proxy", "127.0.0.1", "--metrics-token", "s3cret"]);
    let (http, url) = (http(), platform.url.clone());
    let ready: serde_json::Value = http.get(format!("{url}/v1/ready")).send().expect("ready").json().expect("json");
    assert_eq!(ready["ready"], true, "{ready}");
    token(&platform);
    let local = http.get(format!("{url}/metrics")).send().expect("metrics");
    assert_eq!(local.status(), 200);
    let text = local.text().expect("text");
    for needle in [
        "fieldcheck_http_requests_total",
        "fieldcheck_http_request_duration_seconds_bucket",
        "route=\"/v1/ready\"",
        "fieldcheck_logins_total{outcome=\"ok\"} 1",
        // The database connections' use: the ones serving nobody, transactions waiting, and the waits.
        "fieldcheck_db_connections{state=\"idle\"}",
        "fieldcheck_db_waiting 0",
        "fieldcheck_db_wait_seconds_bucket",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    let remote = || http.get(format!("{url}/metrics")).header("x-forwarded-for", "203.0.113.9");
    let refused = remote().send().expect("metrics");
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.json::<serde_json::Value>().expect("json")["error"], "forbidden");
    assert_eq!(remote().bearer_auth("wrong").send().expect("metrics").status(), 403);
    assert_eq!(remote().bearer_auth("s3cret").send().expect("metrics").status(), 200);
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_then_exits_0() {
    let storage = Storage::new();
    let mut platform = Platform::start(&storage);
    let addr = platform.url.trim_start_matches("http://").to_string();
    let body =
        serde_json::json!({ "login": "commander", "password": PASSWORD, "device": uuid::Uuid::now_v7() }).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    // A slow client: the headers and half the body, then the signal, then the rest.
    let mut slow = std::net::TcpStream::connect(&addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    write!(
        slow,
        "POST /v1/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .expect("write");
    slow.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    // The shell's own `kill`: no package needed.
    let killed = Command::new("sh").args(["-c", &format!("kill -TERM {}", platform.pid())]).status().expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(platform.wait_exit(Duration::ZERO).is_none(), "the platform waits for the request in flight");
    slow.write_all(rest.as_bytes()).expect("write the rest");
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "the request in flight was answered: {answer:?}");
    let status = platform.wait_exit(Duration::from_secs(20)).expect("the platform exits after draining");
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn a_request_over_its_timeout_is_answered_503_in_the_contract() {
    let storage = Storage::new();
    let platform = Platform::start_with(&storage, &["--request-timeout-secs", "1"]);
    let addr = platform.url.trim_start_matches("http://").to_string();
    // A body that never finishes arriving.
    let mut slow = std::net::TcpStream::connect(&addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    write!(
        slow,
        "POST /v1/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .expect("write");
    let mut answer = String::new();
    let mut buf = [0u8; 4096];
    // Until the JSON body is in (the connection may stay open).
    while !answer.trim_end().ends_with('}') {
        let n = slow.read(&mut buf).expect("an answer within the timeout");
        if n == 0 {
            break;
        }
        answer.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("content-type: application/json"), "{answer}");
    assert!(answer.contains("\"error\":\"busy\""), "{answer}");
}

#[test]
fn backup_copies_a_live_database() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let out = storage.dir.path().join("copy.sqlite3");
    let backup = || {
        let mut cmd = platform_command();
        cmd.arg("backup").arg("--data").arg(storage.dir.path()).arg("--out").arg(&out);
        if let Some(db) = &storage.database {
            cmd.args(["--database", db]);
        }
        cmd.output().expect("run backup")
    };
    if storage.database.is_some() {
        // PostgreSQL: pg_dump is the tool, and the command says so (the URL, which may hold a password,
        // is not printed).
        let run = backup();
        let said = String::from_utf8_lossy(&run.stdout);
        assert_eq!(run.status.code(), Some(2));
        assert!(said.contains("pg_dump") && !said.contains("postgres://"), "{said}");
        return;
    }
    // Writes go on while the copy is taken.
    let url = platform.url.clone();
    let writer = std::thread::spawn(move || {
        let http = http();
        for _ in 0..5 {
            let resp = http
                .post(format!("{url}/v1/login"))
                .json(&serde_json::json!({ "login": "officer1", "password": PASSWORD, "device": uuid::Uuid::now_v7() }))
                .send()
                .expect("login");
            assert_eq!(resp.status(), 200);
        }
    });
    let signed_in = token(&platform);
    let run = backup();
    writer.join().expect("writer");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let copy = rusqlite::Connection::open(&out).expect("open the copy");
    let accounts: i64 = copy.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)).expect("accounts");
    assert!(accounts >= 10, "the demo's accounts are in the copy: {accounts}");
    let devices: i64 = copy.query_row("SELECT count(*) FROM devices", [], |r| r.get(0)).expect("devices");
    assert!(devices >= 1, "the commander's device, signed in before the backup, is in the copy");
    assert!(!signed_in.is_empty());
    // A second backup never overwrites.
    assert!(!backup().status.success());
}

#[test]
fn every_command_has_help_and_serve_names_its_environment() {
    for command in [&[][..], &["serve"], &["backup"], &["verify-bundle"], &["export-bundle"], &["verify-document"]] {
        let out = platform_command().args(command).arg("--help").output().expect("help");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("Usage:"), "{command:?}: {text}");
    }
    let out = platform_command().args(["serve", "--help"]).output().expect("help");
    let text = String::from_utf8_lossy(&out.stdout);
    for env in ["FIELDCHECK_DATABASE", "FIELDCHECK_MONITORING_KEY", "FIELDCHECK_LISTEN", "FIELDCHECK_DATA"] {
        assert!(text.contains(env), "{env} in serve --help");
    }
    let wrong = platform_command().args(["serve", "--no-such-flag"]).output().expect("run");
    assert_eq!(wrong.status.code(), Some(2));
}
