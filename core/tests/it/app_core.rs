//! The app core against a real store file and the capability doubles: navigation that survives the
//! shell, typed answers read and refused with bilingual messages, photos with their fix (or why there
//! is none) and their source, the photos that travel with a step, when to sync, and a restart that
//! resumes by itself from secure storage.

use crate::common;

use common::*;
use fieldcheck_core::app::doubles::Doubles;
use fieldcheck_core::app::{
    App, Banner, Choice, Event, LocationReading, PhotoTarget, Route, SavedSession, answer_text::VALUE,
};
use fieldcheck_core::domain::alarm::AlarmState;
use fieldcheck_core::domain::answer::AnswerValue;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::UserId;
use fieldcheck_core::domain::inspection::{InspectionKind, Origin, ProblemCode, Respondent};
use fieldcheck_core::domain::organisation::{Role, User};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::upload::Network;
use fieldcheck_core::evidence::{BlobStore, Case, FixMissing, Ingestor, Limits, PhotoSource};
use fieldcheck_core::protocol::{Intent, Record};
use fieldcheck_core::store::Theme;
use std::sync::atomic::Ordering;

struct Phone {
    f: Fixture,
    ingestor: Ingestor,
    doubles: Doubles,
    app: App,
}

impl Phone {
    fn new() -> Self {
        let f = fixture();
        let ingestor = Ingestor::new(BlobStore::open(f.dir.path().join("blobs")).unwrap(), Limits::default());
        let camera = f.dir.path().join("camera");
        std::fs::create_dir_all(&camera).unwrap();
        let doubles = Doubles::new(camera);
        let app = App::new(doubles.capabilities());
        Self { f, ingestor, doubles, app }
    }

    fn send(&mut self, event: Event) -> fieldcheck_core::app::ViewModel {
        self.app.handle(&self.f.store, &self.ingestor, event)
    }

    fn signed_in(mut self) -> Self {
        self.send(Event::Started);
        self.send(Event::SignedIn { platform_url: "https://p.example".into(), token: "t-1".into() });
        self
    }

    fn hazardous_waste_draft(&mut self, origin: Option<Origin>) -> fieldcheck_core::domain::ids::InspectionId {
        let enterprise = self.f.county.enterprises[0].id;
        self.send(Event::Open(Route::Search));
        let kind = InspectionKind::AlarmResponse;
        let vm = self.send(Event::CreateInspection {
            enterprise,
            kind,
            checklists: vec!["hazardous_waste_storage".into()],
            origin,
        });
        let Route::Inspection(id) = vm.route else { panic!("{vm:?}") };
        id
    }
}

fn hw(code: &str) -> ItemRef {
    ItemRef { template: "hazardous_waste_storage".into(), code: code.into() }
}

#[test]
fn a_restart_resumes_from_secure_storage_with_the_same_device_key() {
    let mut phone = Phone::new();
    // The fixture's database has a user but secure storage has no token: sign in again.
    assert_eq!(phone.send(Event::Started).route, Route::SignIn);
    let vm = phone.send(Event::SignedIn { platform_url: "https://p.example".into(), token: "t-1".into() });
    assert_eq!((vm.route, vm.can_go_back), (Route::Today, false));
    assert_eq!(*phone.doubles.background.periodic_minutes.lock().unwrap(), Some(15));
    assert_eq!(phone.doubles.syncs_asked(), 1, "a first sync right after sign-in");

    // A new process: same database, same secure storage.
    let mut again = App::new(phone.doubles.capabilities());
    assert_eq!(
        again.saved_session(&phone.f.store).unwrap(),
        Some(SavedSession { platform_url: "https://p.example".into(), token: "t-1".into() })
    );
    assert_eq!(again.handle(&phone.f.store, &phone.ingestor, Event::Started).route, Route::Today);

    // Signing out forgets the token and stops background work.
    assert_eq!(phone.send(Event::SignedOut).route, Route::SignIn);
    assert!(phone.doubles.background.cancelled.load(Ordering::SeqCst));
    assert_eq!(again.saved_session(&phone.f.store).unwrap(), None);
}

#[test]
fn a_new_installation_keeps_its_device_key_in_secure_storage() {
    let dir = tempfile::tempdir().unwrap();
    let store = fieldcheck_core::store::Store::open(dir.path().join("fresh.db")).unwrap();
    let ingestor = Ingestor::new(BlobStore::open(dir.path().join("blobs")).unwrap(), Limits::default());
    let doubles = Doubles::new(dir.path());
    App::new(doubles.capabilities()).handle(&store, &ingestor, Event::Started);
    let key = store.device_public_key().unwrap();
    assert!(doubles.secure_storage.values.lock().unwrap().contains_key("device_key"));
    // Another store on the same secure storage (a reinstall keeping the Keychain) seals with the same key.
    let other = fieldcheck_core::store::Store::open(dir.path().join("other.db")).unwrap();
    App::new(doubles.capabilities()).handle(&other, &ingestor, Event::Started);
    assert_eq!(other.device_public_key().unwrap(), key);
}

#[test]
fn the_chosen_theme_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    let ingestor = Ingestor::new(BlobStore::open(dir.path().join("blobs")).unwrap(), Limits::default());
    let doubles = Doubles::new(dir.path());
    {
        let store = fieldcheck_core::store::Store::open(&path).unwrap();
        let mut app = App::new(doubles.capabilities());
        assert_eq!(app.handle(&store, &ingestor, Event::Started).theme, Theme::System, "the phone's own at first");
        assert_eq!(app.handle(&store, &ingestor, Event::ThemeChosen(Theme::Night)).theme, Theme::Night);
    }
    // A new process on the same file.
    let store = fieldcheck_core::store::Store::open(&path).unwrap();
    let mut app = App::new(doubles.capabilities());
    assert_eq!(app.handle(&store, &ingestor, Event::Started).theme, Theme::Night);
    assert_eq!(app.handle(&store, &ingestor, Event::ThemeChosen(Theme::Day)).theme, Theme::Day);
}

#[test]
fn the_team_and_respondent_are_picked_with_the_core_saying_what_is_missing() {
    let mut phone = Phone::new().signed_in();
    // An officer synced without a certificate number cannot be picked.
    let trainee = User {
        id: UserId::new(),
        login: "trainee".into(),
        name: "陈新".into(),
        role: Role::Officer,
        scope: phone.f.county.officer.scope.clone(),
        certificate_no: None,
    };
    phone.f.store.apply_pull(&page(100, vec![Record::User(trainee.clone())])).unwrap();
    let id = phone.hazardous_waste_draft(None);
    let (me, colleague) = (phone.f.county.officer.id, phone.f.county.colleague.id);

    let vm = phone.send(Event::Open(Route::Inspection(id)));
    let team = vm.team.expect("the picker on an open inspection");
    assert_eq!(team.candidates.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["张伟", "李娜", "陈新"]);
    let codes: Vec<_> = team.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, vec![ProblemCode::TooFewInspectors, ProblemCode::RecorderMissing]);
    assert_eq!(team.problems[0].message.zh, "检查人员不少于两人");
    assert_eq!(team.problems[0].message.en, "at least two inspectors are required");
    // The legal representative first, then the contact.
    let offered: Vec<_> = team.offered.iter().map(|r| (r.name.as_str(), r.phone.as_str())).collect();
    assert_eq!(offered, vec![("王建国", ""), ("李明", "13900000000")]);

    let vm = phone.send(Event::InspectorToggled { inspection: id, user: me });
    assert_eq!(vm.team.unwrap().problems[0].code, ProblemCode::TooFewInspectors, "one is not enough");
    let vm = phone.send(Event::InspectorToggled { inspection: id, user: trainee.id });
    assert!(vm.message.as_deref().is_some_and(|m| m.contains("无执法证号")), "{:?}", vm.message);
    phone.send(Event::DismissMessage);
    phone.send(Event::InspectorToggled { inspection: id, user: colleague });
    let vm = phone.send(Event::RecorderChosen { inspection: id, user: colleague });
    let team = vm.team.unwrap();
    assert_eq!(team.problems, vec![], "two certified inspectors and a recorder");
    assert!(team.candidates.iter().filter(|c| c.inspector).count() == 2);
    assert!(team.candidates.iter().any(|c| c.user == colleague && c.recorder));
    // Taken off again: the core says so at once.
    let vm = phone.send(Event::InspectorToggled { inspection: id, user: colleague });
    assert_eq!(vm.team.unwrap().problems[0].code, ProblemCode::TooFewInspectors);
    phone.send(Event::InspectorToggled { inspection: id, user: colleague });

    // The respondent is named on site, once the inspection has started.
    let vm = phone.send(Event::RespondentChosen { inspection: id, respondent: team.offered[0].clone() });
    assert!(vm.message.is_some_and(|m| m.contains("record the respondent")));
    phone.send(Event::DismissMessage);
    phone.send(Event::StartInspection(id));
    let blank = Respondent { name: "  ".into(), position: "".into(), phone: "".into() };
    let vm = phone.send(Event::RespondentChosen { inspection: id, respondent: blank });
    assert!(vm.message.is_some_and(|m| m.contains("respondent name") && m.contains("不能为空")));
    phone.send(Event::DismissMessage);
    let contact = team.offered[1].clone();
    let vm = phone.send(Event::RespondentChosen { inspection: id, respondent: contact.clone() });
    assert_eq!((vm.message, vm.team.unwrap().respondent), (None, Some(contact.clone())));
    let saved = phone.f.store.inspection(id).unwrap().unwrap();
    assert_eq!((saved.inspectors.len(), saved.respondent), (2, Some(contact)));
}

#[test]
fn navigation_and_typed_answers_live_in_the_core() {
    let mut phone = Phone::new().signed_in();
    let id = phone.hazardous_waste_draft(None);
    assert!(phone.doubles.location.watching.load(Ordering::SeqCst), "location is watched on site");
    let (inspectors, recorder) = phone.f.county.team();
    phone.f.store.set_team(id, inspectors, recorder).unwrap();
    phone.send(Event::StartInspection(id));

    // Unreadable text is named per field, in Chinese and English, and nothing is answered.
    phone.send(Event::AnswerTyped { inspection: id, item: hw("HW-15"), field: VALUE.into(), text: "twelve".into() });
    let vm = phone.send(Event::AnswerSaved { inspection: id, item: hw("HW-15") });
    let draft = vm.drafts.iter().find(|d| d.item == hw("HW-15")).unwrap();
    let problem = draft.problem.as_ref().unwrap();
    assert!(problem.zh.contains("不是数字") && problem.en.contains("not a number"), "{problem:?}");
    assert!(phone.f.store.inspection_view(id, phone.f.clock.now()).unwrap().unwrap().answers.is_empty());

    // The typed text survives leaving and coming back (a rotation never reaches the core).
    phone.send(Event::Back);
    assert_eq!(phone.send(Event::Open(Route::Inspection(id))).drafts.len(), 1);

    // Full-width digits with a Chinese comma are read; the note goes with the answer.
    phone.send(Event::AnswerTyped {
        inspection: id, item: hw("HW-15"), field: VALUE.into(), text: "１２，５".into()
    });
    phone.send(Event::NoteTyped { inspection: id, item: hw("HW-15"), text: "夜间测量".into() });
    let vm = phone.send(Event::AnswerSaved { inspection: id, item: hw("HW-15") });
    assert!(vm.drafts.iter().all(|d| d.problem.is_none() && d.field == "note"), "{:?}", vm.drafts);
    let chosen = phone.send(Event::AnswerChosen { inspection: id, item: hw("HW-01"), choice: Choice::No });
    assert_eq!(chosen.message, None);
    let view = phone.f.store.inspection_view(id, phone.f.clock.now()).unwrap().unwrap();
    let answered: Vec<_> = view.answers.iter().map(|a| (a.answer.item.code.as_str(), a.answer.value.clone())).collect();
    assert!(answered.contains(&("HW-15", AnswerValue::Number(12.5))), "{answered:?}");
    assert!(answered.contains(&("HW-01", AnswerValue::No)));

    // A choice on a typed item is the domain's refusal, shown as the message.
    let vm = phone.send(Event::AnswerChosen { inspection: id, item: hw("HW-15"), choice: Choice::Yes });
    assert!(vm.message.is_some());
    assert_eq!(phone.send(Event::DismissMessage).message, None);

    // Submitting with problems stays on the screen; back returns to the tab.
    assert_eq!(phone.send(Event::Submit(id)).route, Route::Inspection(id));
    assert_eq!(phone.send(Event::Back).route, Route::Search);
}

#[test]
fn photos_carry_their_fix_or_why_there_is_none_and_imports_stay_imports() {
    let mut phone = Phone::new().signed_in();
    let id = phone.hazardous_waste_draft(None);
    let (inspectors, recorder) = phone.f.county.team();
    phone.f.store.set_team(id, inspectors, recorder).unwrap();
    phone.send(Event::StartInspection(id));
    let target = PhotoTarget::Item { inspection: id, item: hw("HW-01") };

    // No fix yet: the photo says so, and so does the banner.
    let vm = phone.send(Event::TakePhoto { target: target.clone(), torch: true });
    assert!(vm.banners.contains(&Banner::Location(LocationReading::NoFix)), "{:?}", vm.banners);
    assert!(phone.doubles.camera.torch_asked.load(Ordering::SeqCst));
    phone.doubles.set_location(LocationReading::PermissionRefused);
    phone.send(Event::TakePhoto { target: target.clone(), torch: false });
    let fix = GeoFix::new(30.27, 120.15, 8.0).unwrap();
    phone.doubles.set_location(LocationReading::Fix { fix, at: phone.f.clock.now() });
    phone.send(Event::TakePhoto { target: target.clone(), torch: false });
    // A cancelled shutter takes nothing in.
    phone.doubles.camera.cancel_next.store(true, Ordering::SeqCst);
    phone.send(Event::TakePhoto { target: target.clone(), torch: false });
    // A library photo is kept as imported, with no fix of this phone.
    let picked = phone.f.dir.path().join("picked.jpg");
    image::RgbImage::from_fn(80, 60, |x, _| image::Rgb([x as u8, 9, 9])).save(&picked).unwrap();
    let vm = phone.send(Event::PhotoImported { target, path: picked.clone(), taken_at: phone.f.clock.now() });
    assert_eq!(vm.message, None);

    let records = phone.f.store.evidence_records(id).unwrap();
    let facts: Vec<_> =
        records.iter().map(|r| (r.meta.fix, r.meta.provenance.fix_missing, r.meta.provenance.source)).collect();
    assert_eq!(
        facts,
        vec![
            (None, Some(FixMissing::NoFix), PhotoSource::Camera),
            (None, Some(FixMissing::PermissionRefused), PhotoSource::Camera),
            (Some(fix), None, PhotoSource::Camera),
            (None, None, PhotoSource::Imported),
        ]
    );
    assert_eq!(std::fs::read_dir(phone.f.dir.path().join("camera")).unwrap().count(), 0, "camera files removed");
    assert!(picked.exists(), "the library's file is the person's, never removed");

    // A stale fix counts as none.
    phone.f.clock.advance(chrono::Duration::minutes(10));
    phone.send(Event::TakePhoto { target: PhotoTarget::Item { inspection: id, item: hw("HW-02") }, torch: false });
    let last = phone.f.store.evidence_records(id).unwrap().pop().unwrap();
    assert_eq!((last.meta.fix, last.meta.provenance.fix_missing), (None, Some(FixMissing::NoFix)));
}

#[test]
fn arrival_and_start_record_a_refused_or_missing_fix_as_such() {
    let mut phone = Phone::new().signed_in();
    let dispatched = alarm(&phone.f, AlarmState::Dispatched);
    phone.f.store.apply_pull(&page(100, vec![Record::Alarm(dispatched.clone())])).unwrap();
    phone.doubles.set_location(LocationReading::PermissionRefused);
    phone.send(Event::ArriveAtAlarm(dispatched.id));
    let id = phone.hazardous_waste_draft(Some(Origin::Alarm(dispatched.id)));
    phone.doubles.set_location(LocationReading::NoFix);
    let vm = phone.send(Event::StartInspection(id));
    assert_eq!(vm.message, None);

    let started = phone.f.store.inspection(id).unwrap().unwrap();
    assert_eq!((started.location, started.location_missing), (None, Some(FixMissing::NoFix)));
    let arrivals: Vec<_> = phone
        .f
        .store
        .pending_mutations(10)
        .unwrap()
        .into_iter()
        .filter_map(|m| match m.intent {
            Intent::AlarmArrive { location, location_missing, .. } => Some((location, location_missing)),
            _ => None,
        })
        .collect();
    assert_eq!(arrivals, vec![(None, Some(FixMissing::PermissionRefused))]);

    // A fresh fix is recorded with no reason beside it.
    let again = phone.hazardous_waste_draft(None);
    let fix = GeoFix::new(30.27, 120.15, 8.0).unwrap();
    phone.doubles.set_location(LocationReading::Fix { fix, at: phone.f.clock.now() });
    phone.send(Event::StartInspection(again));
    let started = phone.f.store.inspection(again).unwrap().unwrap();
    assert_eq!((started.location, started.location_missing), (Some(fix), None));
}

#[test]
fn unsent_photos_travel_with_the_next_step_and_sync_follows() {
    let mut phone = Phone::new().signed_in();
    let proof = task(&phone.f, TaskState::ProofSubmitted, 10);
    let on_site = alarm(&phone.f, AlarmState::Dispatched);
    let records = vec![Record::Task(proof.clone()), Record::Alarm(on_site.clone())];
    phone.f.store.apply_pull(&page(100, records)).unwrap();
    let asked = phone.doubles.syncs_asked();

    phone.send(Event::Open(Route::Task(proof.id)));
    phone.send(Event::TakePhoto { target: PhotoTarget::Task(proof.id), torch: false });
    phone.send(Event::TakePhoto { target: PhotoTarget::Task(proof.id), torch: false });
    let vm = phone.send(Event::TaskStep { task: proof.id, action: TaskAction::Accept, note: "复查合格".into() });
    assert_eq!(vm.message, None);
    let step = phone.f.store.pending_mutations(10).unwrap().pop().unwrap();
    let Intent::TaskTransition { evidence, .. } = &step.intent else { panic!("{step:?}") };
    assert_eq!(evidence.len(), 2, "both unsent photos went with the step");
    assert_eq!(phone.doubles.syncs_asked(), asked + 1);

    // The alarm: arrival with a fix, a photo, the close carries it.
    let fix = GeoFix::new(30.2, 120.1, 15.0).unwrap();
    phone.doubles.set_location(LocationReading::Fix { fix, at: phone.f.clock.now() });
    phone.send(Event::Open(Route::Alarm(on_site.id)));
    phone.send(Event::ArriveAtAlarm(on_site.id));
    phone.send(Event::TakePhoto { target: PhotoTarget::Alarm(on_site.id), torch: true });
    phone.send(Event::CloseAlarm { alarm: on_site.id, feedback: "已到现场，排口已封堵".into() });
    let closed = phone.f.store.alarm(on_site.id).unwrap().unwrap();
    assert_eq!(closed.state, AlarmState::Closed);
    let photos = phone.f.store.case_photos(Case::Alarm(on_site.id)).unwrap();
    assert!(photos.iter().all(|p| p.cited) && photos.len() == 1);
}

#[test]
fn the_network_decides_banners_and_when_to_sync() {
    let mut phone = Phone::new().signed_in();
    let asked = phone.doubles.syncs_asked();
    let vm = phone.send(Event::NetworkChanged(Network::Offline));
    assert!(vm.banners.contains(&Banner::Offline));
    assert!(Banner::Offline.text().zh.contains("离线"));
    assert_eq!(phone.doubles.syncs_asked(), asked, "nothing to do offline");
    let vm = phone.send(Event::NetworkChanged(Network::Unmetered));
    assert!(!vm.banners.contains(&Banner::Offline));
    assert_eq!(phone.doubles.syncs_asked(), asked + 1, "the network came back: sync");
    phone.send(Event::NetworkChanged(Network::Metered));
    assert_eq!(phone.doubles.syncs_asked(), asked + 1, "a switch between networks is no reason");
    phone.doubles.set_network(Network::Offline);
    let vm = phone.send(Event::Resumed);
    assert_eq!(vm.network, Network::Offline, "a resume reads the connection again");
}

#[test]
fn an_inspection_records_the_alarm_that_prompted_it() {
    let mut phone = Phone::new().signed_in();
    let alarm = alarm(&phone.f, AlarmState::OnSite);
    phone.f.store.apply_pull(&page(100, vec![Record::Alarm(alarm.clone())])).unwrap();
    let id = phone.hazardous_waste_draft(Some(Origin::Alarm(alarm.id)));
    assert_eq!(phone.f.store.inspection(id).unwrap().unwrap().origin, Some(Origin::Alarm(alarm.id)));
    let vm = phone.send(Event::CreateInspection {
        enterprise: phone.f.county.enterprises[0].id,
        kind: InspectionKind::Routine,
        checklists: vec!["no_such_checklist".into()],
        origin: None,
    });
    assert!(vm.message.unwrap().contains("检查表不存在"));
}

#[test]
fn requested_originals_show_until_sent_and_can_be_postponed() {
    let mut phone = Phone::new().signed_in();
    let proof = task(&phone.f, TaskState::ProofSubmitted, 10);
    phone.f.store.apply_pull(&page(100, vec![Record::Task(proof.clone())])).unwrap();
    phone.send(Event::TakePhoto { target: PhotoTarget::Task(proof.id), torch: false });
    let photo = phone.f.store.case_photos(Case::Task(proof.id)).unwrap().remove(0);
    assert!(phone.send(Event::Resumed).banners.is_empty());
    phone.f.store.request_original(photo.record.meta.evidence).unwrap();
    let vm = phone.send(Event::Resumed);
    assert_eq!(vm.banners, vec![Banner::OriginalsRequested { count: 1, postponed: false }]);
    let vm = phone.send(Event::PostponeOriginals(true));
    assert_eq!(vm.banners, vec![Banner::OriginalsRequested { count: 1, postponed: true }]);
    assert!(vm.banners[0].text().en.contains("postponed"));
    assert!(phone.f.store.originals_postponed().unwrap());
}

#[test]
fn the_record_is_read_back_signed_by_each_person_and_submitted_with_the_signatures() {
    use fieldcheck_core::domain::inspection::Respondent;
    use fieldcheck_core::domain::signature::{SignerRole, Stroke, StrokePoint};
    let mut phone = Phone::new().signed_in();
    let id = common::fill_small_inspection(&phone.f);
    let respondent = Respondent { name: "王五".into(), position: "安全员".into(), phone: String::new() };
    phone.f.store.set_record(id, Some(respondent), "").unwrap();
    phone.send(Event::Open(Route::Inspection(id)));
    let stroke =
        || vec![Stroke { points: vec![StrokePoint { x: 1.0, y: 1.0, t: 0 }, StrokePoint { x: 9.0, y: 5.0, t: 40 }] }];
    let sign = |role, signer: &str| Event::Signed {
        inspection: id,
        role,
        signer: signer.into(),
        width: 300.0,
        height: 100.0,
        strokes: stroke(),
    };
    let vm = phone.send(sign(SignerRole::Respondent, "王五"));
    assert!(vm.message.as_deref().unwrap_or_default().contains("宣读"), "{:?}", vm.message);
    phone.send(Event::DismissMessage);

    let vm = phone.send(Event::ReadBack(id));
    let signing = vm.signing.clone().expect("read back");
    assert!(signing.read_back.text.contains("王五"), "{}", signing.read_back.text);
    let slots = signing.slots();
    assert!(slots.iter().all(|s| !s.done) && slots.iter().any(|s| s.role == SignerRole::Respondent));
    let mut vm = vm;
    for slot in &slots {
        vm = phone.send(sign(slot.role, &slot.name));
        assert_eq!(vm.message, None);
    }
    assert!(vm.signing.expect("signing").slots().iter().all(|s| s.done));
    let vm = phone.send(Event::Submit(id));
    assert_eq!(vm.message, None);
    assert_ne!(vm.route, Route::Inspection(id));
    assert!(vm.signing.is_none());
}
