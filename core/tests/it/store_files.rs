//! What the store does with files it cannot or must not use, and with a full disk: a typed error,
//! and no data lost or half-written. Also: an upgraded old schema equals a fresh one.

use crate::common;

use common::*;
use fieldcheck_core::domain::answer::AnswerValue;
use fieldcheck_core::domain::ids::EvidenceId;
use fieldcheck_core::domain::inspection::InspectionState;
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::store::schema::{self, LATEST_VERSION};
use fieldcheck_core::store::{Photo, Store, StoreError};
use rusqlite::Connection;
use std::path::Path;

fn schema_of(path: &Path) -> Vec<(String, String, String, Option<String>)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_database_from_schema_1_upgrades_to_exactly_the_fresh_schema_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    {
        let mut conn = Connection::open(&old).unwrap();
        schema::upgrade(&mut conn, 1).unwrap();
        assert_eq!(schema::version(&conn).unwrap(), 1);
        conn.execute(
            "INSERT INTO enterprises (id, name, credit_code, township, address, body) VALUES ('e', '永康市恒达五金制品有限公司', 'c', 't', '金山西路', '{}')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&old).unwrap();
    drop(store);
    let fresh = dir.path().join("fresh.db");
    drop(Store::open(&fresh).unwrap());
    let upgraded = schema_of(&old);
    assert_eq!(upgraded, schema_of(&fresh));
    assert!(upgraded.iter().any(|(_, name, _, _)| name == "enterprise_search"));
    let conn = Connection::open(&old).unwrap();
    assert_eq!(schema::version(&conn).unwrap(), LATEST_VERSION);
    // Rows from before the search index was added are indexed by the upgrade.
    let hits: i64 = conn
        .query_row("SELECT count(*) FROM enterprise_search WHERE enterprise_search MATCH '恒达五金'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(hits, 1);
}

#[test]
fn a_database_from_a_newer_app_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(Store::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("refused");
    match err {
        StoreError::NewerVersion { found, supported, .. } => {
            assert_eq!((found, supported), (LATEST_VERSION + 1, LATEST_VERSION))
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_database_gives_a_typed_error_and_is_left_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn a_damaged_database_gives_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    {
        let f = fixture();
        std::fs::copy(f.store.path(), &path).unwrap();
        // Make sure the copy holds everything (the WAL is checkpointed on close).
        drop(f.store);
        std::fs::copy(f.dir.path().join("user.db"), &path).unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 4 * page);
    // Scribble over every page but the header page: b-tree pages no longer parse.
    for b in &mut bytes[page..] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
}

#[test]
fn a_full_disk_rolls_the_whole_change_back_with_a_typed_error() {
    let f = fixture();
    let s = &f.store;
    let (hw, draft) = start_hazardous_waste_inspection(&f);
    let day = f.clock.now().date_naive();
    for (n, it) in hw.items.iter().enumerate() {
        let item = ItemRef { template: hw.id.clone(), code: it.code.clone() };
        let value = if it.code == "HW-01" { AnswerValue::No } else { valid_answer(it, day) };
        s.answer(draft, item.clone(), value, Some("现场核实".repeat(40))).unwrap();
        let photo = Photo { evidence: EvidenceId::new(), item: Some(item), sha256: sha(n), taken_at: f.clock.now() };
        s.attach_photo(draft, &photo).unwrap();
    }
    // Cap the file at its current size: the next change that needs a page finds the disk full.
    let pages: i64 = s
        .write(|tx| {
            let count: i64 = tx.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            Ok(tx.query_row(&format!("PRAGMA max_page_count = {count}"), [], |r| r.get(0))?)
        })
        .unwrap();
    assert!(pages > 0);
    let err = s.submit_inspection(draft).unwrap_err();
    assert!(matches!(err, StoreError::DiskFull), "{err}");
    assert_eq!(s.inspection(draft).unwrap().unwrap().state, InspectionState::InProgress);
    assert_eq!(s.outbox_len().unwrap(), 0, "no outbox entry without its change");
    assert!(s.tasks(&Default::default(), f.clock.now()).unwrap().is_empty(), "no task half-written");

    // With room again, the same submission goes through.
    s.write(|tx| Ok(tx.query_row("PRAGMA max_page_count = 1000000", [], |r| r.get::<_, i64>(0))?)).unwrap();
    s.submit_inspection(draft).unwrap();
    assert_eq!(s.outbox_len().unwrap(), 1);
}
