//! The schema and its migrations, keyed on `PRAGMA user_version`: migration N takes a database from
//! version N-1 to N. Numbered SQL files, applied in order, each in the same transaction as the version
//! bump, so an interrupted upgrade leaves the previous version intact.

use super::error::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::time::Duration;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_enterprise_search.sql"),
    include_str!("migrations/003_enterprise_scan_index.sql"),
    include_str!("migrations/004_evidence_records.sql"),
    include_str!("migrations/005_case_evidence.sql"),
    include_str!("migrations/006_watermark.sql"),
    include_str!("migrations/007_assignments.sql"),
    include_str!("migrations/008_originals_postponed.sql"),
    include_str!("migrations/009_submitted_records.sql"),
    include_str!("migrations/010_theme.sql"),
    include_str!("migrations/011_pending_seq_indexes.sql"),
];

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a connection waits for another one's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Pages of log after which a commit copies the log into the database (SQLite's default is 1,000). A
/// pull writes pages of records whose index pages are touched again and again; copied every 1,000 pages,
/// the same pages were copied over and over (a pull of 10,000 inspections: 0.68-0.72 s against
/// 0.74-0.80 s). The log may grow to about 32 MiB before it is copied.
const CHECKPOINT_PAGES: i64 = 8 * 1024;

/// The schema version stored in the file (0 for a new, empty file). Reads only the header.
pub fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Settings every writer connection needs: WAL (readers never wait for the writer), foreign keys,
/// a busy timeout, and NORMAL sync (durable at each WAL checkpoint, safe against corruption).
pub fn configure_writer(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::decode("journal mode", format!("SQLite kept journal mode {mode}, not WAL")));
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)?;
    plan_once(conn)
}

/// Plan each statement once, whatever is bound to it: newer SQLite (3.50) plans with a value bound to a
/// LIMIT and prepares such a statement again at every run.
fn plan_once(conn: &Connection) -> Result<(), StoreError> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// Settings of the reader connection: it may never write.
pub fn configure_reader(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;")?;
    plan_once(conn)
}

/// Applies the migrations after the file's version up to `target` (at most [`LATEST_VERSION`]).
/// A file newer than `target` is refused and left alone.
pub fn upgrade(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let target = target.min(LATEST_VERSION);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > LATEST_VERSION {
        let path = tx.path().unwrap_or_default().into();
        return Err(StoreError::NewerVersion { path, found, supported: LATEST_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().take(target as usize).skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::config::DbConfig;

    #[test]
    fn the_writer_and_the_reader_plan_each_statement_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plan.sqlite3");
        let writer = Connection::open(&path).expect("writer");
        configure_writer(&writer).expect("configure writer");
        let reader = Connection::open(&path).expect("reader");
        configure_reader(&reader).expect("configure reader");
        for conn in [&writer, &reader] {
            assert!(conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).expect("config"));
        }
    }
}
