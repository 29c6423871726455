//! The change log is read in commit order: with many concurrent writers, a reader that follows the
//! cursor never skips an entry that commits later with a smaller cursor. Runs on SQLite, and on
//! PostgreSQL too when `FIELDCHECK_TEST_POSTGRES` names a server (`postgres://user@host:port`).

use fieldcheck_core::protocol::Entity;
use fieldcheck_platform::db::{Db, Filter, Keys};
use fieldcheck_platform::error::ApiError;
use std::collections::BTreeSet;

const WRITERS: usize = 8;
const PER_WRITER: usize = 60;

async fn concurrent_writers_are_never_skipped(db: Db) {
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..PER_WRITER {
                db.write(move |tx| {
                    let id = format!("{w}-{i}");
                    tx.upsert(Entity::Notice, &id, "{}", &Keys::public())?;
                    // Hold the transaction open a moment so commits could interleave out of order.
                    std::thread::sleep(std::time::Duration::from_micros(300));
                    Ok::<_, ApiError>(())
                })
                .await
                .expect("write");
            }
        }));
    }
    let mut cursor = 0u64;
    let mut seen = BTreeSet::new();
    let follow = async |db: &Db, cursor: &mut u64, seen: &mut BTreeSet<String>| {
        let from = *cursor;
        let (rows, last) = db
            .read(move |tx| {
                let rows = tx.changes(from, 50, &Filter::All)?;
                // Same rule as a pull: a short page ends at the newest cursor of the snapshot.
                let last = if rows.len() == 50 { rows[49].cursor } else { tx.last_cursor()?.max(from) };
                Ok::<_, ApiError>((rows, last))
            })
            .await
            .expect("read");
        for r in rows {
            assert!(r.cursor > *cursor, "cursor went backwards");
            assert!(seen.insert(r.id), "an entry was delivered twice");
        }
        *cursor = last;
    };
    while writers.iter().any(|w| !w.is_finished()) {
        follow(&db, &mut cursor, &mut seen).await;
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.expect("writer");
    }
    follow(&db, &mut cursor, &mut seen).await;
    follow(&db, &mut cursor, &mut seen).await;
    assert_eq!(seen.len(), WRITERS * PER_WRITER, "the reader skipped committed entries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_change_log_is_in_commit_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    concurrent_writers_are_never_skipped(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_change_log_is_in_commit_order() {
    let Some(base) = std::env::var("FIELDCHECK_TEST_POSTGRES").ok().filter(|s| !s.is_empty()) else {
        eprintln!("FIELDCHECK_TEST_POSTGRES not set: PostgreSQL part skipped (scripts/test.sh sets it)");
        return;
    };
    let name = format!("fc_log_{}", uuid::Uuid::now_v7().simple());
    let base2 = base.clone();
    let name2 = name.clone();
    tokio::task::spawn_blocking(move || {
        let mut admin = postgres::Client::connect(&format!("{base2}/postgres"), postgres::NoTls).expect("connect");
        admin.batch_execute(&format!("CREATE DATABASE {name2}")).expect("create database");
    })
    .await
    .expect("create");
    let url = format!("{base}/{name}");
    let db = tokio::task::spawn_blocking(move || fieldcheck_platform::open_db(std::path::Path::new("."), Some(&url)))
        .await
        .expect("join")
        .expect("open");
    concurrent_writers_are_never_skipped(db.clone()).await;
    drop(db);
    tokio::task::spawn_blocking(move || {
        let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).expect("connect");
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    })
    .await
    .expect("drop");
}
