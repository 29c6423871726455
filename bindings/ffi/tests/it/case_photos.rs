//! Task and alarm photos through the FFI on a real SQLite file: taken in off the caller's thread, shown
//! on the task screen and the alarm with thumbnails, cited by the next step; rows carry names; the sync
//! line counts the outbox; a foreign signer with a bad key is refused.

use fieldcheck_core::domain::alarm::AlarmAction;
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::evidence::upload::{Network, OriginalPolicy};
use fieldcheck_ffi::testing::{DemoUser, seed_demo_county};
use fieldcheck_ffi::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn jpeg(dir: &Path, name: &str) -> String {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let path: PathBuf = dir.join(name);
    img.save_with_format(&path, image::ImageFormat::Jpeg).unwrap();
    path.display().to_string()
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

#[test]
fn a_proof_photo_shows_on_the_task_and_goes_with_the_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Enterprise).unwrap();
    let tasks = client.tasks();
    let row = tasks.list(vec![], None).unwrap().remove(0);
    assert_eq!(row.enterprise_name.as_deref(), Some("永康市恒达五金制品有限公司"));
    assert_eq!(row.township_name.as_deref(), Some("东城街道"));
    assert_eq!(row.thumbnail_path, None);

    tasks.transition(county.task, TaskAction::Acknowledge, "已签收".into(), vec![]).unwrap();
    let photo =
        block_on(tasks.attach_proof_photo(county.task, jpeg(dir.path(), "p.jpg"), chrono::Utc::now(), None)).unwrap();
    assert!(Path::new(&photo.thumbnail_path).exists());
    assert!(!photo.sent);
    assert_eq!(tasks.list(vec![], None).unwrap()[0].thumbnail_path.as_deref(), Some(photo.thumbnail_path.as_str()));

    let refused = tasks.transition(county.task, TaskAction::SubmitProof, String::new(), vec![uuid::Uuid::now_v7()]);
    assert!(matches!(refused, Err(FieldcheckError::NotFound(_))), "{refused:?}");
    let proof = tasks.transition(county.task, TaskAction::SubmitProof, "已设置".into(), vec![photo.evidence]).unwrap();
    assert_eq!(proof.state, TaskState::ProofSubmitted);
    let screen = tasks.screen(county.task).unwrap();
    assert_eq!(screen.timeline.last().unwrap().evidence, vec![photo.evidence]);
    assert_eq!(screen.photos.iter().map(|p| (p.evidence, p.sent)).collect::<Vec<_>>(), vec![(photo.evidence, true)]);

    let status = client.sync_status();
    assert_eq!((status.pending_changes, status.needs_attention, status.clock_skew_ms), (2, 0, None));
    assert!(client.needs_attention().unwrap().is_empty());
    assert!(!client.dismiss_attention(1).unwrap());

    // Not a photo: refused with the core's message, and nothing is attached.
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "not a photo").unwrap();
    let refused = block_on(tasks.attach_proof_photo(county.task, text.display().to_string(), chrono::Utc::now(), None));
    assert!(matches!(refused, Err(FieldcheckError::InvalidInput(_))), "{refused:?}");
    assert_eq!(tasks.screen(county.task).unwrap().photos.len(), 1);
}

#[test]
fn an_alarm_photo_shows_on_the_alarm_and_goes_with_the_close() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Officer).unwrap();
    let alarms = client.alarms();
    assert_eq!(alarms.get(county.alarm).unwrap().enterprise_name.as_deref(), Some("永康市绿源电镀有限公司"));
    assert_eq!(client.today().unwrap().alarms[0].township_name.as_deref(), Some("西城街道"));
    assert_eq!(alarms.get(county.alarm).unwrap().actions, vec![AlarmAction::Arrive], "the core offers the buttons");
    assert_eq!(alarms.arrive(county.alarm, None).unwrap().actions, vec![AlarmAction::Close]);
    let photo =
        block_on(alarms.attach_photo(county.alarm, jpeg(dir.path(), "a.jpg"), chrono::Utc::now(), None)).unwrap();
    assert_eq!(alarms.get(county.alarm).unwrap().photos, vec![photo.clone()]);
    let closed = alarms.close(county.alarm, "现场核查：已停产整改".into(), vec![photo.evidence]).unwrap();
    assert!(closed.photos.iter().all(|p| p.sent));
    assert!(closed.actions.is_empty(), "nothing left to do");
}

struct BadKey;

impl DeviceSigner for BadKey {
    fn public_key(&self) -> Vec<u8> {
        vec![7; 65]
    }

    fn sign(&self, _message: Vec<u8>) -> Result<Vec<u8>, FieldcheckError> {
        Ok(Vec::new())
    }
}

#[test]
fn a_signer_whose_key_is_not_a_p256_point_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().display().to_string()).unwrap();
    let before = client.device_public_key().unwrap();
    assert!(matches!(client.set_signer(Arc::new(BadKey)), Err(FieldcheckError::InvalidInput(_))));
    assert_eq!(client.device_public_key().unwrap(), before, "the software key stays");
}

#[test]
fn the_originals_upload_choice_is_kept_across_launches() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().display().to_string();
    let client = FieldcheckClient::open(folder.clone()).unwrap();
    assert_eq!(client.originals_policy().unwrap(), OriginalPolicy::WifiOnly);
    client.set_upload_policy(OriginalPolicy::Immediately, Network::Unmetered).unwrap();
    drop(client);
    assert_eq!(FieldcheckClient::open(folder).unwrap().originals_policy().unwrap(), OriginalPolicy::Immediately);
}

#[test]
fn watermarks_are_a_kept_setting_drawn_in_the_apps_font() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Enterprise).unwrap();
    let tasks = client.tasks();
    let photo = |name: &str| {
        let path = dir.path().join(name);
        image::RgbImage::from_fn(1200, 900, |x, y| image::Rgb([(x / 5) as u8, (y / 4) as u8, 90]))
            .save_with_format(&path, image::ImageFormat::Jpeg)
            .unwrap();
        block_on(tasks.attach_proof_photo(county.task, path.display().to_string(), chrono::Utc::now(), None)).unwrap()
    };
    assert!(!client.watermarks_on().unwrap());
    client.set_watermark(true).unwrap();
    assert!(client.watermarks_on().unwrap());

    // Without a font the enterprise's Chinese name cannot be drawn, and the view says so.
    assert!(!photo("a.jpg").watermark_missing_glyphs.is_empty());
    let missing = client.set_watermark_font(dir.path().join("none.ttf").display().to_string(), 0);
    assert!(missing.is_err(), "{missing:?}");
    // Debian's fonts-wqy-microhei, which scripts/test.sh installs (as Android's /system/fonts would hold one).
    let font = std::env::var("FIELDCHECK_TEST_CJK_FONT")
        .unwrap_or_else(|_| "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into());
    assert!(
        Path::new(&font).exists(),
        "no CJK font at {font}: install fonts-wqy-microhei or set FIELDCHECK_TEST_CJK_FONT"
    );
    client.set_watermark_font(font, 0).unwrap();
    assert_eq!(photo("b.jpg").watermark_missing_glyphs, "");

    // Kept with the device's data across a restart (the font is set again at each launch).
    drop(tasks);
    drop(client);
    let reopened = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    assert!(reopened.watermarks_on().unwrap());
    reopened.set_watermark(false).unwrap();
    assert!(!reopened.watermarks_on().unwrap());
}
