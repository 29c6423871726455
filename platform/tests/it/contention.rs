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
