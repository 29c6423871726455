//! A transaction that loses a race with another one (a deadlock PostgreSQL breaks, a busy SQLite file)
//! is answered 503 `busy` with Retry-After, so a device simply sends the request again; any other storage
//! failure stays a 500. The races here are real ones on real databases.

use crate::common;

use axum::http::StatusCode;
use fieldcheck_platform::db::StoreError;
use fieldcheck_platform::error::ApiError;

fn assert_busy(e: StoreError) {
    assert!(e.is_contention(), "{e} should count as contention");
    let answer = ApiError::from(e);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.code, "busy");
    assert_eq!(answer.retry_after, Some(1));
}

#[test]
fn a_busy_sqlite_file_is_answered_busy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("race.db");
    let holder = rusqlite::Connection::open(&path).expect("open");
    holder.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER); BEGIN IMMEDIATE;").expect("hold");
    let other = rusqlite::Connection::open(&path).expect("open");
    other.busy_timeout(std::time::Duration::ZERO).expect("timeout");
    let lost = other.execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT;").expect_err("busy");
    assert_busy(StoreError::from(lost));

    let broken = other.execute_batch("SELECT * FROM no_such_table").expect_err("no table");
    let broken = StoreError::from(broken);
    assert!(!broken.is_contention());
    assert_eq!(ApiError::from(broken).status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn a_postgres_deadlock_is_answered_busy() {
    let Some(base) = common::postgres_server() else { return };
    let name = format!("fc_race_{}", uuid::Uuid::now_v7().simple());
    let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).expect("connect");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let url = format!("{base}/{name}");
    let connect = || postgres::Client::connect(&url, postgres::NoTls).expect("connect");

    let (mut a, mut b) = (connect(), connect());
    a.batch_execute("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0), (2, 0);").expect("table");
    // Each takes one row, then asks for the other's: a cycle PostgreSQL breaks by failing one of them.
    a.batch_execute("BEGIN; UPDATE t SET v = 1 WHERE id = 1").expect("a takes 1");
    b.batch_execute("BEGIN; UPDATE t SET v = 2 WHERE id = 2").expect("b takes 2");
    let a_side = std::thread::spawn(move || {
        let result = a.batch_execute("UPDATE t SET v = 1 WHERE id = 2");
        let _ = a.batch_execute("ROLLBACK");
        result
    });
    let b_result = b.batch_execute("UPDATE t SET v = 2 WHERE id = 1");
    let _ = b.batch_execute("ROLLBACK");
    let a_result = a_side.join().expect("a thread");
    let lost: Vec<postgres::Error> = [a_result, b_result].into_iter().filter_map(Result::err).collect();
    assert_eq!(lost.len(), 1, "exactly one side of the deadlock is failed");
    for e in lost {
        assert_busy(StoreError::from(e));
    }

    let broken = connect().batch_execute("SELECT * FROM no_such_table").expect_err("no table");
    assert!(!StoreError::from(broken).is_contention());
    drop(b);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// A device `d1` of user `u1`, whose token hash is `h1`.
async fn one_device(db: &fieldcheck_platform::db::Db) {
    use fieldcheck_platform::db::{DeviceRow, Keys};
    db.write(|tx| {
        tx.upsert(fieldcheck_core::protocol::Entity::User, "u1", r#"{"id":"u1"}"#, &Keys::public())?;
        let now = chrono::Utc::now();
        tx.put_device(&DeviceRow {
            id: "d1".into(),
            user: "u1".into(),
            token_hash: "h1".into(),
            issued_at: now,
            expires_at: now,
            revoked_at: None,
            last_seen: None,
            clock_skew_ms: None,
        })?;
        Ok::<_, ApiError>(())
    })
    .await
    .expect("set up");
}

/// A push authenticates in its own write transaction. The token's user is read there, not claimed: two
/// pushes by one user (a phone and a tablet) never wait for each other over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticating_a_write_does_not_claim_the_user() {
    let Some(pg) = common::FreshPostgres::create("fc_auth") else { return };
    let db = pg.open().await;
    one_device(&db).await;
    let url = pg.url();
    let claimed_elsewhere = db
        .write(move |tx| {
            let (device, user) = tx.device_and_user_by_token("h1")?.expect("the token's device");
            assert_eq!((device.user.as_str(), user.as_deref()), ("u1", Some(r#"{"id":"u1"}"#)));
            assert!(tx.device_and_user_by_token("h2")?.is_none(), "an unknown token has no holder");
            // While this write is still open, another transaction claims the user at once.
            let mut other = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            let claimed =
                other.query("SELECT 1 FROM records WHERE entity = 'user' AND id = 'u1' FOR UPDATE NOWAIT", &[]);
            Ok::<_, ApiError>(claimed.map(|rows| rows.len()).map_err(|e| e.to_string()))
        })
        .await
        .expect("write");
    assert_eq!(claimed_elsewhere, Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_finds_a_tokens_device_and_user_in_one_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    one_device(&db).await;
    let (device, user) =
        db.read(|tx| Ok::<_, ApiError>(tx.device_and_user_by_token("h1")?)).await.expect("read").expect("holder");
    assert_eq!((device.user.as_str(), user.as_deref()), ("u1", Some(r#"{"id":"u1"}"#)));
}
