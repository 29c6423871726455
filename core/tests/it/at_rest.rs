//! Encrypted at rest: a database file and the photo files taken from a phone's data folder are
//! unreadable without the keys kept in secure storage (plain SQLite — Python's `sqlite3` and an unkeyed
//! connection — and an image decoder fail), read with them, and hash to the same plain bytes the
//! evidence chain covers. Data an earlier version kept in clear is encrypted in place; a wipe leaves no
//! record and no photo.

use crate::common;

use common::*;
use fieldcheck_core::app::at_rest::{AtRestKeys, DATABASE_FILE, DATABASE_KEY, PHOTO_FOLDER, PHOTO_KEY, open_device};
use fieldcheck_core::app::capabilities::SecureStorage;
use fieldcheck_core::app::doubles::MemorySecureStorage;
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::{BlobStore, Case, Digest, EvidenceRecord, Ingestor, Limits, Subject};
use fieldcheck_core::store::{Capture, Store, in_clear};
use std::path::{Path, PathBuf};
use std::process::Command;

fn jpeg(dir: &Path, seed: u8) -> PathBuf {
    let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let path = dir.join(format!("shot{seed}.jpg"));
    img.save_with_format(&path, image::ImageFormat::Jpeg).unwrap();
    path
}

/// Every file under the phone's photo folder.
fn photo_files(data: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![data.join(PHOTO_FOLDER)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { dirs.push(path) } else { out.push(path) }
        }
    }
    out
}

/// Signs the county's officer in and takes one photo on an inspection item.
fn fill(store: &Store, ingestor: &Ingestor, dir: &Path) -> EvidenceRecord {
    let county = county();
    store.apply_pull(&county.page(1)).unwrap();
    store.sign_in(&county.officer).unwrap();
    let hw = fieldcheck_core::checklists::bundled().into_iter().find(|t| t.id == "hazardous_waste_storage").unwrap();
    let draft = store
        .create_inspection(&fieldcheck_core::store::NewInspection {
            enterprise: county.enterprises[0].id,
            kind: fieldcheck_core::domain::inspection::InspectionKind::Routine,
            checklists: vec![hw.reference()],
            origin: None,
        })
        .unwrap();
    store.start_inspection(draft.id, store.now(), None, None).unwrap();
    let item = ItemRef { template: hw.id.clone(), code: hw.items[0].code.clone() };
    let capture =
        Capture { case: Case::Inspection(draft.id), subject: Subject::Item { item }, taken_at: store.now(), fix: None };
    store.capture_photo(ingestor, capture, &jpeg(dir, 7)).unwrap()
}

/// Python's own SQLite (no SQLCipher) opening the file; `Err` with its message when it cannot.
fn python_sqlite(db: &Path) -> Result<String, String> {
    let script = "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute('select count(*) from sqlite_master').fetchone()[0])";
    let out =
        Command::new("python3").arg("-c").arg(script).arg(db).output().expect("python3 runs (the suite needs it)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

#[test]
fn a_phones_database_and_photos_are_unreadable_without_the_keys_and_read_with_them() {
    let data = tempfile::tempdir().unwrap();
    let storage = MemorySecureStorage::default();
    let (store, ingestor) = open_device(data.path(), &storage).unwrap();
    let record = fill(&store, &ingestor, data.path());
    let officer = store.session().unwrap().unwrap().user;
    drop((store, ingestor));
    assert!(storage.load(DATABASE_KEY).is_some_and(|k| k.len() == 32), "a database key in secure storage");
    assert!(storage.load(PHOTO_KEY).is_some_and(|k| k.len() == 32), "a photo key in secure storage");

    // The database file, copied off the phone: plain SQLite sees no database.
    let db = data.path().join(DATABASE_FILE);
    assert!(!in_clear(&db));
    let err = python_sqlite(&db).expect_err("Python's sqlite3 cannot read it");
    assert!(err.contains("not a database"), "{err}");
    let plain = rusqlite::Connection::open(&db).unwrap();
    let err = plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).expect_err("no key");
    assert!(err.to_string().contains("not a database"), "{err}");
    let raw = std::fs::read(&db).unwrap();
    assert!(!raw.windows(officer.name.len()).any(|w| w == officer.name.as_bytes()), "no name in the file");

    // Every photo file (original, rendition, thumbnail): no image decoder reads it, no JPEG marker shows.
    let files = photo_files(data.path());
    assert_eq!(files.len(), 3, "original, rendition and thumbnail: {files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(image::load_from_memory(&bytes).is_err(), "{} decodes without the key", file.display());
        assert_ne!(bytes[..2], [0xff, 0xd8], "no JPEG start of image");
        let name: Digest = file.file_name().unwrap().to_str().unwrap().parse().unwrap();
        assert_ne!(Digest::of(&bytes), name, "the file's name is the hash of the plain bytes only");
    }

    // With the keys (a relaunch): the records, and the photos decoding to the bytes the chain covers.
    let (store, ingestor) = open_device(data.path(), &storage).unwrap();
    assert_eq!(store.session().unwrap().unwrap().user, officer);
    for blob in [record.original, record.rendition, record.thumbnail] {
        let bytes = ingestor.blobs().read_verified(&blob.sha256).unwrap();
        assert_eq!(Digest::of(&bytes), blob.sha256);
        assert_eq!(bytes.len() as u64, blob.len);
        image::load_from_memory(&bytes).expect("decodes with the key");
        let chunk = ingestor.blobs().read_range(&blob.sha256, 100, 1000).unwrap();
        assert_eq!(chunk, bytes[100..1100]);
    }
    drop((store, ingestor));

    // Another phone's keys (or none) open nothing.
    let wrong = tempfile::tempdir().unwrap();
    std::fs::copy(&db, wrong.path().join("copy.db")).unwrap();
    let other = MemorySecureStorage::default();
    let keys = AtRestKeys::load_or_create(&other).unwrap();
    assert!(Store::open_encrypted(wrong.path().join("copy.db"), &keys.database).is_err());
    let sealed = BlobStore::open_sealed(data.path().join(PHOTO_FOLDER), keys.photos).unwrap();
    assert!(sealed.read_verified(&record.original.sha256).is_err());
}

#[test]
fn data_an_earlier_version_kept_in_clear_is_encrypted_in_place() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join(DATABASE_FILE);
    let (record, officer) = {
        let store = Store::open(&db).unwrap();
        let ingestor = Ingestor::new(BlobStore::open(data.path().join(PHOTO_FOLDER)).unwrap(), Limits::default());
        let record = fill(&store, &ingestor, data.path());
        (record, store.session().unwrap().unwrap().user)
    };
    assert!(in_clear(&db));
    python_sqlite(&db).expect("plain SQLite reads the old file");
    let original = std::fs::read(ingestor_path(data.path(), &record.original.sha256)).unwrap();
    assert!(image::load_from_memory(&original).is_ok(), "the old original is a plain JPEG");

    let storage = MemorySecureStorage::default();
    let (store, ingestor) = open_device(data.path(), &storage).unwrap();
    assert_eq!(store.session().unwrap().unwrap().user, officer, "every record kept");
    let Case::Inspection(inspection) = record.meta.case else { panic!("{:?}", record.meta.case) };
    assert_eq!(store.evidence_records(inspection).unwrap().len(), 1, "the photo's record kept");
    assert!(!in_clear(&db));
    assert!(python_sqlite(&db).is_err());
    for file in photo_files(data.path()) {
        assert!(image::load_from_memory(&std::fs::read(&file).unwrap()).is_err(), "{} sealed", file.display());
    }
    assert_eq!(ingestor.blobs().read_verified(&record.original.sha256).unwrap(), original);
    drop((store, ingestor));
    // The next launch opens it as it is.
    let (store, _) = open_device(data.path(), &storage).unwrap();
    assert_eq!(store.session().unwrap().unwrap().user, officer);
}

fn ingestor_path(data: &Path, digest: &Digest) -> PathBuf {
    BlobStore::open(data.join(PHOTO_FOLDER)).unwrap().path(digest)
}

#[test]
fn data_whose_keys_are_gone_is_dropped_and_the_phone_starts_afresh() {
    let data = tempfile::tempdir().unwrap();
    let storage = MemorySecureStorage::default();
    let (store, ingestor) = open_device(data.path(), &storage).unwrap();
    fill(&store, &ingestor, data.path());
    drop((store, ingestor));
    AtRestKeys::forget(&storage);
    let (store, _) = open_device(data.path(), &storage).unwrap();
    assert!(store.session().unwrap().is_none());
    assert!(photo_files(data.path()).is_empty());
}

#[test]
fn erase_leaves_no_record_and_a_new_key_opens_the_empty_database() {
    let data = tempfile::tempdir().unwrap();
    let storage = MemorySecureStorage::default();
    let (store, ingestor) = open_device(data.path(), &storage).unwrap();
    let device = store.device_id().unwrap();
    fill(&store, &ingestor, data.path());
    store.erase().unwrap();
    ingestor.blobs().erase_all().unwrap();
    AtRestKeys::forget(&storage);
    let keys = AtRestKeys::load_or_create(&storage).unwrap();
    store.rekey(&keys.database).unwrap();
    assert!(store.session().unwrap().is_none());
    assert_ne!(store.device_id().unwrap(), device, "a new installation");
    let rows: i64 = store
        .read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM enterprises) + (SELECT count(*) FROM inspections)
                      + (SELECT count(*) FROM evidence_records) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM users)",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(rows, 0);
    assert!(photo_files(data.path()).is_empty());
    drop((store, ingestor));
    let (store, _) = open_device(data.path(), &storage).unwrap();
    assert!(store.session().unwrap().is_none(), "the new key opens the emptied file");
}
