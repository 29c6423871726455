//! SQLite's writes queued while the writer is busy are committed together (`db/sqlite/writer.rs`): each
//! must still get exactly the answer and the writes it would have had alone. A write that fails or panics
//! in a group is undone alone, the others kept, whether it is the group's first (which runs without a
//! savepoint) or not; a caller told its write was kept finds it from any
//! connection; a write whose caller stopped waiting before its turn is not made; the writer outlives a
//! panic.

use fieldcheck_core::protocol::Entity;
use fieldcheck_platform::db::{Db, Keys, Tx};
use fieldcheck_platform::error::ApiError;
use std::sync::mpsc;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ends {
    Kept,
    Refused,
    Panics,
}

fn ends(i: usize) -> Ends {
    match i % 5 {
        1 => Ends::Refused,
        3 => Ends::Panics,
        _ => Ends::Kept,
    }
}

/// Writes its notices, then ends as `ends` says.
fn write(tx: &mut dyn Tx, i: usize, ends: Ends) -> Result<usize, ApiError> {
    for k in 0..3 {
        tx.upsert(Entity::Notice, &format!("n-{i}-{k}"), &format!("{{\"i\":{i}}}"), &Keys::public())?;
    }
    match ends {
        Ends::Kept => Ok(i),
        Ends::Refused => Err(ApiError::bad_request("refused (test)")),
        Ends::Panics => panic!("a write that panics after writing (test)"),
    }
}

async fn stored(db: &Db, id: String) -> bool {
    db.read(move |tx| Ok(tx.get(Entity::Notice, &id)?.is_some())).await.expect("read")
}

/// Holds the writer until the returned sender is dropped or sent to, so that the writes made meanwhile
/// queue behind it and are run as one group.
async fn hold_writer(db: &Db) -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (started, running) = tokio::sync::oneshot::channel();
    let holder = db.clone();
    tokio::spawn(async move {
        holder
            .write(move |_| {
                let _ = started.send(());
                let _ = held.recv();
                Ok(())
            })
            .await
    });
    running.await.expect("the holding write runs");
    release
}

/// Waits until `n` writes are queued behind the held writer.
async fn queued(db: &Db, n: usize) {
    while db.pool_use().waiting < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_answers_and_keeps_each_write_as_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    // Queued one by one in a known order behind the held writer, so that the group after it starts with a
    // write that is kept, refused, kept or panics (round × 101 + 0, modulo 5), with the rest mixed after.
    for round in 0..4 {
        let release = hold_writer(&db).await;
        let mut writes = Vec::new();
        for j in 0..40 {
            let (writer, i) = (db.clone(), round * 101 + j);
            writes.push(tokio::spawn(async move { (i, writer.write(move |tx| write(tx, i, ends(i))).await) }));
            queued(&db, j + 1).await;
        }
        drop(release);
        let mut answered = Vec::new();
        for w in writes {
            let (i, answer) = w.await.expect("task");
            match ends(i) {
                Ends::Kept => assert_eq!(answer.expect("kept write answered ok"), i),
                Ends::Refused => assert_eq!(answer.expect_err("refused write").code, "bad_request"),
                Ends::Panics => assert_eq!(answer.expect_err("panicking write").status.as_u16(), 500),
            }
            // Told, then found: the answer came after the commit.
            for k in 0..3 {
                assert!(ends(i) != Ends::Kept || stored(&db, format!("n-{i}-{k}")).await, "write {i}");
            }
            answered.push(i);
        }
        // Once every group is committed, nothing of a failed write is left (a failed write is answered at
        // once, before its group's commit).
        for i in answered {
            for k in 0..3 {
                assert_eq!(stored(&db, format!("n-{i}-{k}")).await, ends(i) == Ends::Kept, "write {i}");
            }
        }
    }
    // The writer outlived the panics.
    assert_eq!(db.write(|tx| write(tx, 999, Ends::Kept)).await.expect("a write after the groups"), 999);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_whose_caller_left_before_its_turn_is_not_made() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    let release = hold_writer(&db).await;
    let left = {
        let db = db.clone();
        tokio::spawn(async move { db.write(|tx| write(tx, 1, Ends::Kept)).await })
    };
    let stays = {
        let db = db.clone();
        tokio::spawn(async move { db.write(|tx| write(tx, 2, Ends::Kept)).await })
    };
    queued(&db, 2).await;
    left.abort();
    let _ = left.await;
    drop(release);
    assert_eq!(stays.await.expect("task").expect("write"), 2);
    assert!(!stored(&db, "n-1-0".into()).await, "the abandoned write was made");
    assert!(stored(&db, "n-2-0".into()).await);
}
