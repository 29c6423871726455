//! An inspection's photos on its screen, through the FFI on a real SQLite file: each item carries its
//! own photos with thumbnails (read in one query for the screen) and a finding carries its own.

use fieldcheck_core::app::at_rest;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::geo::FixMissing;
use fieldcheck_core::domain::ids::InspectionId;
use fieldcheck_core::domain::inspection::InspectionKind;
use fieldcheck_ffi::testing::{DemoUser, seed_demo_county};
use fieldcheck_ffi::*;
use std::path::{Path, PathBuf};

const CHECKLIST: &str = "emergency_preparedness";

fn jpeg(dir: &Path, name: &str, shade: u8) -> String {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, shade]));
    let path: PathBuf = dir.join(name);
    img.save_with_format(&path, image::ImageFormat::Jpeg).unwrap();
    path.display().to_string()
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

fn item<'a>(screen: &'a InspectionScreen, code: &str) -> &'a ItemProgress {
    screen.checklists[0].items.iter().find(|i| i.code == code).unwrap()
}

#[test]
fn each_item_and_finding_shows_its_own_photos() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().join("d").display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Officer).unwrap();
    let inspections = client.inspections();
    let draft = inspections.create(county.enterprises[0], InspectionKind::Routine, vec![CHECKLIST.into()]).unwrap();
    inspections.start(draft.id, None).unwrap();
    // Started through the SDK with no fix: recorded as no fix (无定位), never a silent blank.
    let store = fieldcheck_core::store::Store::open(dir.path().join("d").join(at_rest::DATABASE_FILE)).unwrap();
    let started = store.inspection(InspectionId(draft.id)).unwrap().unwrap();
    assert_eq!((started.location, started.location_missing), (None, Some(FixMissing::NoFix)));

    let attach = |code: &str, name: &str, shade: u8| {
        let path = jpeg(dir.path(), name, shade);
        block_on(inspections.attach_photo(draft.id, CHECKLIST.into(), code.into(), path, chrono::Utc::now(), None))
            .unwrap()
    };
    let first = attach("EM-01", "a.jpg", 10);
    let second = attach("EM-01", "b.jpg", 120);
    let other = attach("EM-02", "c.jpg", 240);

    let finding = inspections
        .add_finding(FindingInput {
            inspection: draft.id,
            template_id: Some(CHECKLIST.into()),
            item_code: Some("EM-02".into()),
            severity: Severity::General,
            description: "应急预案未备案".into(),
            legal_basis: vec![],
            deadline_days: Some(15),
        })
        .unwrap();
    assert!(finding.photos.is_empty());
    let path = jpeg(dir.path(), "f.jpg", 60);
    let of_finding =
        block_on(inspections.attach_finding_photo(draft.id, finding.id, path, chrono::Utc::now(), None)).unwrap();

    let screen = inspections.screen(draft.id).unwrap();
    let em01 = item(&screen, "EM-01");
    assert_eq!(em01.photos, vec![first.clone(), second.clone()], "capture order, same views as attach returned");
    assert_eq!(em01.photo_count, 2);
    assert_eq!(item(&screen, "EM-02").photos, vec![other.clone()]);
    assert_eq!(item(&screen, "EM-02").photo_count, 1, "the finding's photo is not the item's");
    assert!(item(&screen, "EM-03").photos.is_empty());
    for photo in [&first, &second, &other, &of_finding] {
        assert!(Path::new(&photo.thumbnail_path).is_file(), "thumbnail on disk: {}", photo.thumbnail_path);
        assert!(!photo.sent);
    }
    assert_ne!(first.thumbnail_path, second.thumbnail_path, "different photos, different thumbnails");
    let shown = screen.findings.iter().find(|f| f.id == finding.id).unwrap();
    assert_eq!(shown.photos, vec![of_finding.clone()]);

    // A photo for a finding the inspection does not have is refused, and nothing is attached.
    let path = jpeg(dir.path(), "g.jpg", 30);
    let refused =
        block_on(inspections.attach_finding_photo(draft.id, uuid::Uuid::now_v7(), path, chrono::Utc::now(), None));
    assert!(matches!(refused, Err(FieldcheckError::NotFound(_))), "{refused:?}");
    let again = inspections.screen(draft.id).unwrap();
    assert_eq!(again.findings.iter().map(|f| f.photos.len()).sum::<usize>(), 1);

    // Editing a finding keeps its photos (the photos field of the edit is ignored).
    inspections
        .edit_finding(FindingView { description: "应急预案未报备".into(), photos: vec![], ..shown.clone() })
        .unwrap();
    let edited = inspections.screen(draft.id).unwrap();
    assert_eq!(edited.findings.iter().find(|f| f.id == finding.id).unwrap().photos, vec![of_finding]);
}
