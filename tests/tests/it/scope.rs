//! Scope: every pull carries only what the caller may see, and every pushed intent is authorised
//! against the platform's data, whatever ids a device forges.

use fieldcheck_core::domain::ids::{AlarmId, EvidenceId};
use fieldcheck_core::domain::rectification::TaskAction;
use fieldcheck_core::protocol::{EnterpriseField, Intent, Outcome, Record, RejectCode};
use fieldcheck_e2e::{Device, Platform, Storage, World, fixtures};

fn rejected(outcome: &Outcome) -> Option<RejectCode> {
    match outcome {
        Outcome::Rejected { code, .. } => Some(*code),
        _ => None,
    }
}

#[test]
fn an_enterprise_sees_and_touches_only_its_own_records() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut ent1 = Device::login(&platform, "enterprise1");
    let own = match &ent1.user.scope {
        fieldcheck_core::domain::organisation::Scope::Enterprise { enterprise } => *enterprise,
        other => panic!("scope {other:?}"),
    };

    // An inspection of enterprise1 by officers who reach it, so it has internal text and a task.
    let target = world.enterprises.iter().find(|e| e.id == own).expect("enterprise1").clone();
    let by = world
        .users
        .iter()
        .find(|u| {
            matches!(&u.scope, fieldcheck_core::domain::organisation::Scope::Squadron { squadron }
                if world.squadrons.iter().any(|s| s.id == *squadron && s.townships.contains(&target.township)))
        })
        .expect("an officer covering enterprise1")
        .clone();
    let partner = world.users.iter().find(|u| u.scope == by.scope && u.id != by.id).expect("partner").clone();
    let mut officer = Device::login(&platform, &by.login);
    let sub = fixtures::inspection(&target, &by, &partner);
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(sub.clone()))]);
    assert_eq!(resp.results[0].outcome, Outcome::Applied, "{:?}", resp.results);

    let (records, _) = ent1.pull_all(0);
    let mut own_task = None;
    for r in &records {
        match r {
            Record::Enterprise(e) => assert_eq!(e.id, own),
            Record::Task(t) => {
                assert_eq!(t.enterprise, own);
                own_task = Some(t.id);
            }
            Record::Alarm(a) => assert_eq!(a.enterprise, own),
            Record::Notice(n) => assert_eq!(n.enterprise, own),
            Record::TaskEvent(_) | Record::Township(_) | Record::Squadron(_) | Record::Template(_) => {}
            Record::Inspection(_) => panic!("an enterprise received an inspection record"),
            Record::OriginalRequest(_) => panic!("an enterprise received a request for a photo original"),
            Record::Draw(_) | Record::Assignment(_) | Record::Grid(_) | Record::MonitoringPoints(_) => {
                panic!("an enterprise received a supervision record: {r:?}")
            }
            Record::User(u) => assert_eq!(u.id, ent1.user.id, "an enterprise received another user"),
        }
    }
    assert!(own_task.is_some(), "the enterprise sees the task it was issued");
    // A finding reaches the enterprise only as what it must do: its task's requirement and its notice
    // (the linkage rule). No other record carries it, and the narrative never.
    let others: Vec<_> = records.iter().filter(|r| !matches!(r, Record::Task(_) | Record::Notice(_))).collect();
    assert!(!serde_json::to_string(&others).expect("json").contains("INTERNAL-FINDING-TEXT"), "the inspection leaked");
    let text = serde_json::to_string(&records).expect("json");
    assert!(!text.contains("internal narrative"), "the officer's narrative leaked to the enterprise");

    // Forged ids: another enterprise's task, a made-up task, another enterprise's record.
    let other_task = world.tasks.iter().find(|t| t.enterprise != own).expect("another enterprise's task");
    let other = world.enterprises.iter().find(|e| e.id != own).expect("another enterprise");
    let resp = ent1.push_intents(vec![
        Intent::TaskTransition {
            task: other_task.id,
            action: TaskAction::Acknowledge,
            note: String::new(),
            evidence: vec![],
            proof: None,
            signature: None,
        },
        Intent::TaskTransition {
            task: fieldcheck_core::domain::ids::TaskId::new(),
            action: TaskAction::Acknowledge,
            note: String::new(),
            evidence: vec![],
            proof: None,
            signature: None,
        },
        Intent::EnterpriseEdit {
            enterprise: other.id,
            field: EnterpriseField::ContactPhone,
            base: other.contact.phone.clone(),
            value: "110".into(),
        },
        Intent::AlarmClose { alarm: world.alarms[0].id, feedback: "x".into(), evidence: vec![], proof: None },
    ]);
    // A record out of scope answers exactly like one that does not exist.
    for r in &resp.results[..3] {
        assert_eq!(rejected(&r.outcome), Some(RejectCode::NotFound), "{r:?}");
    }
    assert!(rejected(&resp.results[3].outcome).is_some());
    // Its own task it may acknowledge, but not accept.
    let resp = ent1.push_intents(vec![
        Intent::TaskTransition {
            task: own_task.expect("task"),
            action: TaskAction::Acknowledge,
            note: "收到".into(),
            evidence: vec![],
            proof: None,
            signature: None,
        },
        Intent::TaskTransition {
            task: own_task.expect("task"),
            action: TaskAction::Accept,
            note: String::new(),
            evidence: vec![EvidenceId::new()],
            proof: None,
            signature: None,
        },
    ]);
    assert_eq!(resp.results[0].outcome, Outcome::Applied);
    assert_eq!(rejected(&resp.results[1].outcome), Some(RejectCode::Forbidden));

    // Nothing of the other enterprise changed.
    let after = World::load(&commander);
    assert_eq!(after.tasks.iter().find(|t| t.id == other_task.id), Some(other_task));
    assert_eq!(after.enterprises.iter().find(|e| e.id == other.id), Some(other));
    // And the console endpoints refuse an enterprise.
    assert_eq!(ent1.get_json("/v1/conflicts").0, 403);
}

#[test]
fn an_officer_acts_only_in_its_squadrons_area_and_a_revoked_token_stops_working() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut officer = Device::login(&platform, "officer1");
    let partner = world.user("officer2").clone();

    // Outside its area: an inspection, an edit, an alarm it was not sent to.
    let outside = world.enterprise_for("officer1", false).clone();
    let sub = fixtures::inspection(&outside, &officer.user, &partner);
    let alarm_elsewhere = world
        .alarms
        .iter()
        .find(|a| {
            let e = world.enterprises.iter().find(|e| e.id == a.enterprise).expect("enterprise");
            !world.squadron_of("officer1").townships.contains(&e.township)
        })
        .expect("an alarm outside officer1's area");
    let resp = officer.push_intents(vec![
        Intent::InspectionSubmit(Box::new(sub)),
        Intent::EnterpriseEdit {
            enterprise: outside.id,
            field: EnterpriseField::Address,
            base: outside.address.clone(),
            value: "forged".into(),
        },
        Intent::AlarmArrive { alarm: alarm_elsewhere.id, location: None, location_missing: None },
        Intent::AlarmArrive { alarm: AlarmId::new(), location: None, location_missing: None },
    ]);
    for r in &resp.results {
        assert_eq!(rejected(&r.outcome), Some(RejectCode::NotFound), "{r:?}");
    }
    // Inside its area the same inspection is applied.
    let inside = world.enterprise_for("officer1", true).clone();
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(fixtures::inspection(
        &inside,
        &officer.user,
        &partner,
    )))]);
    assert_eq!(resp.results[0].outcome, Outcome::Applied, "{:?}", resp.results);

    // Its pull holds nothing of other squadrons' enterprises.
    let (records, _) = officer.pull_all(0);
    let towns = &world.squadron_of("officer1").townships;
    for r in &records {
        if let Record::Enterprise(e) = r {
            assert!(towns.contains(&e.township), "officer1 received {}", e.name);
        }
    }

    // Revoke: the token stops working at once, for push and pull.
    let (status, _) = officer.post_json(&format!("/v1/devices/{}/revoke", officer.id), serde_json::json!({}));
    assert_eq!(status, 204);
    assert_eq!(officer.pull_page(0, 10).status(), 401);
    let req = officer.request(vec![]);
    assert_eq!(officer.post_raw("/v1/sync/push", serde_json::to_vec(&req).expect("json")).status(), 401);
    // Another officer cannot revoke someone else's device (it looks missing).
    let other = Device::login(&platform, "officer3");
    let (status, _) = other.post_json(&format!("/v1/devices/{}/revoke", commander.id), serde_json::json!({}));
    assert_eq!(status, 404);
    assert_eq!(commander.pull_page(0, 1).status(), 200);
    // Nor sign in with someone else's device id to take it over.
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/login", platform.url))
        .json(&serde_json::json!({ "login": "officer3", "password": fieldcheck_e2e::PASSWORD, "device": commander.id }))
        .send()
        .expect("login");
    assert_eq!(resp.status(), 409);
    assert_eq!(commander.pull_page(0, 1).status(), 200, "the commander's token still works");
}
