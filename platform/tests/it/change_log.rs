//! The change log is read in commit order: with many concurrent writers, a reader that follows the
//! cursor never skips an entry that commits later with a smaller cursor. Runs on SQLite, and on
//! PostgreSQL too when `FIELDCHECK_TEST_POSTGRES` names a server (`postgres://user@host:port`).

use crate::common;

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
    let Some(pg) = common::FreshPostgres::create("fc_log") else { return };
    let db = pg.open().await;
    concurrent_writers_are_never_skipped(db).await;
}

/// Writers whose transactions linger between handing out a cursor and committing (a trigger sleeps a
/// random while after each change-log row is inserted), so that without the change-log lock a later
/// cursor would commit first; pullers follow the cursor meanwhile. Each puller must end with every
/// committed change exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_pullers_never_skip_a_change_committed_late() {
    const WRITERS: usize = 10;
    const TRANSACTIONS: usize = 12;
    const PULLERS: usize = 3;
    let Some(pg) = common::FreshPostgres::create("fc_order") else { return };
    let db = pg.open().await;
    pg.execute(
        "CREATE FUNCTION linger() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$;
         CREATE TRIGGER linger AFTER INSERT ON changes FOR EACH ROW EXECUTE FUNCTION linger();",
    );
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            for t in 0..TRANSACTIONS {
                db.write(move |tx| {
                    // One to three records a transaction.
                    for r in 0..=(w + t) % 3 {
                        tx.upsert(Entity::Notice, &format!("{w}-{t}-{r}"), "{}", &Keys::public())?;
                    }
                    Ok::<_, ApiError>(())
                })
                .await
                .expect("write");
            }
        }));
    }
    let expected: BTreeSet<String> = (0..WRITERS)
        .flat_map(|w| (0..TRANSACTIONS).flat_map(move |t| (0..=(w + t) % 3).map(move |r| format!("{w}-{t}-{r}"))))
        .collect();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut pullers = Vec::new();
    for _ in 0..PULLERS {
        let (db, done) = (db.clone(), done.clone());
        pullers.push(tokio::spawn(async move {
            let (mut cursor, mut seen) = (0u64, Vec::new());
            loop {
                // Read the flag first: a pass that starts after the writers finished sees all they wrote.
                let last_pass = done.load(std::sync::atomic::Ordering::SeqCst);
                let from = cursor;
                let (rows, next) = db
                    .read(move |tx| {
                        let rows = tx.changes(from, 7, &Filter::All)?;
                        let next = if rows.len() == 7 { rows[6].cursor } else { tx.last_cursor()?.max(from) };
                        Ok::<_, ApiError>((rows, next))
                    })
                    .await
                    .expect("pull");
                let full = rows.len() == 7;
                seen.extend(rows.into_iter().map(|r| r.id));
                cursor = next;
                if last_pass && !full {
                    return seen;
                }
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for p in pullers {
        let seen = p.await.expect("puller");
        let unique: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "a change was delivered twice");
        let missing: Vec<_> = expected.difference(&unique).collect();
        assert!(missing.is_empty(), "a puller skipped {} committed changes: {missing:?}", missing.len());
        assert_eq!(unique, expected);
    }
}

/// Writers that read a record and write it back changed (a counter here; a task's state in the
/// platform) take turns: none decides on a stale read and overwrites another's change.
async fn writers_of_one_record_take_turns(db: Db) {
    const WRITERS: usize = 8;
    const EACH: usize = 15;
    db.write(|tx| Ok::<_, ApiError>(tx.upsert(Entity::Notice, "counter", "0", &Keys::public())?))
        .await
        .expect("create");
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            for _ in 0..EACH {
                db.write(|tx| {
                    let n: u64 = tx.get(Entity::Notice, "counter")?.expect("the counter").parse().expect("a number");
                    // A moment between the read and the write, so that stale reads would happen.
                    std::thread::sleep(std::time::Duration::from_micros(500));
                    tx.upsert(Entity::Notice, "counter", &(n + 1).to_string(), &Keys::public())?;
                    Ok::<_, ApiError>(())
                })
                .await
                .expect("write");
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let n = db.read(|tx| Ok::<_, ApiError>(tx.get(Entity::Notice, "counter")?)).await.expect("read");
    assert_eq!(n.as_deref(), Some((WRITERS * EACH).to_string().as_str()), "an update was lost");
}

/// Writers that claim a record that does not exist yet (a push claims the inspection it submits) take
/// turns too: only the first finds it absent and makes it; each after it finds the one made, rather than
/// deciding on an absence it read while the first was still deciding.
async fn claimants_of_a_missing_record_take_turns(db: Db) {
    const WRITERS: usize = 8;
    let claimed = || vec![(Entity::Notice, "made-once".to_string())];
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            db.write(move |tx| {
                tx.claim(&claimed())?;
                let found = tx.get(Entity::Notice, "made-once")?;
                // A moment between the read and the write, so that decisions on a stale absence would happen.
                std::thread::sleep(std::time::Duration::from_millis(2));
                if found.is_some() {
                    return Ok::<_, ApiError>(false);
                }
                tx.upsert(Entity::Notice, "made-once", &w.to_string(), &Keys::public())?;
                assert_eq!(tx.get(Entity::Notice, "made-once")?, Some(w.to_string()), "a claimed record once written");
                Ok(true)
            })
            .await
            .expect("write")
        }));
    }
    let mut made = 0;
    for w in writers {
        made += usize::from(w.await.expect("writer"));
    }
    assert_eq!(made, 1, "the record was made {made} times");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_claimants_of_a_missing_record_take_turns() {
    let dir = tempfile::tempdir().expect("temp dir");
    claimants_of_a_missing_record_take_turns(fieldcheck_platform::open_db(dir.path(), None).expect("open")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_claimants_of_a_missing_record_take_turns() {
    let Some(pg) = common::FreshPostgres::create("fc_claims") else { return };
    claimants_of_a_missing_record_take_turns(pg.open().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_writers_of_one_record_take_turns() {
    let dir = tempfile::tempdir().expect("temp dir");
    writers_of_one_record_take_turns(fieldcheck_platform::open_db(dir.path(), None).expect("open")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_writers_of_one_record_take_turns() {
    let Some(pg) = common::FreshPostgres::create("fc_turns") else { return };
    writers_of_one_record_take_turns(pg.open().await).await;
}
