//! Hardening against a live platform: no poison pill in a push (a mutation the platform cannot apply is
//! rejected alone and the queue moves on), every error answered in the `{error, message}` JSON contract
//! with a 4xx (never a 5xx, never plain text, never a dropped connection), and the small holes closed:
//! a cursor beyond the log, a JSON array for an object, an originals request without a body, a user
//! overwritten through `POST /v1/users`, an overflowing prune.

use chrono::{NaiveDate, Utc};
use fieldcheck_core::domain::organisation::Role;
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::protocol::{Intent, Outcome, PROTOCOL_VERSION, Record, SubmittedInspection};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World, fixtures};

/// Status and body of an answer; a dropped connection is status 0, so it fails like a wrong status.
fn answer(resp: reqwest::Result<reqwest::blocking::Response>) -> (u16, String, String) {
    match resp {
        Ok(r) => {
            let status = r.status().as_u16();
            let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            (status, ct, r.text().unwrap_or_default())
        }
        Err(e) => (0, String::new(), format!("no answer: {e}")),
    }
}

/// Asserts the answer is a 4xx in the JSON error contract; returns its `error` code.
fn assert_contract(what: &str, (status, ct, body): &(u16, String, String)) -> String {
    assert!((400..500).contains(status), "{what}: status {status}, body {body}");
    assert!(ct.starts_with("application/json"), "{what}: content type {ct:?}, body {body}");
    let v: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: body is not JSON ({e}): {body}"));
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: no message: {body}");
    v["error"].as_str().unwrap_or_else(|| panic!("{what}: no error code: {body}")).to_string()
}

fn inspections(commander: &Device) -> Vec<SubmittedInspection> {
    let (records, _) = commander.pull_all(0);
    records
        .into_iter()
        .filter_map(|r| match r {
            Record::Inspection(i) => Some(*i),
            _ => None,
        })
        .collect()
}

#[test]
fn a_poisoned_mutation_is_rejected_alone_and_the_queue_moves_on() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut officer = Device::login(&platform, "officer1");
    let partner = world.user("officer2").clone();
    let by = world.user("officer1").clone();
    let enterprise = world.enterprise_for("officer1", true).clone();

    let before = fixtures::inspection(&enterprise, &by, &partner);
    // A date at the end of the calendar: deciding it overflowed the date arithmetic and panicked the
    // platform's push (a 5xx the phone retries for ever). It must be refused, alone.
    let mut poisoned = fixtures::inspection(&enterprise, &by, &partner);
    let end_of_calendar = NaiveDate::from_ymd_opt(262142, 12, 31).expect("date").and_hms_opt(12, 0, 0).expect("time");
    poisoned.inspection.started_at = Some(end_of_calendar.and_utc());
    let after = fixtures::inspection(&enterprise, &by, &partner);
    let batch = officer.mutations(vec![
        Intent::InspectionSubmit(Box::new(before.clone())),
        Intent::InspectionSubmit(Box::new(poisoned.clone())),
        Intent::InspectionSubmit(Box::new(after.clone())),
    ]);
    let req = officer.request(batch);
    let first = officer.push(&req);
    assert_eq!(first.results.len(), 3);
    assert_eq!(first.results[0].outcome, Outcome::Applied, "the entry before it is applied");
    assert!(matches!(first.results[1].outcome, Outcome::Rejected { .. }), "{:?}", first.results[1].outcome);
    assert_eq!(first.results[2].outcome, Outcome::Applied, "the entry after it is applied");
    // Sent again (the answer was lost), the same outcomes come back from the store.
    assert_eq!(officer.push(&req).results, first.results);

    // A text the database may refuse for good (a NUL character: PostgreSQL refuses it in a text, SQLite
    // keeps it) is never a 5xx either: applied or rejected, and the entry after it goes on.
    let mut ent = Device::login(&platform, "enterprise1");
    let own = match &ent.user.scope {
        fieldcheck_core::domain::organisation::Scope::Enterprise { enterprise } => *enterprise,
        other => panic!("scope {other:?}"),
    };
    let task = world.tasks.iter().find(|t| t.enterprise == own && t.state == TaskState::Issued).expect("a demo task");
    let ack = |note: &str| Intent::TaskTransition {
        task: task.id,
        action: TaskAction::Acknowledge,
        note: note.into(),
        evidence: vec![],
        proof: None,
        signature: None,
    };
    let next = ent.push_intents(vec![ack("nul \u{0} inside"), ack("收到")]);
    assert!(matches!(next.results[0].outcome, Outcome::Applied | Outcome::Rejected { .. }));
    assert_eq!(
        next.results.iter().filter(|r| r.outcome == Outcome::Applied).count(),
        1,
        "exactly one acknowledgement is applied: {:?}",
        next.results
    );
    let after_push = ent.push_intents(vec![Intent::TaskTransition {
        task: task.id,
        action: TaskAction::SubmitProof,
        note: "已整改".into(),
        evidence: vec![],
        proof: None,
        signature: None,
    }]);
    assert_eq!(after_push.results[0].outcome, Outcome::Applied, "the device's sequence continues");

    let stored: Vec<_> = inspections(&commander).into_iter().map(|s| s.inspection.id).collect();
    assert!(stored.contains(&before.inspection.id) && stored.contains(&after.inspection.id));
    assert!(!stored.contains(&poisoned.inspection.id), "nothing of the poisoned entry was kept");
    let world = World::load(&commander);
    assert!(!world.tasks.iter().any(|t| t.inspection == poisoned.inspection.id));
    let task = world.tasks.iter().find(|t| t.id == task.id).expect("task");
    assert_eq!(task.state, TaskState::ProofSubmitted);
}

/// Routes that take a JSON body, with a path the handler accepts (so the body is what is judged).
fn body_routes(alarm: &str, inspection: &str) -> Vec<(&'static str, String)> {
    let some = uuid::Uuid::now_v7();
    vec![
        ("POST", "/v1/login".into()),
        ("POST", "/v1/sync/push".into()),
        ("POST", "/v1/alarms".into()),
        ("POST", format!("/v1/alarms/{alarm}/grade")),
        ("POST", format!("/v1/alarms/{alarm}/dispatch")),
        ("POST", format!("/v1/alarms/{alarm}/close")),
        ("POST", "/v1/conflicts/1/resolve".into()),
        ("POST", format!("/v1/enterprises/{some}/move")),
        ("POST", "/v1/users".into()),
        ("POST", "/v1/admin/prune-tombstones".into()),
        ("POST", format!("/v1/inspections/{inspection}/originals/request")),
    ]
}

#[test]
fn every_malformed_request_is_answered_in_the_json_error_contract() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let alarm = world.alarms.iter().find(|a| a.state != fieldcheck_core::domain::alarm::AlarmState::Closed);
    let alarm = alarm.expect("an open demo alarm").id.to_string();
    let inspection = inspections(&commander).into_iter().find(|s| s.evidence.is_some()).expect("demo inspection");
    let inspection = inspection.inspection.id.to_string();
    let url = |path: &str| format!("{}{path}", platform.url);
    // A fresh connection per request: a body past the bound the platform drains before refusing it is
    // refused unread and its connection closed (as HTTP allows), and a pooled client could send the next
    // request on it.
    let http = &reqwest::blocking::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let send = |method: &str, path: &str, ct: Option<&str>, body: Vec<u8>| {
        let mut req = http.request(method.parse().expect("method"), url(path)).bearer_auth(&commander.token);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        answer(req.body(body).send())
    };

    // Bodies: not JSON, truncated, of another JSON kind, of the wrong shape, empty, too large, not JSON
    // by content type.
    let too_large = vec![b' '; 9 * 1024 * 1024];
    // Every field any of these routes reads, each of a type none of them takes.
    let wrong_types = serde_json::to_vec(&serde_json::json!({
        "level": 7, "older_than_seconds": "x", "township": 1, "evidence": 2, "login": 3, "password": 4,
        "protocol": "one", "device": 5, "assignee": 6, "feedback": 7, "resolution": 8, "current": [],
        "enterprise": 9, "user": 10, "mutations": 11, "sent_at": 12
    }))
    .expect("json");
    for (method, path) in body_routes(&alarm, &inspection) {
        let bodies: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
            ("not JSON", Some("application/json"), b"<xml/>".to_vec()),
            ("truncated", Some("application/json"), b"{\"level\": \"ser".to_vec()),
            ("an array", Some("application/json"), b"[]".to_vec()),
            ("an array of values", Some("application/json"), b"[\"serious\", 0]".to_vec()),
            ("a string", Some("application/json"), b"\"serious\"".to_vec()),
            ("a number", Some("application/json"), b"0".to_vec()),
            ("wrong field types", Some("application/json"), wrong_types.clone()),
            ("empty", Some("application/json"), Vec::new()),
            ("no content type", None, Vec::new()),
            ("text/plain", Some("text/plain"), b"{}".to_vec()),
            ("too large", Some("application/json"), too_large.clone()),
        ];
        for (what, ct, body) in bodies {
            assert_contract(&format!("{method} {path} with {what}"), &send(method, &path, ct, body));
        }
    }

    // Paths and queries that do not parse, unknown routes, methods a route does not take.
    let sha = "ab".repeat(32);
    let requests: Vec<(&str, String)> = vec![
        ("GET", "/v1/sync/pull?cursor=abc&protocol=1".into()),
        ("GET", "/v1/sync/pull?cursor=-1&protocol=1".into()),
        ("GET", "/v1/sync/pull?cursor=0".into()),
        ("GET", "/v1/sync/pull?cursor=0&limit=x&protocol=1".into()),
        ("GET", "/v1/alarms?open=maybe".into()),
        ("GET", "/v1/tasks?state=bogus".into()),
        ("GET", "/v1/conflicts?open=2".into()),
        ("GET", "/v1/alarms/not-a-uuid/timeline".into()),
        ("GET", "/v1/tasks/not-a-uuid/timeline".into()),
        ("GET", "/v1/audit/task/not-a-uuid".into()),
        ("GET", "/v1/inspections/not-a-uuid/photos".into()),
        ("GET", format!("/v1/blobs/{sha}?len=x")),
        ("GET", format!("/v1/blobs/{sha}")),
        ("GET", "/v1/blobs/not-a-hash/content".into()),
        ("POST", "/v1/devices/not-a-uuid/revoke".into()),
        ("POST", "/v1/alarms/not-a-uuid/grade".into()),
        ("POST", "/v1/conflicts/minus-one/resolve".into()),
        ("POST", "/v1/inspections/not-a-uuid/originals/request".into()),
        ("DELETE", "/v1/notices/not-a-uuid".into()),
        ("PUT", format!("/v1/blobs/{sha}")),
        ("GET", "/v1/no-such-route".into()),
        ("GET", "/v2/sync/pull".into()),
        ("DELETE", "/v1/sync/push".into()),
        ("GET", "/v1/login".into()),
        ("PUT", "/v1/alarms".into()),
        ("PATCH", "/v1/users".into()),
    ];
    for (method, path) in requests {
        assert_contract(&format!("{method} {path}"), &send(method, &path, Some("application/json"), b"{}".to_vec()));
    }
    let code = assert_contract("unknown route", &send("GET", "/v1/nothing-here", None, Vec::new()));
    assert_eq!(code, "no_route");
    let code = assert_contract("wrong method", &send("DELETE", "/v1/sync/push", None, Vec::new()));
    assert_eq!(code, "method_not_allowed");
    // Without a token, too.
    assert_contract("no token", &answer(http.get(url("/v1/tasks")).send()));
    assert_contract("a bad login body without a token", &answer(http.post(url("/v1/login")).body("[]").send()));

    // Nothing of it changed the platform: the commander still signs in and the log reads as before.
    Device::login(&platform, "commander");
    let (status, _) = commander.get_json("/v1/tasks");
    assert_eq!(status, 200);
}

#[test]
fn a_json_array_is_refused_where_an_object_is_expected() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let target = world.enterprises[40].clone();
    let (status, alarm) = commander.post_json(
        "/v1/alarms",
        serde_json::json!({
            "enterprise": target.id, "kind": "exceedance", "monitoring_point": "DW001",
            "pollutant": "COD", "value": 150.0, "limit": 50.0, "unit": "mg/L", "averaging": "hourly"
        }),
    );
    assert_eq!(status, 201, "{alarm}");
    let id = alarm["id"].as_str().expect("id");
    // A positional array would fill `level` by position: it is not a grade.
    let (status, body) = commander.post_json(&format!("/v1/alarms/{id}/grade"), serde_json::json!(["serious"]));
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_body");
    let (status, body) = commander.post_json("/v1/admin/prune-tombstones", serde_json::json!([0]));
    assert_eq!(status, 422, "{body}");
    let resp = commander.post_raw(
        "/v1/sync/push",
        serde_json::to_vec(&serde_json::json!([PROTOCOL_VERSION, commander.id, Utc::now(), []])).expect("json"),
    );
    assert_eq!(resp.status(), 400, "a push is an object");
    let world = World::load(&commander);
    let alarm = world.alarms.iter().find(|a| a.id.to_string() == id).expect("alarm");
    assert_eq!(alarm.state, fieldcheck_core::domain::alarm::AlarmState::Raised, "not graded by the array");
}

#[test]
fn a_cursor_beyond_the_change_log_is_refused() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let (_, end) = commander.pull_all(0);
    for cursor in [end + 1, end + 1_000_000, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
        let resp = answer(Ok(commander.pull_page(cursor, 10)));
        let code = assert_contract(&format!("cursor {cursor}"), &resp);
        assert_eq!((resp.0, code.as_str()), (400, "cursor_ahead"), "cursor {cursor}: {}", resp.2);
    }
    // The end itself is fine: an empty page.
    let resp = commander.pull_page(end, 10);
    assert_eq!(resp.status(), 200);
    let page: fieldcheck_core::protocol::PullResponse = resp.json().expect("page");
    assert!(page.changes.is_empty() && page.cursor == end && !page.has_more);
}

#[test]
fn an_originals_request_without_a_body_is_refused() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let sub = inspections(&commander).into_iter().find(|s| s.evidence.is_some()).expect("the demo inspection");
    let id = sub.inspection.id;
    let resp = answer(
        commander
            .http
            .post(format!("{}/v1/inspections/{id}/originals/request", platform.url))
            .bearer_auth(&commander.token)
            .send(),
    );
    assert_eq!(resp.0, 400, "{}", resp.2);
    assert_contract("originals request without a body", &resp);
    let (status, photos) = commander.get_json(&format!("/v1/inspections/{id}/photos"));
    assert_eq!(status, 200);
    let photos = photos.as_array().expect("photos");
    assert!(!photos.is_empty());
    assert!(photos.iter().all(|p| p["original_state"] != "requested"), "nothing was asked for: {photos:?}");
    // An explicit empty list still asks for all.
    let (status, photos) =
        commander.post_json(&format!("/v1/inspections/{id}/originals/request"), serde_json::json!({ "evidence": [] }));
    assert_eq!(status, 200, "{photos}");
    assert!(photos.as_array().expect("photos").iter().all(|p| p["original_state"] != "missing"));
}

#[test]
fn creating_a_user_never_overwrites_an_existing_one() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let victim = world.user("enterprise1").clone();
    let mut forged = victim.clone();
    forged.role = Role::Commander;
    forged.scope = fieldcheck_core::domain::organisation::Scope::County;
    forged.name = "now a commander".into();
    forged.login = "forged-login".into();
    let (status, body) = commander
        .post_json("/v1/users", serde_json::json!({ "login": "forged-login", "password": PASSWORD, "user": forged }));
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "user_exists");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(&victim.id.to_string())), "{body}");
    // The user is unchanged, and the refused login was not created.
    let world = World::load(&commander);
    let now = world.users.iter().find(|u| u.id == victim.id).expect("user");
    assert_eq!(now, &victim);
    let ent = Device::login(&platform, "enterprise1");
    assert_eq!(ent.user.role, Role::Enterprise);
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/login", platform.url))
        .json(&serde_json::json!({ "login": "forged-login", "password": PASSWORD, "device": uuid::Uuid::now_v7() }))
        .send()
        .expect("login");
    assert_eq!(resp.status(), 401);
}

#[test]
fn a_prune_age_out_of_range_is_refused() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let http = &commander.http;
    for age in [i64::MAX, i64::MAX / 1000, 100 * 366 * 24 * 3600 + 1, -1, i64::MIN] {
        let resp = answer(
            http.post(format!("{}/v1/admin/prune-tombstones", platform.url))
                .bearer_auth(&commander.token)
                .json(&serde_json::json!({ "older_than_seconds": age }))
                .send(),
        );
        assert_eq!(resp.0, 400, "older_than_seconds {age}: {}", resp.2);
        assert_contract(&format!("older_than_seconds {age}"), &resp);
    }
    // In range it prunes, and the platform is still serving.
    for age in [0_i64, 30 * 24 * 3600, 100 * 366 * 24 * 3600] {
        let (status, body) =
            commander.post_json("/v1/admin/prune-tombstones", serde_json::json!({ "older_than_seconds": age }));
        assert_eq!(status, 200, "{age}: {body}");
        assert!(body["tombstone_floor"].is_u64());
    }
}
