//! Remote wipe against a live platform: the command centre orders an encrypted phone wiped (an officer
//! or an enterprise may not); on its next sync the phone pushes what it still holds, uploads the photos
//! its network allows, reports, erases its database and photo folder, and the app core deletes the keys
//! and signs out. The device's audit trail says what was sent and what was lost; its token is revoked.

use crate::phone;

use fieldcheck_core::app::at_rest::{DATABASE_KEY, PHOTO_FOLDER, PHOTO_KEY, open_device};
use fieldcheck_core::app::capabilities::SecureStorage;
use fieldcheck_core::app::doubles::Doubles;
use fieldcheck_core::app::wipe_report::{PendingWipeReport, WIPE_REPORT_KEY, deliver};
use fieldcheck_core::app::{App, DEVICE_KEY, Event, Route, TOKEN_KEY, WIPED_MESSAGE};
use fieldcheck_core::evidence::upload::{BlobRole, Network};
use fieldcheck_core::sync::{Backoff, SyncClient, SyncError, SyncOptions, UploadPolicy};
use fieldcheck_e2e::{Device, PASSWORD};
use phone::{Phone, Scene, policy, runtime};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

/// An encrypted phone running the app core (keys in test secure storage), signed in as officer1 at
/// `url` and synced once.
fn encrypted_phone(
    rt: &tokio::runtime::Runtime,
    home: &Path,
    url: &str,
    options: SyncOptions,
) -> (Phone, App, Doubles) {
    let doubles = Doubles::new(home);
    let (store, ingestor) = open_device(home, doubles.secure_storage.as_ref()).expect("open encrypted");
    let client = SyncClient::new(url, options).expect("client").with_uploads(ingestor.blobs().clone(), policy());
    let mut phone = Phone { store, ingestor, client, dir: home.to_path_buf() };
    let mut app = App::new(doubles.capabilities());
    app.handle(&phone.store, &phone.ingestor, Event::Started);
    rt.block_on(phone.client.login(&phone.store, "officer1", PASSWORD)).expect("login");
    let token = phone.client.token().expect("token").to_string();
    app.handle(&phone.store, &phone.ingestor, Event::SignedIn { platform_url: url.into(), token });
    rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("first sync");
    (phone, app, doubles)
}

#[test]
fn a_wiped_phone_sends_what_it_can_erases_everything_and_the_audit_says_what_was_lost() {
    let Scene { storage: _storage, platform, commander, world: _, by, partner, enterprise, home } = Scene::start();
    let rt = runtime();

    let (mut phone, mut app, doubles) = encrypted_phone(&rt, home.path(), &platform.url, SyncOptions::default());
    let storage = doubles.secure_storage.clone();
    let device = phone.store.device_id().expect("device").to_string();
    let database_key = storage.load(DATABASE_KEY).expect("database key");
    let device_key = storage.load(DEVICE_KEY).expect("device signing key");

    // One inspection sent whole; a second submitted while uploads cannot go (the network is down for
    // them), so its photo files are what a wipe will lose.
    let sent_id = phone.inspect_with_photos(&enterprise, &[&by, &partner], 1);
    rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("sync");
    phone.client.set_upload_policy(UploadPolicy { network: Network::Offline, ..policy() });
    let kept_id = phone.inspect_with_photos(&enterprise, &[&by, &partner], 50);
    let photos_left =
        phone.store.pending_blobs().expect("pending").iter().filter(|p| p.role != BlobRole::Thumbnail).count();
    assert!(photos_left >= 2, "the second inspection's renditions and originals wait");
    assert!(files_under(&home.path().join(PHOTO_FOLDER)) > 0);

    // Who may order it: the command centre only.
    let wipe = format!("/v1/devices/{device}/wipe");
    for login in ["officer1", "enterprise1"] {
        let (status, body) = Device::login(&platform, login).post_json(&wipe, serde_json::json!({}));
        assert_eq!(status, 403, "{login} may not order a wipe: {body}");
    }
    let (status, body) =
        commander.post_json(&format!("/v1/devices/{}/wipe", uuid::Uuid::now_v7()), serde_json::json!({}));
    assert_eq!(status, 404, "no such device: {body}");
    let (status, order) = commander.post_json(&wipe, serde_json::json!({}));
    assert_eq!(status, 202, "{order}");
    let (status, again) = commander.post_json(&wipe, serde_json::json!({}));
    assert_eq!((status, &again["ordered_at"]), (200, &order["ordered_at"]), "ordering again answers the order");

    // The next contact: the phone sends what it can, reports, erases.
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("the wiping sync");
    let report = progress.wiped.expect("wiped");
    assert!(progress.wipe_reported, "the platform took the report");
    assert_eq!(report.sent.changes, 1, "the second inspection went first: {report:?}");
    assert_eq!(report.lost.changes, 0);
    assert_eq!(report.lost.photos, photos_left as u64, "{report:?}");
    let vm = app.handle(&phone.store, &phone.ingestor, Event::Wiped { unsent_report: None });
    assert_eq!(vm.route, Route::SignIn);
    assert_eq!(vm.message.as_deref(), Some(WIPED_MESSAGE));

    // Nothing left: no record, no photo, no token; new keys (at rest, signing) for what comes next.
    assert!(phone.store.session().expect("session").is_none());
    for table in ["inspections", "evidence_records", "outbox", "enterprises", "users", "tasks", "alarms"] {
        let n: i64 = phone
            .store
            .read(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
            .expect("count");
        assert_eq!(n, 0, "{table} is empty");
    }
    assert_eq!(files_under(&home.path().join(PHOTO_FOLDER)), 0, "no photo file");
    assert!(storage.load(TOKEN_KEY).is_none(), "the token is deleted");
    assert!(storage.load(WIPE_REPORT_KEY).is_none(), "a delivered report is not kept");
    assert_ne!(storage.load(DEVICE_KEY).expect("a new signing key"), device_key);
    assert_ne!(storage.load(DATABASE_KEY).expect("a new database key"), database_key);
    assert!(storage.load(PHOTO_KEY).is_some());
    drop(phone.store);
    let (reopened, _) = open_device(home.path(), storage.as_ref()).expect("reopens under the new key");
    assert!(reopened.session().expect("session").is_none());
    phone.store = reopened;

    // The platform: the sent inspection and the one sent during the wipe are there; the audit says
    // what was sent and lost; the device's token no longer works.
    for id in [sent_id, kept_id] {
        let (status, _) = commander.get_json(&format!("/v1/inspections/{id}/photos"));
        assert_eq!(status, 200, "inspection {id} reached the platform");
    }
    let (status, trail) = commander.get_json(&format!("/v1/audit/device/{device}"));
    assert_eq!(status, 200, "{trail}");
    let actions: Vec<&str> =
        trail.as_array().expect("rows").iter().map(|r| r["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, ["wipe_ordered", "wiped"], "{trail}");
    let note = trail[1]["note"].as_str().expect("note");
    let expected = format!("lost 0 changes and {photos_left} photo files");
    assert!(note.contains("sent 1 changes") && note.contains(&expected), "{note}");
    let (status, order) = commander.post_json(&wipe, serde_json::json!({}));
    assert_eq!(status, 200);
    assert_eq!(order["report"]["lost"]["photos"], photos_left as u64);
    let after = rt.block_on(phone.client.sync(&phone.store, &mut |_| {}));
    assert!(matches!(after, Err(SyncError::Unauthorized(_))), "the wiped device's token is revoked: {after:?}");
}

/// A loopback proxy in front of the platform that, while `cutting`, drops every connection on which a
/// wipe report begins (the phone sees a network failure); everything else goes through.
struct ReportCutter {
    url: String,
    cutting: Arc<AtomicBool>,
    cut: Arc<AtomicUsize>,
}

impl ReportCutter {
    fn start(upstream: &str) -> ReportCutter {
        let target = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (cutting, cut) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicUsize::new(0)));
        let (on, count) = (cutting.clone(), cut.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let (on, count) = (on.clone(), count.clone());
                let (mut from_client, mut to_server) =
                    (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                let (mut from_server, mut to_client) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                    let _ = to_client.shutdown(Shutdown::Both);
                });
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8 * 1024];
                    while let Ok(n) = from_client.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        if on.load(Ordering::SeqCst) && buf[..n].starts_with(b"POST /v1/sync/wiped") {
                            count.fetch_add(1, Ordering::SeqCst);
                            let _ = from_client.shutdown(Shutdown::Both);
                            break;
                        }
                        if to_server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown(Shutdown::Both);
                });
            }
        });
        ReportCutter { url, cutting, cut }
    }
}

#[test]
fn a_report_the_platform_missed_is_kept_alone_and_taken_once_on_the_next_contact_even_after_revocation() {
    let Scene { storage: _storage, platform, commander, home, .. } = Scene::start();
    let rt = runtime();
    let cutter = ReportCutter::start(&platform.url);
    let backoff = Backoff { attempts: 3, base: Duration::from_millis(10), max: Duration::from_millis(50) };
    let options = SyncOptions { backoff, ..SyncOptions::default() };
    let (phone, mut app, doubles) = encrypted_phone(&rt, home.path(), &cutter.url, options);
    let storage = doubles.secure_storage.clone();
    let device = phone.store.device_id().expect("device").to_string();
    let (status, order) = commander.post_json(&format!("/v1/devices/{device}/wipe"), serde_json::json!({}));
    assert_eq!(status, 202, "{order}");

    // The report cannot get through: retried (bounded), then the phone erases itself all the same.
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("the wiping sync");
    let report = progress.wiped.clone().expect("wiped");
    assert!(!progress.wipe_reported);
    assert_eq!(cutter.cut.load(Ordering::SeqCst), 3, "three attempts, then given up");
    let vm = app.handle(&phone.store, &phone.ingestor, Event::Wiped { unsent_report: Some(report.clone()) });
    assert_eq!(vm.route, Route::SignIn);
    assert!(phone.store.session().expect("session").is_none(), "erased");
    assert!(storage.load(TOKEN_KEY).is_none() && storage.load(DEVICE_KEY).is_some());
    let kept = PendingWipeReport::load(storage.as_ref()).expect("the report is kept");
    assert_eq!((&kept.report, kept.platform_url.as_str()), (&report, cutter.url.as_str()));
    let trail = |commander: &Device| {
        let (status, trail) = commander.get_json(&format!("/v1/audit/device/{device}"));
        assert_eq!(status, 200, "{trail}");
        trail
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["action"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(trail(&commander), ["wipe_ordered"], "the platform has no report yet");

    // Meanwhile the command centre revokes the lost phone; the next contact still delivers the report.
    let (status, body) = commander.post_json(&format!("/v1/devices/{device}/revoke"), serde_json::json!({}));
    assert_eq!(status, 204, "{body}");
    cutter.cutting.store(false, Ordering::SeqCst);
    assert!(rt.block_on(deliver(storage.as_ref())).expect("delivered"), "sent on the next contact");
    assert!(storage.load(WIPE_REPORT_KEY).is_none(), "forgotten once delivered");
    assert!(!rt.block_on(deliver(storage.as_ref())).expect("nothing to send"));
    let actions = trail(&commander);
    assert_eq!(actions.iter().filter(|a| *a == "wiped").count(), 1, "{actions:?}");
    let (_, order) = commander.post_json(&format!("/v1/devices/{device}/wipe"), serde_json::json!({}));
    assert_eq!(order["report"]["sent"]["changes"], report.sent.changes, "{order}");

    // Sent again (a phone that lost the answer): taken once, answered the same.
    kept.save(storage.as_ref());
    assert!(rt.block_on(deliver(storage.as_ref())).expect("answered again"));
    assert_eq!(trail(&commander).iter().filter(|a| *a == "wiped").count(), 1, "still one report");
    // The revoked token does nothing else.
    let after = rt.block_on(
        SyncClient::new(&platform.url, SyncOptions::default())
            .expect("client")
            .with_token(kept.token)
            .sync(&phone.store, &mut |_| {}),
    );
    assert!(matches!(after, Err(SyncError::Unauthorized(_))), "{after:?}");
}

#[test]
fn a_phone_revoked_before_it_learned_of_its_wipe_still_learns_it_and_reports() {
    let Scene { storage: _storage, platform, commander, by, partner, enterprise, home, .. } = Scene::start();
    let rt = runtime();
    let (phone, mut app, _doubles) = encrypted_phone(&rt, home.path(), &platform.url, SyncOptions::default());
    let device = phone.store.device_id().expect("device").to_string();
    // Made offline, so the push that follows the revocation is refused (401) before the pull.
    phone.inspect_with_photos(&enterprise, &[&by, &partner], 1);

    // The phone is lost: the command centre signs it out first, then orders the wipe.
    let (status, body) = commander.post_json(&format!("/v1/devices/{device}/revoke"), serde_json::json!({}));
    assert_eq!(status, 204, "{body}");
    let (status, order) = commander.post_json(&format!("/v1/devices/{device}/wipe"), serde_json::json!({}));
    assert_eq!(status, 202, "{order}");

    // Its next contact: the push is refused, the pull answers the wipe; nothing was sent, all is erased.
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("the wiping sync");
    let report = progress.wiped.expect("wiped");
    assert!(progress.wipe_reported, "the report is taken from the revoked token");
    assert_eq!((report.sent.changes, report.lost.changes), (0, 1), "{report:?}");
    let vm = app.handle(&phone.store, &phone.ingestor, Event::Wiped { unsent_report: None });
    assert_eq!(vm.route, Route::SignIn);
    assert!(phone.store.session().expect("session").is_none(), "erased");

    // Reported: the revoked token hears nothing more, not even the wipe.
    let (_, order) = commander.post_json(&format!("/v1/devices/{device}/wipe"), serde_json::json!({}));
    assert_eq!(order["report"]["lost"]["changes"], 1, "{order}");
    let after = rt.block_on(phone.client.sync(&phone.store, &mut |_| {}));
    assert!(matches!(after, Err(SyncError::Unauthorized(_))), "{after:?}");
}
