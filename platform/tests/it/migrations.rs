//! Versioned schema migrations on both back ends: a fresh database and one upgraded from an older
//! version (or from a build before numbered migrations) end with the same schema and keep their data;
//! opening again changes nothing; a database newer than this build is refused and left untouched.
//! The PostgreSQL half runs when `FIELDCHECK_TEST_POSTGRES` names a server (`postgres://user@host:port`).

use crate::common;

use fieldcheck_platform::db::StoreError;
use fieldcheck_platform::db::migrations::{self, LATEST};
use fieldcheck_platform::db::postgres::PgDb;
use fieldcheck_platform::db::sqlite::SqliteDb;
use rusqlite::Connection;
use std::path::Path;

/// Everything that makes up a schema, as comparable text, plus the applied versions.
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    objects: Vec<String>,
    versions: Vec<(u32, String)>,
}

pub(crate) fn sqlite_file(dir: &Path) -> std::path::PathBuf {
    dir.join("platform.sqlite3")
}

fn sqlite_schema(dir: &Path) -> Schema {
    let conn = Connection::open(sqlite_file(dir)).expect("open");
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
        .expect("prepare");
    let objects = stmt
        .query_map([], |r| {
            Ok(format!("{} {} on {}: {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, {
                r.get::<_, String>(3)?
            }))
        })
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    let mut stmt = conn.prepare("SELECT version, name FROM schema_version ORDER BY version").expect("prepare");
    let versions = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    Schema { objects, versions }
}

fn sqlite_count(dir: &Path, table: &str) -> i64 {
    let conn = Connection::open(sqlite_file(dir)).expect("open");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).expect("count")
}

/// Rows a deployed version-1 database holds, written with version 1's columns only.
const V1_ROWS: &str = "
INSERT INTO records (entity, id, data) VALUES ('township', 't1', '{}');
INSERT INTO conflicts (entity, id, field, base, kept, lost, user_id, device, at)
    VALUES ('enterprise', 'e1', 'contact', 'a', 'b', 'c', 'u1', 'd1', '2026-01-01T00:00:00Z');";

#[test]
fn sqlite_fresh_and_upgraded_from_v1_have_the_same_schema_and_keep_data() {
    let fresh = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open(fresh.path()).expect("fresh"));

    let old = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open_at_version(old.path(), 1).expect("v1"));
    assert_eq!(sqlite_schema(old.path()).versions, vec![(1, "initial".to_string())]);
    Connection::open(sqlite_file(old.path())).expect("open").execute_batch(V1_ROWS).expect("v1 rows");
    drop(SqliteDb::open(old.path()).expect("upgrade"));

    assert_eq!(sqlite_schema(old.path()), sqlite_schema(fresh.path()));
    assert_eq!(sqlite_schema(fresh.path()).versions.len(), LATEST as usize);
    assert_eq!((sqlite_count(old.path(), "records"), sqlite_count(old.path(), "conflicts")), (1, 1));
}

/// Migration 11 makes the typed tables and the audit again: their rows, and the audit's numbering, stay.
#[test]
fn sqlite_typed_rows_and_audit_numbers_survive_migration_11() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open_at_version(dir.path(), 10).expect("v10"));
    Connection::open(sqlite_file(dir.path()))
        .expect("open")
        .execute_batch(
            "INSERT INTO alarms VALUES ('a', 'e', 't', NULL, 'serious', 'on_site', '2026-01-01', '2026-01-02');
             INSERT INTO tasks VALUES ('k', 'e', 't', 'i', 'general', 'accepted', '2026-01-01', '2026-02-01');
             INSERT INTO inspections VALUES ('i', 'e', 't', 'night_spot_check', 'submitted', NULL, NULL, NULL, 1, 0, 0);
             INSERT INTO users VALUES ('u', 'login', 'name', 'commander', NULL, 'name login', 'public', NULL, NULL, NULL, NULL);
             INSERT INTO audit (n, entity, id, action, from_state, to_state, user_id, device, at, note)
                 VALUES (41, 'task', 'k', 'accept', 'proof_submitted', 'accepted', 'u', NULL, '2026-01-03', '');",
        )
        .expect("v10 rows");
    drop(SqliteDb::open(dir.path()).expect("upgrade"));
    for table in ["alarms", "tasks", "inspections", "users", "audit"] {
        assert_eq!(sqlite_count(dir.path(), table), 1, "{table}");
    }
    let conn = Connection::open(sqlite_file(dir.path())).expect("open");
    conn.execute(
        "INSERT INTO audit (entity, id, action, from_state, to_state, user_id, device, at, note)
         VALUES ('task', 'k', 'reject', NULL, NULL, 'u', NULL, '2026-01-04', '')",
        [],
    )
    .expect("a later audit line");
    let next: i64 = conn.query_row("SELECT MAX(n) FROM audit", [], |r| r.get(0)).expect("n");
    assert_eq!(next, 42, "the audit goes on numbering after its last line");
}

/// Writing a row into any table builds no temporary table: a constraint such as `CHECK (state IN ('a',
/// 'b', 'c'))` made SQLite build and drop an in-memory B-tree of the list for each row written (a list of
/// more than two constants is looked up in one): a tenth of the platform's time for a push of inspections.
#[test]
fn sqlite_no_row_write_builds_a_temporary_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open(dir.path()).expect("fresh"));
    let conn = Connection::open(sqlite_file(dir.path())).expect("open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut building = Vec::new();
    for table in &tables {
        let columns: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM pragma_table_info('{table}')"), [], |r| r.get(0))
            .expect("columns");
        let values = vec!["NULL"; columns as usize].join(", ");
        let sql = format!("EXPLAIN INSERT INTO {table} VALUES ({values})");
        let ops: Vec<String> = conn
            .prepare(&sql)
            .expect("explain")
            .query_map([], |r| r.get(1))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        if ops.iter().any(|op| op == "OpenEphemeral") {
            building.push(table.clone());
        }
    }
    assert!(!tables.is_empty());
    assert!(building.is_empty(), "a row written into these tables builds a temporary table: {building:?}");
    // The constraints still hold: a known state is taken, an unknown one refused.
    let task = |state: &str| {
        conn.execute(
            "INSERT INTO tasks (id, enterprise, township, inspection, severity, state, issued_at, deadline)
             VALUES (?1, 'e', 't', 'i', 'minor', ?2, '2026-01-01', '2026-02-01')",
            [format!("task-{state}"), state.to_string()],
        )
    };
    task("proof_submitted").expect("a known state");
    let refused = task("proof submitted").expect_err("an unknown state");
    assert!(refused.to_string().contains("CHECK"), "{refused}");
}

#[test]
fn sqlite_database_from_before_numbered_migrations_is_adopted() {
    let fresh = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open(fresh.path()).expect("fresh"));
    // What builds before numbered migrations created: migration 1's tables, no version table.
    let legacy = tempfile::tempdir().expect("temp dir");
    let conn = Connection::open(sqlite_file(legacy.path())).expect("open");
    conn.execute_batch(migrations::SQLITE[0].sql).expect("legacy schema");
    conn.execute_batch(V1_ROWS).expect("legacy rows");
    drop(conn);
    drop(SqliteDb::open(legacy.path()).expect("adopt"));
    assert_eq!(sqlite_schema(legacy.path()), sqlite_schema(fresh.path()));
    assert_eq!(sqlite_count(legacy.path(), "conflicts"), 1);
}

#[test]
fn sqlite_opening_again_is_a_no_op() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open(dir.path()).expect("first"));
    let applied = |dir: &Path| -> Vec<(i64, String)> {
        let conn = Connection::open(sqlite_file(dir)).expect("open");
        let mut stmt = conn.prepare("SELECT version, applied_at FROM schema_version ORDER BY version").expect("q");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("q").collect::<Result<_, _>>().expect("rows")
    };
    let (schema, stamps) = (sqlite_schema(dir.path()), applied(dir.path()));
    drop(SqliteDb::open(dir.path()).expect("second"));
    drop(SqliteDb::open(dir.path()).expect("third"));
    assert_eq!(sqlite_schema(dir.path()), schema);
    assert_eq!(applied(dir.path()), stamps, "no migration ran twice");
}

#[test]
fn sqlite_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open(dir.path()).expect("open"));
    let conn = Connection::open(sqlite_file(dir.path())).expect("open");
    conn.execute(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (?1, 'from_the_future', '2030-01-01')",
        [LATEST + 1],
    )
    .expect("newer version");
    // Back to a rollback journal, so the file's bytes are the whole database and any write would show.
    conn.pragma_update(None, "journal_mode", "DELETE").expect("journal mode");
    drop(conn);
    let before = std::fs::read(sqlite_file(dir.path())).expect("read");
    match SqliteDb::open(dir.path()) {
        Err(StoreError::NewerSchema { found, supported }) => assert_eq!((found, supported), (LATEST + 1, LATEST)),
        Err(e) => panic!("expected NewerSchema, got {e}"),
        Ok(_) => panic!("a newer database was opened"),
    }
    assert_eq!(std::fs::read(sqlite_file(dir.path())).expect("read"), before, "the file was not changed");
    assert!(!dir.path().join("platform.sqlite3-wal").exists(), "not even switched to WAL");
}

/// A fresh PostgreSQL database for one test, dropped at the end.
struct PgDatabase {
    base: String,
    name: String,
}

impl PgDatabase {
    fn new() -> Option<PgDatabase> {
        let base = common::postgres_server()?;
        let base = base.trim_end_matches('/').to_string();
        let name = format!("fc_mig_{}", uuid::Uuid::now_v7().simple());
        let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).expect("connect");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
        Some(PgDatabase { base, name })
    }

    fn url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect")
    }

    fn schema(&self) -> Schema {
        let mut c = self.client();
        let mut objects = Vec::new();
        let rows = c
            .query(
                "SELECT table_name::text, column_name::text, ordinal_position::int, data_type::text,
                        is_nullable::text, COALESCE(column_default, '')::text
                 FROM information_schema.columns WHERE table_schema = 'public'
                 ORDER BY table_name, ordinal_position",
                &[],
            )
            .expect("columns");
        for r in rows {
            let (t, col, pos, ty, null, default): (String, String, i32, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            objects.push(format!("column {t}.{col} #{pos} {ty} nullable={null} default={default}"));
        }
        for r in c
            .query("SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1", &[])
            .expect("indexes")
        {
            objects.push(format!("index {}: {}", r.get::<_, String>(0), r.get::<_, String>(1)));
        }
        for r in c
            .query(
                "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
                &[],
            )
            .expect("constraints")
        {
            objects.push(format!("constraint {}.{}: {}", r.get::<_, String>(0), r.get::<_, String>(1), {
                r.get::<_, String>(2)
            }));
        }
        let versions = match c.query("SELECT version, name FROM schema_version ORDER BY version", &[]) {
            Ok(rows) => rows.iter().map(|r| (r.get::<_, i32>(0) as u32, r.get(1))).collect(),
            Err(_) => Vec::new(),
        };
        Schema { objects, versions }
    }

    fn count(&self, table: &str) -> i64 {
        self.client().query_one(&format!("SELECT COUNT(*) FROM {table}"), &[]).expect("count").get(0)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&format!("{}/postgres", self.base), postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

#[test]
fn postgres_fresh_and_upgraded_from_v1_have_the_same_schema_and_keep_data() {
    let Some(fresh) = PgDatabase::new() else { return };
    drop(PgDb::connect(&fresh.url()).expect("fresh"));

    let old = PgDatabase::new().expect("second database");
    drop(PgDb::connect_at_version(&old.url(), 1).expect("v1"));
    assert_eq!(old.schema().versions, vec![(1, "initial".to_string())]);
    old.client().batch_execute(V1_ROWS).expect("v1 rows");
    drop(PgDb::connect(&old.url()).expect("upgrade"));

    assert_eq!(old.schema(), fresh.schema());
    assert_eq!(fresh.schema().versions.len(), LATEST as usize);
    assert_eq!((old.count("records"), old.count("conflicts")), (1, 1));
}

/// Record bodies are compressed with LZ4 (migration 10) on a server built with it, as the suite's is.
#[test]
fn postgres_record_bodies_are_compressed_with_lz4() {
    let Some(db) = PgDatabase::new() else { return };
    drop(PgDb::connect(&db.url()).expect("connect"));
    let method: String = db
        .client()
        .query_one(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'records'::regclass AND attname = 'data'",
            &[],
        )
        .expect("the column's compression")
        .get(0);
    assert_eq!(method, "l", "records.data is not set to lz4");
}

#[test]
fn postgres_database_from_before_numbered_migrations_is_adopted() {
    let Some(fresh) = PgDatabase::new() else { return };
    drop(PgDb::connect(&fresh.url()).expect("fresh"));
    let legacy = PgDatabase::new().expect("second database");
    legacy.client().batch_execute(migrations::POSTGRES[0].sql).expect("legacy schema");
    legacy.client().batch_execute(V1_ROWS).expect("legacy rows");
    drop(PgDb::connect(&legacy.url()).expect("adopt"));
    assert_eq!(legacy.schema(), fresh.schema());
    assert_eq!(legacy.count("conflicts"), 1);
}

#[test]
fn postgres_connecting_again_is_a_no_op() {
    let Some(db) = PgDatabase::new() else { return };
    drop(PgDb::connect(&db.url()).expect("first"));
    let applied = || -> Vec<(i32, String)> {
        db.client()
            .query("SELECT version, applied_at FROM schema_version ORDER BY version", &[])
            .expect("versions")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    let (schema, stamps) = (db.schema(), applied());
    drop(PgDb::connect(&db.url()).expect("second"));
    drop(PgDb::connect(&db.url()).expect("third"));
    assert_eq!(db.schema(), schema);
    assert_eq!(applied(), stamps, "no migration ran twice");
}

#[test]
fn postgres_newer_database_is_refused_and_left_untouched() {
    let Some(db) = PgDatabase::new() else { return };
    // Only a version table, from a future build: the platform must not create its tables beside it.
    db.client()
        .batch_execute(&format!(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
             INSERT INTO schema_version VALUES ({}, 'from_the_future', '2030-01-01');",
            LATEST + 1
        ))
        .expect("newer version");
    let before = db.schema();
    match PgDb::connect(&db.url()) {
        Err(StoreError::NewerSchema { found, supported }) => assert_eq!((found, supported), (LATEST + 1, LATEST)),
        Err(e) => panic!("expected NewerSchema, got {e}"),
        Ok(_) => panic!("a newer database was opened"),
    }
    assert_eq!(db.schema(), before, "the database was not changed");
}

/// Starting together on a new file is a race (each start reads the file, then asks for the lock that
/// switching it to WAL needs): run it on several new files so a lost race shows.
#[test]
fn sqlite_processes_starting_at_once_apply_each_migration_once() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().expect("temp dir");
        let starts: Vec<_> = (0..6)
            .map(|_| {
                let path = dir.path().to_path_buf();
                std::thread::spawn(move || SqliteDb::open(&path).map(drop))
            })
            .collect();
        for s in starts {
            s.join().expect("thread").expect("open");
        }
        assert_eq!(sqlite_schema(dir.path()).versions.len(), LATEST as usize);
    }
}

#[test]
fn postgres_processes_starting_at_once_apply_each_migration_once() {
    let Some(db) = PgDatabase::new() else { return };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url();
            std::thread::spawn(move || PgDb::connect(&url).map(drop))
        })
        .collect();
    for s in starts {
        s.join().expect("thread").expect("connect");
    }
    assert_eq!(db.schema().versions.len(), LATEST as usize);
}

/// Audit lines as version 6 wrote them: states in the Rust spelling, task actions too, and text in the
/// state columns that was not a state.
const V6_AUDIT: &str = "
INSERT INTO audit (entity, id, action, from_state, to_state, user_id, device, at, note) VALUES
    ('task', 't1', 'issue', '', 'Issued', 'u1', NULL, '2026-01-01T00:00:00Z', 'fix it'),
    ('task', 't1', 'SubmitProof', 'Acknowledged', 'ProofSubmitted', 'u2', 'd2', '2026-01-02T00:00:00Z', ''),
    ('alarm', 'a1', 'arrive', 'Dispatched', 'OnSite', 'u3', 'd3', '2026-01-03T00:00:00Z', 'at 1,2'),
    ('enterprise', 'e1', 'enterprise.move', 'town-a', 'town-b', 'u4', NULL, '2026-01-04T00:00:00Z', 'A → B'),
    ('draw', 'w1', 'draw', '', 'drawn', 'u4', NULL, '2026-01-05T00:00:00Z', '3 enterprises'),
    ('inspection', 'i1', 'evidence.countersign', '', '2 photo(s), head ab', 'u4', NULL, '2026-01-06T00:00:00Z', 'key k');";

/// (action, from_state, to_state, note) of every line, in order, as version 7 holds them.
const V7_AUDIT: &[(&str, Option<&str>, Option<&str>, &str)] = &[
    ("issue", None, Some("issued"), "fix it"),
    ("submit_proof", Some("acknowledged"), Some("proof_submitted"), ""),
    ("arrive", Some("dispatched"), Some("on_site"), "at 1,2"),
    ("enterprise.move", None, None, "town-a → town-b · A → B"),
    ("draw", None, None, "drawn · 3 enterprises"),
    ("evidence.countersign", None, None, "2 photo(s), head ab · key k"),
];

type AuditLine = (String, Option<String>, Option<String>, String);

fn expected_audit() -> Vec<AuditLine> {
    V7_AUDIT
        .iter()
        .map(|(a, f, t, n)| (a.to_string(), f.map(String::from), t.map(String::from), n.to_string()))
        .collect()
}

const AUDIT_LINES: &str = "SELECT action, from_state, to_state, note FROM audit ORDER BY n";

#[test]
fn sqlite_audit_states_of_version_6_become_typed() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open_at_version(dir.path(), 6).expect("v6"));
    Connection::open(sqlite_file(dir.path())).expect("open").execute_batch(V6_AUDIT).expect("v6 audit");
    drop(SqliteDb::open(dir.path()).expect("upgrade"));
    let conn = Connection::open(sqlite_file(dir.path())).expect("open");
    let mut stmt = conn.prepare(AUDIT_LINES).expect("prepare");
    let lines: Vec<AuditLine> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(lines, expected_audit());
    let bad = "INSERT INTO audit (entity, id, action, from_state, to_state, user_id, at, note)
               VALUES ('task', 't1', 'accept', 'proof_submitted', 'Accepted', 'u', '2026-01-07T00:00:00Z', '')";
    assert!(conn.execute(bad, []).is_err(), "the CHECK refuses a state that is not the record kind's");
}

#[test]
fn postgres_audit_states_of_version_6_become_typed() {
    let Some(db) = PgDatabase::new() else { return };
    drop(PgDb::connect_at_version(&db.url(), 6).expect("v6"));
    db.client().batch_execute(V6_AUDIT).expect("v6 audit");
    drop(PgDb::connect(&db.url()).expect("upgrade"));
    let mut client = db.client();
    let lines: Vec<AuditLine> = client
        .query(AUDIT_LINES, &[])
        .expect("query")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(lines, expected_audit());
    let bad = "INSERT INTO audit (entity, id, action, from_state, to_state, user_id, at, note)
               VALUES ('task', 't1', 'accept', 'proof_submitted', 'Accepted', 'u', '2026-01-07T00:00:00Z', '')";
    assert!(client.batch_execute(bad).is_err(), "the CHECK refuses a state that is not the record kind's");
}
