//! The night check through the phone's app core against a live platform: the command centre
//! dispatches an alarm; the officer's phone (app core with the capability test doubles, a real store
//! and sync client) arrives with location refused and starts an inspection from the alarm with no fix
//! yet (the platform keeps both reasons, not a blank; origin recorded), then with the fix answers
//! by choosing and typing, takes photos through the test camera, fails an item (a finding), submits and
//! syncs; the enterprise's phone photographs its proof and sends it with its step; the officer's sync
//! fetches the proof, the task screen shows it and the officer accepts.

use crate::phone;

use chrono::Utc;
use fieldcheck_core::app::doubles::Doubles;
use fieldcheck_core::app::{App, Choice, Event, LocationReading, PhotoTarget, Route, answer_text::VALUE};
use fieldcheck_core::checklists;
use fieldcheck_core::domain::answer::{AnswerValue, Measure};
use fieldcheck_core::domain::geo::{FixMissing, GeoFix};
use fieldcheck_core::domain::inspection::{InspectionKind, Inspector, Origin};
use fieldcheck_core::domain::organisation::{Role, Scope, User};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::domain::template::{ItemRef, PhotoRule};
use fieldcheck_core::evidence::Case;
use fieldcheck_core::protocol::Record;
use fieldcheck_core::store::TaskFilter;
use fieldcheck_e2e::{Device, Platform, Storage, World, fixtures};
use phone::{Phone, TEMPLATE, runtime};
use std::path::Path;

/// A phone running the app core: the shell's part (sync when the core asked for it) is done by the test.
struct AppPhone {
    phone: Phone,
    doubles: Doubles,
    app: App,
}

impl AppPhone {
    fn new(phone: Phone, dir: &Path, url: &str) -> AppPhone {
        let camera = dir.join("camera");
        std::fs::create_dir_all(&camera).expect("camera folder");
        let doubles = Doubles::new(camera);
        let fix = GeoFix::new(28.9, 120.03, 6.0).expect("fix");
        doubles.set_location(LocationReading::Fix { fix, at: Utc::now() });
        let app = App::new(doubles.capabilities());
        let token = phone.client.token().expect("token").to_string();
        let mut me = AppPhone { phone, doubles, app };
        let vm = me.send(Event::SignedIn { platform_url: url.into(), token });
        assert_eq!(vm.route, Route::Today);
        me
    }

    fn send(&mut self, event: Event) -> fieldcheck_core::app::ViewModel {
        let vm = self.app.handle(&self.phone.store, &self.phone.ingestor, event);
        assert_eq!(vm.message, None, "the core refused an event");
        vm
    }

    /// What the background worker does when the core asked for a sync.
    fn sync(&self, rt: &tokio::runtime::Runtime) -> fieldcheck_core::sync::Progress {
        rt.block_on(self.phone.client.sync(&self.phone.store, &mut |_| {})).expect("sync")
    }
}

#[test]
fn a_night_check_through_the_app_core() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let enterprise_user = world.user("enterprise1").clone();
    let Scope::Enterprise { enterprise } = enterprise_user.scope else { panic!("{enterprise_user:?}") };
    let site = world.enterprises.iter().find(|e| e.id == enterprise).expect("enterprise").clone();
    let squadron = world.squadrons.iter().find(|s| s.townships.contains(&site.township)).expect("squadron").clone();
    let officers: Vec<User> = world
        .users
        .iter()
        .filter(|u| u.role == Role::Officer && u.scope == Scope::Squadron { squadron: squadron.id })
        .cloned()
        .collect();
    assert!(officers.len() >= 2, "two officers of the covering squadron");

    // The command centre: an alarm at the site, graded serious, dispatched to the covering squadron.
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/alarms", platform.url))
        .header("x-api-key", "demo-monitoring-key")
        .json(&serde_json::json!({
            "enterprise": site.id, "kind": "exceedance", "monitoring_point": "DW001",
            "pollutant": "COD", "value": 150.0, "limit": 50.0, "unit": "mg/L", "averaging": "hourly"
        }))
        .send()
        .expect("raise");
    assert_eq!(resp.status(), 201);
    let alarm: fieldcheck_core::domain::alarm::Alarm = resp.json().expect("alarm");
    let (status, graded) =
        commander.post_json(&format!("/v1/alarms/{}/grade", alarm.id), serde_json::json!({ "level": "serious" }));
    assert_eq!((status, graded["state"].as_str()), (200, Some("dispatched")), "{graded}");

    let rt = runtime();
    let home = tempfile::tempdir().expect("phones");
    let folder = |name: &str| {
        let dir = home.path().join(name);
        std::fs::create_dir_all(&dir).expect("phone folder");
        dir
    };
    let officer_dir = folder("officer");
    let signed_in = rt.block_on(Phone::sign_in(&officer_dir, &platform.url, &officers[0].login));
    let mut officer = AppPhone::new(signed_in, &officer_dir, &platform.url);

    // The alarm is on the phone; the officer opens it and arrives, location not yet allowed.
    let today = officer.phone.store.today(Utc::now()).expect("today");
    assert!(today.alarms.iter().any(|a| a.id == alarm.id), "the dispatched alarm reached the phone");
    officer.send(Event::Open(Route::Alarm(alarm.id)));
    officer.doubles.set_location(LocationReading::PermissionRefused);
    officer.send(Event::ArriveAtAlarm(alarm.id));

    // An inspection prompted by the alarm, answered by choosing and typing, with camera photos.
    officer.send(Event::Open(Route::Search));
    let vm = officer.send(Event::CreateInspection {
        enterprise: site.id,
        kind: InspectionKind::AlarmResponse,
        checklists: vec![TEMPLATE.into()],
        origin: Some(Origin::Alarm(alarm.id)),
    });
    let Route::Inspection(id) = vm.route else { panic!("{vm:?}") };
    // The app has no team picker yet: the team is set on the store.
    let who = |u: &User| Inspector {
        user: u.id,
        name: u.name.clone(),
        certificate_no: u.certificate_no.clone().unwrap_or_else(|| "33078400001".into()),
    };
    officer
        .phone
        .store
        .set_team(id, vec![who(&officers[0]), who(&officers[1])], Some(who(&officers[1])))
        .expect("team");
    // Allowed now, but no fix yet at the start (indoors); the fix comes before the photos.
    officer.doubles.set_location(LocationReading::NoFix);
    officer.send(Event::StartInspection(id));
    let fix = GeoFix::new(28.9, 120.03, 6.0).expect("fix");
    officer.doubles.set_location(LocationReading::Fix { fix, at: Utc::now() });
    let template = checklists::bundled().into_iter().find(|t| t.id == TEMPLATE).expect("template");
    let day = Utc::now().date_naive();
    let failed = template
        .items
        .iter()
        .find(|i| matches!(i.answer, fieldcheck_core::domain::template::AnswerSpec::YesNo))
        .expect("a yes/no item");
    for item in &template.items {
        let r = ItemRef { template: template.id.clone(), code: item.code.clone() };
        if item.code == failed.code {
            officer.send(Event::NoteTyped {
                inspection: id, item: r.clone(), text: "夜间现场未见应急预案".into()
            });
            officer.send(Event::AnswerChosen { inspection: id, item: r.clone(), choice: Choice::No });
        } else {
            match fixtures::compliant(item, day) {
                AnswerValue::Yes => {
                    officer.send(Event::AnswerChosen { inspection: id, item: r.clone(), choice: Choice::Yes })
                }
                AnswerValue::Choice(code) => {
                    officer.send(Event::AnswerChosen { inspection: id, item: r.clone(), choice: Choice::Option(code) })
                }
                typed => {
                    for (field, text) in as_typed(&typed) {
                        officer.send(Event::AnswerTyped { inspection: id, item: r.clone(), field, text });
                    }
                    let vm = officer.send(Event::AnswerSaved { inspection: id, item: r.clone() });
                    assert!(vm.drafts.iter().all(|d| d.problem.is_none()), "{:?}", vm.drafts);
                    vm
                }
            };
        }
        if item.photo == PhotoRule::Always || item.code == failed.code {
            officer.send(Event::TakePhoto { target: PhotoTarget::Item { inspection: id, item: r }, torch: true });
        }
    }
    let records = officer.phone.store.evidence_records(id).expect("photos");
    assert!(!records.is_empty() && records.iter().all(|r| r.meta.fix.is_some()), "every photo has the fix");
    let asked = officer.doubles.syncs_asked();
    let vm = officer.send(Event::Submit(id));
    assert_eq!(vm.route, Route::Search, "submitted: back where the inspection was started");
    assert_eq!(officer.doubles.syncs_asked(), asked + 1, "the core asks for a sync");
    let progress = officer.sync(&rt);
    assert_eq!(progress.rejected, 0, "{progress:?}");

    // The platform holds the inspection with its origin.
    let (records, _) = commander.pull_all(0);
    let held = records
        .iter()
        .find_map(|r| match r {
            Record::Inspection(s) if s.inspection.id == id => Some(s.clone()),
            _ => None,
        })
        .expect("the inspection on the platform");
    assert_eq!(held.inspection.origin, Some(Origin::Alarm(alarm.id)));
    assert_eq!((held.inspection.location, held.inspection.location_missing), (None, Some(FixMissing::NoFix)));
    let (status, trail) = commander.get_json(&format!("/v1/audit/alarm/{}", alarm.id));
    let arrival = trail.as_array().and_then(|rows| rows.iter().find(|r| r["action"] == "arrive")).cloned();
    assert_eq!(status, 200, "{trail}");
    assert!(arrival.is_some_and(|a| a["note"].as_str().is_some_and(|n| n.contains("拒绝定位"))), "{trail}");
    let task = held.tasks.first().expect("the finding's rectification task").id;

    // The enterprise's phone: acknowledge, a proof photo from its camera, submit proof with it.
    let enterprise_dir = folder("enterprise");
    let signed_in = rt.block_on(Phone::sign_in(&enterprise_dir, &platform.url, "enterprise1"));
    let mut firm = AppPhone::new(signed_in, &enterprise_dir, &platform.url);
    firm.send(Event::Open(Route::Task(task)));
    firm.send(Event::TaskStep { task, action: TaskAction::Acknowledge, note: "收到".into() });
    assert_eq!(firm.sync(&rt).rejected, 0);
    firm.send(Event::TakePhoto { target: PhotoTarget::Task(task), torch: false });
    firm.send(Event::TaskStep { task, action: TaskAction::SubmitProof, note: "已补充应急预案".into() });
    let progress = firm.sync(&rt);
    let refused = firm.phone.store.needs_attention().expect("attention");
    assert_eq!((progress.rejected, progress.blobs_confirmed), (0, 2), "{progress:?} {refused:?}");

    // The officer's sync fetches the proof; the task screen's data has it; the officer accepts.
    let progress = officer.sync(&rt);
    assert_eq!(progress.photos_fetched, 1, "{progress:?}");
    officer.send(Event::Open(Route::Task(task)));
    assert_eq!(officer.phone.store.fetched_photos(task).expect("fetched").len(), 1);
    assert!(officer.phone.store.case_photos(Case::Task(task)).expect("own").is_empty());
    officer.send(Event::TaskStep { task, action: TaskAction::Accept, note: "复查合格".into() });
    let progress = officer.sync(&rt);
    assert_eq!(progress.rejected, 0, "{progress:?}");
    let accepted = World::load(&commander).tasks.into_iter().find(|t| t.id == task).expect("task");
    assert_eq!(accepted.state, TaskState::Accepted);
    let firm_tasks = firm.phone.store.tasks(&TaskFilter::default(), Utc::now()).expect("tasks");
    assert!(firm_tasks.iter().any(|t| t.task.id == task));
}

/// The text a person would type for a compliant value (dates the Chinese way, to exercise the reading).
fn as_typed(value: &AnswerValue) -> Vec<(String, String)> {
    let date = |d: &chrono::NaiveDate| d.format("%Y年%m月%d日").to_string();
    match value {
        AnswerValue::Number(n) => vec![(VALUE.into(), n.to_string())],
        AnswerValue::Text(t) => vec![(VALUE.into(), t.clone())],
        AnswerValue::Date(d) => vec![(VALUE.into(), date(d))],
        AnswerValue::Measures(m) => m
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Measure::Number(n) => n.to_string(),
                    Measure::Date(d) => date(d),
                };
                (k.clone(), text)
            })
            .collect(),
        other => panic!("not a typed answer: {other:?}"),
    }
}
