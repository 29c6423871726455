//! SQLite's WAL is copied into the database file by the platform's checkpointing thread, off the request
//! path: commits too small to reach the writer's own (backstop) checkpoint still end up in the database
//! file, which is only written by a checkpoint.

use fieldcheck_domain::ids::TownshipId;
use fieldcheck_domain::organisation::Township;
use fieldcheck_platform::records;
use fieldcheck_protocol::Record;
use std::path::Path;
use std::time::{Duration, Instant};

/// Townships the database file alone holds, read from a copy made without its WAL (none while the copy
/// caught a checkpoint half-way).
fn townships_in_file_alone(file: &Path) -> Option<i64> {
    let copy = tempfile::tempdir().ok()?;
    let alone = copy.path().join("alone.sqlite3");
    std::fs::copy(file, &alone).ok()?;
    let conn = rusqlite::Connection::open(&alone).ok()?;
    conn.query_row("SELECT COUNT(*) FROM records WHERE entity = 'township'", [], |r| r.get(0)).ok()
}

#[tokio::test]
async fn small_commits_reach_the_database_file_without_a_commit_checkpointing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    let written = 20;
    for i in 0..written {
        let township = Township { id: TownshipId::new(), code: format!("3307840{i:02}"), name: format!("镇{i}") };
        db.write(move |tx| Ok(records::save(tx, &Record::Township(township))?)).await.expect("write");
    }
    // Twenty small commits are far from the backstop's thousands of pages: only the thread copies them.
    let file = dir.path().join("platform.sqlite3");
    let started = Instant::now();
    loop {
        if townships_in_file_alone(&file) == Some(written) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the commits never reached the database file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(db);
}
