//! The sync protocol against a live platform: exactly-once pushes, bad requests, upgrade required,
//! per-field merges, tombstones and resets, login throttling, alarm linkage.

use fieldcheck_core::domain::alarm::AlarmState;
use fieldcheck_core::domain::ids::TaskId;
use fieldcheck_core::domain::organisation::{Enterprise, Role};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::protocol::{EnterpriseField, Intent, Outcome, PullResponse, PushRequest, Record};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World};

fn own_enterprise(d: &Device) -> fieldcheck_core::domain::ids::EnterpriseId {
    match &d.user.scope {
        fieldcheck_core::domain::organisation::Scope::Enterprise { enterprise } => *enterprise,
        other => panic!("scope {other:?}"),
    }
}

fn events_of(d: &Device, task: TaskId) -> usize {
    let (records, _) = d.pull_all(0);
    records.iter().filter(|r| matches!(r, Record::TaskEvent(e) if e.task == task)).count()
}

/// `n` edits of an enterprise's contact phone, each based on the one before (`0579-000000`, `0579-000001`,
/// …): applied in order they all succeed, out of order one conflicts.
fn chained_phone_edits(
    enterprise: fieldcheck_core::domain::ids::EnterpriseId,
    first_base: &str,
    n: usize,
) -> Vec<Intent> {
    let mut base = first_base.to_string();
    (0..n)
        .map(|i| {
            let value = format!("0579-{i:06}");
            let edit = Intent::EnterpriseEdit {
                enterprise,
                field: EnterpriseField::ContactPhone,
                base: base.clone(),
                value: value.clone(),
            };
            base = value;
            edit
        })
        .collect()
}

#[test]
fn a_batch_sent_twice_is_applied_once_and_answered_the_same() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let mut ent = Device::login(&platform, "enterprise1");
    let world = World::load(&commander);
    let own = own_enterprise(&ent);
    let task = world.tasks.iter().find(|t| t.enterprise == own && t.state == TaskState::Issued);
    // enterprise1 has a demo task (the demo issues tasks to enterprises 0, 5, 10, ...).
    let task = task.expect("a demo task of enterprise1").id;
    let intents = vec![
        Intent::TaskTransition {
            task,
            action: TaskAction::Acknowledge,
            note: "收到".into(),
            evidence: vec![],
            proof: None,
            signature: None,
        },
        Intent::TaskTransition {
            task,
            action: TaskAction::Accept,
            note: String::new(),
            evidence: vec![],
            proof: None,
            signature: None,
        },
    ];
    let batch = ent.mutations(intents);
    let req = ent.request(batch);
    let first = ent.push(&req);
    let second = ent.push(&req);
    assert_eq!(first.results, second.results, "a re-sent batch gets the stored outcomes");
    assert_eq!(first.results[0].outcome, Outcome::Applied);
    assert!(matches!(first.results[1].outcome, Outcome::Rejected { .. }));
    assert_eq!(events_of(&commander, task), 1, "applied exactly once");
    let world = World::load(&commander);
    assert_eq!(world.tasks.iter().find(|t| t.id == task).map(|t| t.state), Some(TaskState::Acknowledged));

    // The same sequence number with another mutation is refused, not applied.
    let proof = || Intent::TaskTransition {
        task,
        action: TaskAction::SubmitProof,
        note: String::new(),
        evidence: vec![],
        proof: None,
        signature: None,
    };
    let m = ent.mutations(vec![proof()]);
    let mut reused = ent.request(m);
    reused.mutations[0].seq = 1;
    let resp = ent.push(&reused);
    assert!(matches!(resp.results[0].outcome, Outcome::Rejected { .. }));
    assert_eq!(events_of(&commander, task), 1);

    // Clock skew was measured for the device.
    let (_, devices) = commander.get_json("/v1/devices");
    let mine = devices.as_array().and_then(|d| d.iter().find(|d| d["id"] == ent.id.to_string())).expect("device");
    assert!(mine["clock_skew_ms"].is_i64(), "{mine}");
    assert!(mine.get("token_hash").is_none(), "token hashes are never shown");
    // The audit log has who, device, when, from -> to.
    let (status, audit) = commander.get_json(&format!("/v1/audit/task/{task}"));
    assert_eq!(status, 200);
    let last = audit.as_array().and_then(|a| a.last()).expect("audit rows").clone();
    // States and actions by the domain's stable names, never the Rust spelling.
    assert_eq!(
        (&last["action"], &last["from_state"], &last["to_state"]),
        (&serde_json::json!("acknowledge"), &serde_json::json!("issued"), &serde_json::json!("acknowledged"))
    );

    // The same number twice in one push: the second mutation is refused, whatever the first did (the
    // outcomes stored before the push are read once, and each applied in it joins them).
    let both = ent.mutations(vec![proof(), proof()]);
    let mut twice = ent.request(both);
    twice.mutations[1].seq = twice.mutations[0].seq;
    let resp = ent.push(&twice);
    match &resp.results[1].outcome {
        Outcome::Rejected { reason, .. } => assert!(reason.contains("already used"), "{reason}"),
        other => panic!("a number used twice in one push was answered {other:?}"),
    }
    assert_eq!(last["device"], ent.id.to_string());
    assert_eq!(last["user"], ent.user.id.to_string());
}

#[test]
fn a_platform_killed_mid_push_loses_nothing_and_duplicates_nothing() {
    let storage = Storage::new();
    let mut platform = Platform::start(&storage);
    let mut ent = Device::login(&platform, "enterprise1");
    let own = own_enterprise(&ent);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise").clone();
    // Many edits of one field, each based on the previous value: applied in order they all succeed.
    let batch = ent.mutations(chained_phone_edits(own, &e.contact.phone, 400));
    let req = ent.request(batch);
    let body = serde_json::to_vec(&req).expect("json");
    let url = format!("{}/v1/sync/push", platform.url);
    let token = ent.token.clone();
    let pusher = std::thread::spawn(move || {
        reqwest::blocking::Client::new()
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .map(|r| r.status().as_u16())
    });
    // Kill the platform while it works through the batch (or, on a fast machine, right after).
    std::thread::sleep(std::time::Duration::from_millis(150));
    platform.kill();
    let _ = pusher.join();

    let platform = Platform::start(&storage);
    ent.url = platform.url.clone();
    let resp = ent.push(&req);
    assert!(resp.results.iter().all(|r| r.outcome == Outcome::Applied), "{:?}", &resp.results[..3]);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise");
    assert_eq!(e.contact.phone, "0579-000399");
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no edit was applied twice or out of order");
}

/// A value on the platform's `/metrics` (open to loopback), 0 when it is not there yet.
#[test]
fn a_large_push_lets_the_pushes_queued_behind_it_in_and_still_applies_in_order() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let mut ent = Device::login(&platform, "enterprise1");
    let own = own_enterprise(&ent);
    // Another phone of the same enterprise: its edit needs the one writer on SQLite (and on PostgreSQL
    // the record the large push claimed for its transaction, where it waits for all of it).
    let mut other = Device::login(&platform, "enterprise1");
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise").clone();
    // The most a push may carry, each edit based on the one before: out of order, one would conflict.
    let m = ent.mutations(chained_phone_edits(
        own,
        &e.contact.phone,
        fieldcheck_core::protocol::limits::MAX_PUSH_MUTATIONS,
    ));
    let req = ent.request(m);
    let sent: Vec<u64> = req.mutations.iter().map(|m| m.seq).collect();
    let large = std::thread::spawn(move || ent.push(&req));
    // Once the large push is writing, a small one waits behind it; on SQLite the large push's turn ends
    // (past its time, with a write waiting) and the small one gets in.
    while platform.metric("fieldcheck_db_connections{state=\"busy\"}") < 1.0 {
        assert!(!large.is_finished(), "the large push ended before it was seen writing");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let m = other.mutations(vec![Intent::EnterpriseEdit {
        enterprise: own,
        field: EnterpriseField::Address,
        base: e.address.clone(),
        value: "新地址".into(),
    }]);
    let small = other.push(&other.request(m));
    assert_eq!(small.results.iter().map(|r| &r.outcome).collect::<Vec<_>>(), [&Outcome::Applied]);
    if storage.database.is_none() {
        assert!(!large.is_finished(), "the small push waited for the whole large one");
    }
    let large = large.join().expect("the large push");
    let seqs: Vec<u64> = large.results.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, sent, "every mutation answered, in order");
    assert!(
        large.results.iter().all(|r| r.outcome == Outcome::Applied),
        "{:?}",
        large.results.iter().find(|r| r.outcome != Outcome::Applied)
    );
    if storage.database.is_none() {
        // The small push's write, and the large one's two or more.
        assert!(platform.metric("fieldcheck_push_writes_total") >= 3.0, "the large push went on in a write of its own");
    }
    let world = World::load(&commander);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise");
    assert_eq!(e.contact.phone, format!("0579-{:06}", fieldcheck_core::protocol::limits::MAX_PUSH_MUTATIONS - 1));
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no edit was applied out of order");
}

/// The enterprise's record as the platform holds it now, read by the commander.
fn enterprise_now(commander: &Device, id: fieldcheck_core::domain::ids::EnterpriseId) -> Enterprise {
    World::load(commander).enterprises.into_iter().find(|e| e.id == id).expect("enterprise")
}

#[test]
fn a_pipelined_push_applies_after_the_push_it_follows_whichever_arrives_first() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let (mut ent, commander) = (Device::login(&platform, "enterprise1"), Device::login(&platform, "commander"));
    let own = own_enterprise(&ent);
    let e = enterprise_now(&commander, own);
    // Chained edits: the second push's first edit is based on the first push's last.
    let edits = chained_phone_edits(own, &e.contact.phone, 40);
    let first = ent.mutations(edits[..20].to_vec());
    let second = ent.mutations(edits[20..].to_vec());
    let (first, mut second) = (ent.request(first), ent.request(second));
    second.follows = first.mutations.last().map(|m| m.seq);
    let (first_answer, second_answer) = std::thread::scope(|s| {
        // The later push arrives first and waits; the one it follows comes after it.
        let later = s.spawn(|| ent.push(&second));
        while platform.metric("fieldcheck_push_follows_total{waited=\"true\"}") < 1.0 {
            assert!(!later.is_finished(), "the later push did not wait for the one it follows");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let earlier = ent.push(&first);
        (earlier, later.join().expect("the later push"))
    });
    for (answer, request) in [(&first_answer, &first), (&second_answer, &second)] {
        assert!(answer.pipelining, "the platform says it keeps pipelined pushes in order");
        let seqs: Vec<u64> = answer.results.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, request.mutations.iter().map(|m| m.seq).collect::<Vec<_>>());
        assert!(answer.results.iter().all(|r| r.outcome == Outcome::Applied), "{:?}", answer.results);
    }
    assert_eq!(enterprise_now(&commander, own).contact.phone, "0579-000039");
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    assert_eq!(conflicts.as_array().map(Vec::len), Some(0), "no edit was applied out of order");

    // A push that follows one already answered applies at once.
    let m = ent.mutations(chained_phone_edits(own, "0579-000039", 1));
    let mut third = ent.request(m);
    third.follows = second.mutations.last().map(|m| m.seq);
    assert_eq!(ent.push(&third).results[0].outcome, Outcome::Applied);
    assert_eq!(platform.metric("fieldcheck_push_follows_total{waited=\"false\"}"), 1.0);
}

#[test]
fn a_push_that_follows_a_push_never_applied_or_not_its_own_is_refused_and_applies_nothing() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let (mut ent, commander) = (Device::login(&platform, "enterprise1"), Device::login(&platform, "commander"));
    let own = own_enterprise(&ent);
    let address = enterprise_now(&commander, own).address;
    let m = ent.mutations(vec![Intent::EnterpriseEdit {
        enterprise: own,
        field: EnterpriseField::Address,
        base: address.clone(),
        value: "新地址".into(),
    }]);
    let mut req = ent.request(m);
    let seq = req.mutations[0].seq;
    let send = |req: &fieldcheck_core::protocol::PushRequest, token: &Device| {
        let resp = token.post_raw("/v1/sync/push", serde_json::to_vec(req).expect("json"));
        let status = resp.status().as_u16();
        (status, resp.json::<serde_json::Value>().expect("an error body")["error"].as_str().map(str::to_string))
    };
    // Not below the push's own numbers: refused at once.
    req.follows = Some(seq);
    assert_eq!(send(&req, &ent), (400, Some("bad_request".into())));
    // Another device's push cannot be made to wait: refused before any waiting.
    req.follows = Some(seq - 1);
    let other = Device::login(&platform, "enterprise1");
    assert_eq!(send(&req, &other), (403, Some("forbidden".into())));
    // A push that never comes (a number the device did not send): refused after the wait, nothing applied.
    let (writes, transactions) =
        (platform.metric("fieldcheck_push_writes_total"), platform.metric("fieldcheck_db_wait_seconds_count"));
    assert_eq!(send(&req, &ent), (409, Some("push_out_of_order".into())));
    assert_eq!(platform.metric("fieldcheck_push_writes_total"), writes, "nothing was written");
    // The waiting push looked for its predecessor ever less often: a few dozen reads in its 10 s, not hundreds.
    let reads = platform.metric("fieldcheck_db_wait_seconds_count") - transactions;
    assert!((1.0..=40.0).contains(&reads), "the waiting push read the database {reads} times");
    assert_eq!(enterprise_now(&commander, own).address, address, "nothing was applied");
    // Sent again in order, it applies.
    req.follows = None;
    assert_eq!(ent.push(&req).results[0].outcome, Outcome::Applied);
}

#[test]
fn a_submission_the_platform_completes_is_stored_as_decided_not_as_sent() {
    // A phone from before tasks carried their legal basis sends none: the platform derives it, and the task
    // is stored as decided, not as sent (only the inspection record is stored as sent: `intents::Prepared`).
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut officer = Device::login(&platform, "officer1");
    let towns = &world.squadron_of("officer1").townships;
    let enterprise = world.enterprises.iter().find(|e| towns.contains(&e.township)).expect("an enterprise");
    let mut sub = fieldcheck_e2e::fixtures::inspection(enterprise, &officer.user, world.user("officer2"));
    assert!(!sub.tasks.is_empty() && sub.tasks.iter().all(|t| !t.legal_basis.is_empty()));
    for task in &mut sub.tasks {
        task.legal_basis.clear();
    }
    let answer = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(sub.clone()))]);
    assert_eq!(answer.results[0].outcome, Outcome::Applied);
    let (records, _) = commander.pull_all(0);
    for sent in &sub.tasks {
        let stored = records.iter().find_map(|r| match r {
            Record::Task(t) if t.id == sent.id => Some(t),
            _ => None,
        });
        assert!(!stored.expect("the task is stored").legal_basis.is_empty(), "stored with the derived legal basis");
    }
}

#[test]
fn malformed_truncated_oversized_and_old_requests_get_4xx_and_change_nothing() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let mut ent = Device::login(&platform, "enterprise1");
    let commander = Device::login(&platform, "commander");
    let before: PullResponse = commander.pull_page(0, 1000).json().expect("page");
    let own = own_enterprise(&ent);
    let world = World::load(&commander);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise");
    let m = ent.mutations(vec![Intent::EnterpriseEdit {
        enterprise: own,
        field: EnterpriseField::Address,
        base: e.address.clone(),
        value: "新地址".into(),
    }]);
    let req = ent.request(m);
    let good = serde_json::to_vec(&req).expect("json");
    // The same JSON past the size the platform parses inline (it parses larger bodies on another thread).
    let large = |body: &[u8]| [&b"{"[..], &vec![b' '; 100 * 1024], &body[1..]].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("large and truncated", large(&good[..good.len() / 2])),
        ("large and wrong shape", large(br#"{"protocol":1,"mutations":"x"}"#)),
        ("not json", b"\x00\xffhello".to_vec()),
        ("wrong shape", br#"{"protocol":1,"mutations":"x"}"#.to_vec()),
        ("unknown intent", String::from_utf8_lossy(&good).replace("enterprise.edit", "enterprise.delete").into_bytes()),
        ("empty", Vec::new()),
        ("oversized", vec![b' '; 9 * 1024 * 1024]),
        ("no mutations", serde_json::to_vec(&PushRequest { mutations: Vec::new(), ..req.clone() }).expect("json")),
    ];
    for (name, body) in cases {
        // A fresh connection each time: one the platform closed after a refusal is not reused.
        let sent = reqwest::blocking::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client")
            .post(format!("{}/v1/sync/push", ent.url))
            .bearer_auth(&ent.token)
            .header("content-type", "application/json")
            .body(body)
            .send();
        match sent {
            Ok(resp) => assert!((400..500).contains(&resp.status().as_u16()), "{name}: {}", resp.status()),
            // The platform answers 413 as soon as the declared length is too big and may close the
            // connection before the client has finished uploading; the client then sees the cut.
            Err(e) => assert_eq!(name, "oversized", "{name}: {e}"),
        }
    }
    let mut old = req.clone();
    old.protocol = 0;
    let resp = ent.post_raw("/v1/sync/push", serde_json::to_vec(&old).expect("json"));
    assert_eq!(resp.status(), 426);
    let resp = ent.post_raw("/v1/sync/push", large(&serde_json::to_vec(&old).expect("json")));
    assert_eq!(resp.status(), 426, "a large push from an old client");
    let resp = ent.http.get(format!("{}/v1/sync/pull?cursor=0&protocol=0", ent.url)).bearer_auth(&ent.token).send();
    assert_eq!(resp.expect("pull").status(), 426);
    // A push naming another device than the token's is refused.
    let mut forged = req.clone();
    forged.device = fieldcheck_core::domain::ids::DeviceId::new();
    assert_eq!(ent.post_raw("/v1/sync/push", serde_json::to_vec(&forged).expect("json")).status(), 403);
    // No token, a garbage token.
    let anon = reqwest::blocking::Client::new();
    assert_eq!(anon.post(format!("{}/v1/sync/push", ent.url)).body(good.clone()).send().expect("r").status(), 401);
    // Whatever the push carries: one with no mutations (400 with the device's token) is 401 without it.
    let empty = serde_json::to_vec(&PushRequest { mutations: Vec::new(), ..req.clone() }).expect("json");
    assert_eq!(anon.post(format!("{}/v1/sync/push", ent.url)).body(empty).send().expect("r").status(), 401);
    assert_eq!(
        anon.get(format!("{}/v1/sync/pull?protocol=1", ent.url)).bearer_auth("0000").send().expect("r").status(),
        401
    );

    let after: PullResponse = commander.pull_page(0, 1000).json().expect("page");
    assert_eq!(before.cursor, after.cursor, "nothing was written");
    // The good request still works afterwards, once.
    assert_eq!(ent.push(&req).results[0].outcome, Outcome::Applied);
}

#[test]
fn stale_free_text_edits_conflict_and_the_losing_value_is_kept() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut ent = Device::login(&platform, "enterprise1");
    let own = own_enterprise(&ent);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise").clone();
    // The officer covering it edits first, from the same base.
    let officer_login = world
        .users
        .iter()
        .find(|u| {
            u.role == Role::Officer
                && matches!(&u.scope, fieldcheck_core::domain::organisation::Scope::Squadron { squadron }
                    if world.squadrons.iter().any(|s| s.id == *squadron && s.townships.contains(&e.township)))
        })
        .expect("officer")
        .login
        .clone();
    let mut officer = Device::login(&platform, &officer_login);
    let edit = |value: &str| Intent::EnterpriseEdit {
        enterprise: own,
        field: EnterpriseField::LegalRepresentative,
        base: e.legal_representative.clone(),
        value: value.into(),
    };
    assert_eq!(officer.push_intents(vec![edit("应建华（核实）")]).results[0].outcome, Outcome::Applied);
    let resp = ent.push_intents(vec![edit("胡志明")]);
    match &resp.results[0].outcome {
        Outcome::Conflict { current } => assert_eq!(current["value"], "应建华（核实）"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let (_, conflicts) = commander.get_json("/v1/conflicts");
    let c = &conflicts[0];
    assert_eq!((c["kept"].as_str(), c["lost"].as_str()), (Some("应建华（核实）"), Some("胡志明")));
    // Another field merges independently.
    let resp = ent.push_intents(vec![Intent::EnterpriseEdit {
        enterprise: own,
        field: EnterpriseField::ContactName,
        base: e.contact.name.clone(),
        value: "王经理".into(),
    }]);
    assert_eq!(resp.results[0].outcome, Outcome::Applied);
}

#[test]
fn pulls_page_in_commit_order_and_an_old_cursor_is_told_to_reset() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    // Paging: small pages, strictly increasing cursors, same records as one big page.
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let page: PullResponse = commander.pull_page(cursor, 7).json().expect("page");
        for c in &page.changes {
            assert!(c.cursor > cursor);
            cursor = c.cursor;
            seen.push(c.cursor);
        }
        cursor = page.cursor;
        if !page.has_more {
            break;
        }
    }
    let (all, end) = commander.pull_all(0);
    assert_eq!(seen.len(), all.len());
    assert_eq!(cursor, end);

    // A tombstone reaches devices; once tombstones are pruned, a device from before must reset.
    let world = World::load(&commander);
    let notice = world.notices.first().expect("a demo notice").id;
    let township = Device::login(&platform, "dongcheng");
    let (_, township_cursor) = township.pull_all(0);
    let resp =
        commander.http.delete(format!("{}/v1/notices/{notice}", commander.url)).bearer_auth(&commander.token).send();
    assert_eq!(resp.expect("delete").status(), 204);
    let page: PullResponse = commander.pull_page(end, 100).json().expect("page");
    assert!(page.changes.iter().any(|c| matches!(&c.op,
        fieldcheck_core::protocol::ChangeOp::Delete { id, .. } if *id == notice.0)));
    let (status, _) = commander.post_json("/v1/admin/prune-tombstones", serde_json::json!({ "older_than_seconds": 0 }));
    assert_eq!(status, 200);
    let page: PullResponse = township.pull_page(township_cursor.min(end).max(1), 100).json().expect("page");
    assert!(page.reset, "a cursor older than the tombstone window must reset");
    let page: PullResponse = township.pull_page(0, 100).json().expect("page");
    assert!(!page.reset);
}

#[test]
fn repeated_failed_logins_are_slowed_down() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let http = reqwest::blocking::Client::new();
    let attempt = |password: &str| {
        http.post(format!("{}/v1/login", platform.url))
            .json(&serde_json::json!({ "login": "officer5", "password": password, "device": uuid::Uuid::now_v7() }))
            .send()
            .expect("login")
    };
    // Ten attempts of one login from one address at once, then one a minute (`throttle`).
    let statuses: Vec<u16> = (0..12).map(|_| attempt("wrong").status().as_u16()).collect();
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429, 429], "{statuses:?}");
    // Locked: even the right password waits, and says how long.
    let resp = attempt(PASSWORD);
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    // Another login is not affected.
    let other = http
        .post(format!("{}/v1/login", platform.url))
        .json(&serde_json::json!({ "login": "officer6", "password": PASSWORD, "device": uuid::Uuid::now_v7() }))
        .send()
        .expect("login");
    assert_eq!(other.status(), 200);
}

#[test]
fn alarm_linkage_minor_notifies_serious_dispatches_to_the_covering_squadron() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    // The demo's total-phosphorus alarm: 0.56 mg/L daily mean over 0.5 at a 东城街道 company, graded
    // general (notices sent) and dispatched to the squadron covering 东城街道.
    let tp = world.alarms.iter().find(|a| (a.value - 0.56).abs() < 1e-9 && (a.limit - 0.5).abs() < 1e-9).expect("TP");
    assert_eq!(tp.state, AlarmState::Dispatched);
    assert!(world.notices.iter().any(|n| n.enterprise == tp.enterprise));
    let town = world.enterprises.iter().find(|e| e.id == tp.enterprise).map(|e| e.township).expect("enterprise");
    assert_eq!(world.townships.iter().find(|t| t.id == town).map(|t| t.name.as_str()), Some("东城街道"));
    assert!(tp.squadron.is_some_and(|s| world.squadrons.iter().any(|q| q.id == s && q.townships.contains(&town))));

    // The monitoring side raises a new one by API key; the command centre grades it serious.
    let target = world.enterprises[40].clone();
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/alarms", platform.url))
        .header("x-api-key", "demo-monitoring-key")
        .json(&serde_json::json!({
            "enterprise": target.id, "kind": "exceedance", "monitoring_point": "DW001",
            "pollutant": "COD", "value": 150.0, "limit": 50.0, "unit": "mg/L", "averaging": "hourly"
        }))
        .send()
        .expect("raise");
    assert_eq!(resp.status(), 201);
    let alarm: fieldcheck_core::domain::alarm::Alarm = resp.json().expect("alarm");
    let hours = (alarm.respond_by - alarm.raised_at).num_hours();
    assert_eq!(hours, if target.flags.is_key_unit() { 4 } else { 48 });
    let (status, graded) =
        commander.post_json(&format!("/v1/alarms/{}/grade", alarm.id), serde_json::json!({ "level": "serious" }));
    assert_eq!(status, 200, "{graded}");
    assert_eq!(graded["state"], "dispatched");
    let covering = world.squadrons.iter().find(|s| s.townships.contains(&target.township)).expect("squadron");
    assert_eq!(graded["squadron"], covering.id.to_string());

    // An officer of that squadron arrives and closes it with feedback; one of another squadron cannot.
    let officers: Vec<_> = world.users.iter().filter(|u| u.role == Role::Officer).collect();
    let inside = officers
        .iter()
        .find(|u| u.scope == fieldcheck_core::domain::organisation::Scope::Squadron { squadron: covering.id })
        .expect("officer");
    let outside = officers
        .iter()
        .find(|u| {
            matches!(&u.scope, fieldcheck_core::domain::organisation::Scope::Squadron { squadron }
                if !world.squadrons.iter().any(|s| s.id == *squadron && s.townships.contains(&target.township)))
        })
        .expect("officer elsewhere");
    let mut stranger = Device::login(&platform, &outside.login);
    let r =
        stranger.push_intents(vec![Intent::AlarmArrive { alarm: alarm.id, location: None, location_missing: None }]);
    assert!(matches!(r.results[0].outcome, Outcome::Rejected { .. }));
    let mut officer = Device::login(&platform, &inside.login);
    let r = officer.push_intents(vec![
        Intent::AlarmArrive { alarm: alarm.id, location: None, location_missing: None },
        Intent::AlarmClose { alarm: alarm.id, feedback: String::new(), evidence: vec![], proof: None },
        Intent::AlarmClose {
            alarm: alarm.id,
            feedback: "现场核查：设施已恢复 / facility restored".into(),
            evidence: vec![],
            proof: None,
        },
    ]);
    assert_eq!(r.results[0].outcome, Outcome::Applied);
    assert!(matches!(r.results[1].outcome, Outcome::Rejected { .. }), "feedback is required on site");
    assert_eq!(r.results[2].outcome, Outcome::Applied);
    let (_, audit) = commander.get_json(&format!("/v1/audit/alarm/{}", alarm.id));
    let steps: Vec<&str> = audit.as_array().expect("rows").iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(steps, ["raise", "grade", "dispatch", "arrive", "close"]);
    // A wrong API key is refused.
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/alarms", platform.url))
        .header("x-api-key", "guess")
        .json(&serde_json::json!({}))
        .send()
        .expect("raise");
    assert_eq!(resp.status(), 401);
}

#[test]
fn the_platform_serves_its_openapi_document_and_console() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let http = reqwest::blocking::Client::new();
    let doc: serde_json::Value =
        http.get(format!("{}/openapi.json", platform.url)).send().and_then(|r| r.json()).expect("openapi");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    for p in ["/v1/login", "/v1/sync/push", "/v1/sync/pull", "/v1/alarms", "/v1/devices/{id}/revoke"] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    // Every documented path is served (no 404 from the router for a documented route).
    for (path, methods) in paths {
        let concrete = path
            .replace("{entity}", "task")
            .replace("lib/{file}", "lib/leaflet.css")
            .replace("{file}", "console.js")
            .replace("{id}", &uuid::Uuid::now_v7().to_string());
        for method in methods.as_object().expect("methods").keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let status = http.request(m, format!("{}{concrete}", platform.url)).send().expect("request").status();
            assert_ne!(status, 405, "{method} {path}");
            assert!(status != 404 || path.contains("{id}"), "{method} {path}: {status}");
        }
    }
    let console = http.get(&platform.url).send().and_then(|r| r.text()).expect("console");
    assert!(console.contains("指挥中心"));
}
