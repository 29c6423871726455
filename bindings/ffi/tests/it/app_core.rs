//! `AppCore` through the FFI types on a real SQLite file, with capabilities implemented here the way
//! an app implements them (callback interfaces): a restart resumes from secure storage, an alarm is
//! answered with a fix and a photo from the in-app camera, an inspection records the alarm that
//! prompted it, typed answers are refused per field, a library photo shows as imported; an order is
//! printed on the phone and handed to the share sheet.

use chrono::Utc;
use fieldcheck_core::domain::alarm::AlarmState;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::inspection::InspectionKind;
use fieldcheck_core::evidence::upload::Network;
use fieldcheck_ffi::testing::{DemoUser, seed_demo_county};
use fieldcheck_ffi::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Gps(Mutex<LocationReading>);
impl LocationProvider for Gps {
    fn current(&self) -> LocationReading {
        self.0.lock().unwrap().clone()
    }
    fn watch(&self, _on: bool) {}
}

struct Lens(PathBuf, AtomicUsize);
impl CameraDevice for Lens {
    fn capture(&self, _torch: bool) -> Option<Shot> {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        let path = self.0.join(format!("shot{n}.jpg"));
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, n as u8]));
        img.save_with_format(&path, image::ImageFormat::Jpeg).unwrap();
        Some(Shot { path: path.display().to_string(), taken_at: Utc::now() })
    }
}

#[derive(Default)]
struct Keychain(Mutex<HashMap<String, Vec<u8>>>);
impl SecureStore for Keychain {
    fn load(&self, key: String) -> Option<Vec<u8>> {
        self.0.lock().unwrap().get(&key).cloned()
    }
    fn save(&self, key: String, value: Vec<u8>) {
        self.0.lock().unwrap().insert(key, value);
    }
    fn delete(&self, key: String) {
        self.0.lock().unwrap().remove(&key);
    }
}

#[derive(Default)]
struct Work(AtomicUsize);
impl BackgroundScheduler for Work {
    fn schedule_periodic_sync(&self, _minutes: u32) {}
    fn sync_soon(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn cancel_all(&self) {}
}

struct Net;
impl ConnectivityMonitor for Net {
    fn current(&self) -> Network {
        Network::Metered
    }
}

#[test]
fn an_alarm_answered_and_an_inspection_begun_through_the_app_core() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Officer).unwrap();
    let keychain = Arc::new(Keychain::default());
    keychain.save("platform_url".into(), b"http://127.0.0.1:9".to_vec());
    keychain.save("token".into(), b"kept-token".to_vec());
    let fix = GeoFix { lat: 28.9, lon: 120.0, accuracy_m: 6.0 };
    let gps = Arc::new(Gps(Mutex::new(LocationReading::Fix { fix, at: Utc::now() })));
    let work = Arc::new(Work::default());
    let camera = dir.path().join("camera");
    std::fs::create_dir_all(&camera).unwrap();
    let core = AppCore::new(
        client.clone(),
        gps.clone(),
        Arc::new(Lens(camera, AtomicUsize::new(0))),
        keychain.clone(),
        work.clone(),
        Arc::new(Net),
    );

    // A restart: the session comes back from the keychain, no sign-in.
    let vm = core.start().unwrap();
    assert_eq!(vm.route, AppRoute::Today);
    let ScreenData::Today { today } = vm.screen else { panic!("{:?}", vm.screen) };
    assert!(today.alarms.iter().any(|a| a.id == county.alarm));
    assert_eq!(vm.user.unwrap().id, county.officer);

    // The alarm: arrival with the fix, a photo from the in-app camera, the close carries it.
    core.handle(AppEvent::Open { route: AppRoute::Alarm { id: county.alarm } });
    core.handle(AppEvent::ArriveAtAlarm { id: county.alarm });
    let vm = core.handle(AppEvent::TakePhoto { target: PhotoFor::Alarm { id: county.alarm }, torch: true });
    let ScreenData::Alarm { alarm } = vm.screen else { panic!("{:?}", vm.screen) };
    assert_eq!((alarm.state, alarm.photos.len(), alarm.photos[0].imported), (AlarmState::OnSite, 1, false));
    let asked = work.0.load(Ordering::SeqCst);
    let vm = core.handle(AppEvent::CloseAlarm { id: county.alarm, feedback: "排口已封堵".into() });
    let ScreenData::Alarm { alarm } = vm.screen else { panic!("{:?}", vm.screen) };
    assert_eq!((alarm.state, alarm.photos[0].sent), (AlarmState::Closed, true));
    assert_eq!(work.0.load(Ordering::SeqCst), asked + 1, "a sync is asked after the close");

    // An inspection prompted by the alarm, from the search tab.
    core.handle(AppEvent::Open { route: AppRoute::Search });
    let vm = core.handle(AppEvent::SearchTyped { query: "恒达".into() });
    let ScreenData::Search { results, templates } = vm.screen else { panic!() };
    assert!(!results.is_empty() && !templates.is_empty());
    let vm = core.handle(AppEvent::CreateInspection {
        enterprise: results[0].id,
        kind: InspectionKind::AlarmResponse,
        checklists: vec!["hazardous_waste_storage".into()],
        origin: Some(InspectionOrigin::Alarm { id: county.alarm }),
    });
    let AppRoute::Inspection { id } = vm.route else { panic!("{vm:?}") };
    assert!(vm.can_go_back);
    core.handle(AppEvent::StartInspection { id });
    let item = |code: &str| ("hazardous_waste_storage".to_string(), code.to_string());
    let (template_id, item_code) = item("HW-15");
    core.handle(AppEvent::AnswerTyped {
        inspection: id,
        template_id: template_id.clone(),
        item_code: item_code.clone(),
        field: "value".into(),
        text: "abc".into(),
    });
    let vm = core.handle(AppEvent::AnswerSaved { inspection: id, template_id, item_code });
    let problem = vm.drafts[0].problem.clone().unwrap();
    assert!(problem.zh.contains("不是数字"), "{problem:?}");

    // A library photo is shown as imported.
    let picked = dir.path().join("picked.jpg");
    image::RgbImage::from_fn(64, 48, |x, _| image::Rgb([x as u8, 1, 2])).save(&picked).unwrap();
    let (template_id, item_code) = item("HW-01");
    let target = PhotoFor::Item { inspection: id, template_id, item_code };
    let vm = core.handle(AppEvent::PhotoImported { target, path: picked.display().to_string(), taken_at: Utc::now() });
    let ScreenData::Inspection { screen } = vm.screen else { panic!("{:?}", vm.screen) };
    let photos: Vec<_> = screen.checklists.iter().flat_map(|c| &c.items).flat_map(|i| &i.photos).collect();
    assert_eq!(photos.len(), 1);
    assert!(photos[0].imported);

    // The picked answer is marked as chosen on its item.
    let (template_id, item_code) = item("HW-01");
    let vm = core.handle(AppEvent::AnswerChosen { inspection: id, template_id, item_code, choice: AnswerChoice::No });
    let ScreenData::Inspection { screen } = vm.screen else { panic!("{:?}", vm.screen) };
    let hw01 = screen.checklists.iter().flat_map(|c| &c.items).find(|i| i.code == "HW-01").unwrap();
    assert_eq!(hw01.chosen, Some(AnswerChoice::No), "{hw01:?}");

    // No fix: the banner says so.
    *gps.0.lock().unwrap() = LocationReading::PermissionRefused;
    let (template_id, item_code) = item("HW-02");
    let vm = core.handle(AppEvent::TakePhoto {
        target: PhotoFor::Item { inspection: id, template_id, item_code },
        torch: false,
    });
    assert!(vm.banners.iter().any(|b| b.kind == BannerKind::LocationRefused), "{:?}", vm.banners);
}

/// The app's share sheet as a test double: it keeps what it was handed.
#[derive(Default)]
struct ShareSheet(Mutex<Vec<(String, String)>>);
impl DocumentSharer for ShareSheet {
    fn share(&self, path: String, mime_type: String, _title: String) {
        self.0.lock().unwrap().push((path, mime_type));
    }
}

#[test]
fn an_order_is_printed_on_the_phone_and_handed_to_the_share_sheet() {
    const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
    if !std::path::Path::new(FONT).exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{FONT} is missing (scripts/test.sh installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Officer).unwrap();
    let core = AppCore::new(
        client,
        Arc::new(Gps(Mutex::new(LocationReading::NoFix))),
        Arc::new(Lens(dir.path().join("camera"), AtomicUsize::new(0))),
        Arc::new(Keychain::default()),
        Arc::new(Work::default()),
        Arc::new(Net),
    );
    let sheet = Arc::new(ShareSheet::default());
    core.set_document_sharer(sheet.clone());
    let vm = core.handle(AppEvent::OpenDocument { document: DocumentKind::Order { task: county.task } });
    assert!(vm.message.is_some(), "no font yet: refused with a message");
    let printed = dir.path().join("documents");
    core.set_document_printing(FONT.into(), 0, printed.display().to_string()).unwrap();
    let vm = core.handle(AppEvent::OpenDocument { document: DocumentKind::Order { task: county.task } });
    let document = vm.document.expect("the printed order");
    assert!(std::fs::read(&document.path).unwrap().starts_with(b"%PDF-"));
    assert_eq!(document.kind, DocumentKind::Order { task: county.task });
    core.handle(AppEvent::ShareDocument);
    assert_eq!(sheet.0.lock().unwrap().as_slice(), &[(document.path, "application/pdf".to_string())]);
}
