//! The whole records of an alarm and a task (`/v1/alarms/{id}/record`, `/v1/tasks/{id}/record`) and the
//! dashboard's response time against the limit, on a live platform. The demo's dispatched total-phosphorus
//! alarm is answered on site by an officer of the squadron it went to, who submits an inspection made for
//! it with a finding: the alarm's record then shows raised → graded → dispatched → arrived within its limit
//! and links to the inspection and the task it issued, with their PDFs; the task's record links back to the
//! inspection and the alarm; the dashboard counts the arrival against the limit. Out of reach is 404.
//! And an alarm closed on site from a real phone store with a photo: its record shows the photo's
//! watermarked rendition on the closing step and the platform's countersignature of the sealed chain.
//! Runs on SQLite, and on PostgreSQL when `FIELDCHECK_TEST_POSTGRES` is set.

use crate::phone;

use chrono::Utc;
use fieldcheck_core::domain::inspection::Origin;
use fieldcheck_core::domain::organisation::User;
use fieldcheck_core::evidence::{Case, Subject};
use fieldcheck_core::protocol::{Intent, Outcome};
use fieldcheck_core::store::Capture;
use fieldcheck_e2e::{Device, Platform, Storage, World, fixtures};
use phone::{Phone, photo_file, runtime};
use serde_json::Value;

fn get(device: &Device, path: &str) -> Value {
    let (status, body) = device.get_json(path);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn steps(record: &Value) -> Vec<String> {
    record["steps"].as_array().expect("steps").iter().map(|s| s["step"].as_str().expect("step").to_string()).collect()
}

#[test]
fn an_alarm_answered_on_site_links_to_its_inspection_task_and_order_and_counts_against_its_limit() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let alarm = world.alarms.iter().find(|a| a.pollutant == "总磷").expect("the demo's TP alarm").clone();
    let squadron = alarm.squadron.expect("the demo dispatched it");
    let enterprise = world.enterprises.iter().find(|e| e.id == alarm.enterprise).expect("its enterprise").clone();
    let team: Vec<&User> = world
        .users
        .iter()
        .filter(|u| u.scope == fieldcheck_core::domain::organisation::Scope::Squadron { squadron })
        .collect();
    let (by, partner) = (team[0], team[1]);

    // Before anyone arrives: dispatched, within the limit so far, nothing linked.
    let before = get(&commander, &format!("/v1/alarms/{}/record", alarm.id));
    assert_eq!(steps(&before), ["raised", "graded", "dispatched"], "{before}");
    assert_eq!(before["within_limit"], Value::Null);
    assert_eq!(before["limit_hours"].as_f64(), Some((alarm.respond_by - alarm.raised_at).num_minutes() as f64 / 60.0));
    assert!(before["links"].as_array().expect("links").is_empty());

    // The officer arrives and submits the inspection made for the alarm, with a finding and its task.
    let mut officer = Device::login(&platform, &by.login);
    let arrived =
        officer.push_intents(vec![Intent::AlarmArrive { alarm: alarm.id, location: None, location_missing: None }]);
    assert!(matches!(arrived.results[0].outcome, Outcome::Applied), "{:?}", arrived.results[0].outcome);
    let mut sub = fixtures::inspection(&enterprise, by, partner);
    sub.inspection.origin = Some(Origin::Alarm(alarm.id));
    let (inspection, task) = (sub.inspection.id, sub.tasks[0].id);
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(sub))]);
    assert!(matches!(resp.results[0].outcome, Outcome::Applied), "{:?}", resp.results[0].outcome);

    let record = get(&commander, &format!("/v1/alarms/{}/record", alarm.id));
    assert_eq!(steps(&record), ["raised", "graded", "dispatched", "arrived"], "{record}");
    assert_eq!(record["within_limit"], true);
    assert_eq!(record["alarm"]["state"], "on_site");
    let links = record["links"].as_array().expect("links");
    let link =
        |kind: &str| links.iter().find(|l| l["kind"] == kind).unwrap_or_else(|| panic!("no {kind} link: {record}"));
    assert_eq!(link("inspection")["id"], inspection.to_string());
    assert_eq!(link("inspection")["pdf"], format!("/v1/inspections/{inspection}/record.pdf"));
    assert_eq!(link("task")["id"], task.to_string());
    assert_eq!(link("task")["pdf"], format!("/v1/tasks/{task}/order.pdf"));
    assert_eq!(record["audit"].as_array().expect("audit").len(), 4);

    // The task's record: issued, not overdue, its order, back to the inspection and the alarm.
    let t = get(&commander, &format!("/v1/tasks/{task}/record"));
    assert_eq!(steps(&t), ["issued"], "{t}");
    assert_eq!(t["order_pdf"], format!("/v1/tasks/{task}/order.pdf"));
    let kinds: Vec<&str> =
        t["links"].as_array().expect("links").iter().map(|l| l["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["alarm", "inspection"], "{t}");
    assert_eq!(t["links"][0]["id"], alarm.id.to_string());

    // The dashboard: the arrival counts within the limit, with its minutes, at the alarm's level.
    let figures = get(&commander, "/v1/dashboard");
    let level = figures["response_by_level"]
        .as_array()
        .expect("levels")
        .iter()
        .find(|g| g["key"] == "general")
        .unwrap_or_else(|| panic!("no general level: {figures}"))
        .clone();
    // The demo's own handled alarm (arrived and closed yesterday) and this one.
    assert_eq!(level["arrived"]["count"], 2, "{level}");
    assert!(level["within_limit"].as_u64() >= Some(2), "{level}");
    let arrived_minutes = level["arrived"]["worst_minutes"].as_f64().expect("minutes");
    assert!(arrived_minutes >= 0.0 && level["arrived"]["median_minutes"].as_f64() <= Some(arrived_minutes));
    let towns = figures["response_by_township"].as_array().expect("townships");
    assert_eq!(
        towns.iter().map(|g| g["alarms"].as_u64().expect("n")).sum::<u64>(),
        figures["response_by_level"]
            .as_array()
            .expect("levels")
            .iter()
            .map(|g| g["alarms"].as_u64().expect("n"))
            .sum::<u64>(),
        "every alarm is in one township and one level"
    );

    // Out of reach: another squadron's officer, and an enterprise's user, are answered 404.
    let outsider = world
        .users
        .iter()
        .find(|u| matches!(u.scope, fieldcheck_core::domain::organisation::Scope::Squadron { squadron: s } if s != squadron))
        .expect("another squadron's officer");
    let other = Device::login(&platform, &outsider.login);
    assert_eq!(other.get_json(&format!("/v1/alarms/{}/record", alarm.id)).0, 404);
    assert_eq!(other.get_json(&format!("/v1/tasks/{task}/record")).0, 404);
    assert_eq!(commander.get_json(&format!("/v1/tasks/{}/record", uuid::Uuid::now_v7())).0, 404);
}

#[test]
fn an_alarm_closed_on_site_with_a_photo_shows_its_rendition_and_the_countersigned_chain() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let alarm = world.alarms.iter().find(|a| a.pollutant == "总磷").expect("the demo's TP alarm").clone();
    let squadron = alarm.squadron.expect("the demo dispatched it");
    let officer = world
        .users
        .iter()
        .find(|u| u.scope == fieldcheck_core::domain::organisation::Scope::Squadron { squadron })
        .expect("an officer of its squadron");
    let home = tempfile::tempdir().expect("phone dir");
    let evidence = runtime().block_on(async {
        let phone = Phone::sign_in(home.path(), &platform.url, &officer.login).await;
        phone.store.alarm_arrive(alarm.id, None, None).expect("arrive");
        let capture =
            Capture { case: Case::Alarm(alarm.id), subject: Subject::Overall, taken_at: Utc::now(), fix: None };
        let photo =
            phone.store.capture_photo(&phone.ingestor, capture, &photo_file(home.path(), 7, 480, 360)).expect("photo");
        let id = photo.meta.evidence;
        phone.store.alarm_close(alarm.id, "排口总磷复测达标 / outlet back within the limit", vec![id]).expect("close");
        phone.client.sync(&phone.store, &mut |_| {}).await.expect("sync with uploads");
        id
    });

    let record = get(&commander, &format!("/v1/alarms/{}/record", alarm.id));
    assert_eq!(steps(&record), ["raised", "graded", "dispatched", "arrived", "closed", "countersigned"], "{record}");
    let closed = &record["steps"][4];
    assert!(closed["note"].as_str().expect("note").contains("复测达标"), "{closed}");
    let photos = closed["photos"].as_array().expect("the closing step's photos");
    assert_eq!(photos.len(), 1, "{closed}");
    assert_eq!(photos[0]["evidence"], evidence.to_string());
    let sha = photos[0]["rendition"]["sha256"].as_str().expect("rendition");
    let resp = commander
        .http
        .get(format!("{}/v1/blobs/{sha}/content", commander.url))
        .bearer_auth(&commander.token)
        .send()
        .expect("rendition");
    assert_eq!(resp.status(), 200, "the rendition is served to the console");
    assert!(resp.bytes().expect("bytes").starts_with(&[0xff, 0xd8]), "a JPEG");
    assert!(record["steps"][5]["note"].as_str().expect("note").contains("1 photo"), "{record}");
}
