//! The embedded back end: one SQLite file in WAL mode, one writer connection (so change-log cursors are
//! in commit order) and a few readers. All of its SQL is here.

mod checkpointer;
mod listing;
mod tables;
mod writer;

use super::migrations::{self, Migration};
use super::{
    AccountRow, AuditRow, BlobOwnerRow, BlobUploadRow, ChangeRef, CitationRow, ConflictRow, DeviceRow, Filter, Holder,
    Keys, LogBounds, PullOpening, StoreError, Tx, entity_from_name, entity_name, parse_time, record_state,
};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use fieldcheck_domain::audit::RecordState;
use fieldcheck_protocol::Entity;
use rusqlite::config::DbConfig;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The SQLite database of one platform process.
pub struct SqliteDb {
    path: PathBuf,
    /// The one writer connection, on its own thread, which also has the checkpointer copy its commits from
    /// the WAL into the database off the request path.
    writer: writer::Writer,
    readers: Mutex<Vec<Connection>>,
    /// Turns at the readers, handed out in arrival order before a blocking thread is taken
    /// ([`SqliteDb::read_turn`]).
    read_turns: Arc<Semaphore>,
    /// How many read transactions run at once ([`readers_at_once`]).
    readers_max: usize,
    /// Read transactions waiting for a turn (for `/metrics`).
    waiting: AtomicUsize,
}

/// Read transactions at once, each on a kept connection: twice the cores. More only take turns on the
/// same cores (on two, 1,000 devices saw p99 313-349 ms with four readers against 364-397 ms with eight;
/// two were worse than four).
fn readers_at_once() -> usize {
    std::thread::available_parallelism().map_or(4, |cores| 2 * cores.get())
}

/// How long a connection waits for another's lock, and how long opening keeps trying when SQLite answers
/// busy without waiting (see [`when_not_busy`]).
const BUSY_WAIT: Duration = Duration::from_secs(30);

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_WAIT)?;
    configure(&conn)?;
    Ok(conn)
}

/// Pages each connection may cache, in KiB (SQLite's default is 2 MiB). A push of 500 inspections
/// dirties more than that: the writer then spilled pages to the WAL mid-transaction and read them
/// back. The cache grows only as pages are used.
const CACHE_KIB: i64 = 64 * 1024;

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    // The savepoint each mutation runs in journals the pages it changes: in memory, not a temp file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(64);
    // Plan each statement once, whatever is bound to it. Otherwise SQLite (3.50) plans with the value bound
    // to a LIMIT and prepares the statement again every time it runs: the pull's page query was prepared
    // at every pull (7% of the platform's time under a crowd of first syncs).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// The schema version recorded in the file: 0 when it has no `schema_version` table (new, or made
/// before numbered migrations). Only reads.
pub fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(0);
    }
    let v: Option<i64> = conn.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?;
    u32::try_from(v.unwrap_or(0)).map_err(|_| StoreError::Corrupt(format!("schema version {v:?}")))
}

/// Applies the migrations after the file's version, up to `target`, each in its own `BEGIN IMMEDIATE`
/// transaction with its `schema_version` row (so a concurrent process waits, then sees it applied).
fn migrate(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let target = target.min(migrations::LATEST);
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = schema_version(&tx)?;
        if found > migrations::LATEST {
            return Err(StoreError::NewerSchema { found, supported: migrations::LATEST });
        }
        let Some(step) = migrations::SQLITE.get(found as usize).filter(|m: &&Migration| m.version <= target) else {
            return Ok(());
        };
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )?;
        tx.execute_batch(step.sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![step.version, step.name, time(&Utc::now())],
        )?;
        tx.commit()?;
    }
}

/// Runs `step` again, backing off, while SQLite answers busy at once. The busy handler does not wait where
/// waiting could deadlock: processes starting together on a new file all read it, then each asks for the
/// exclusive lock that switching it to WAL needs, and all but one are refused. Trying again after the
/// winner has finished succeeds (and finds the file in WAL, its migrations applied).
fn when_not_busy<T>(mut step: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
    use backon::{BlockingRetryable, ExponentialBuilder};
    let backoff = ExponentialBuilder::new()
        .with_jitter()
        .with_min_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(500))
        .without_max_times()
        .with_total_delay(Some(BUSY_WAIT));
    (|| step()).retry(backoff).sleep(std::thread::sleep).when(is_busy).call()
}

fn is_busy(e: &StoreError) -> bool {
    matches!(e, StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseBusy)
}

impl SqliteDb {
    /// Opens (creating when needed) `platform.sqlite3` in `folder` and brings its schema up to date.
    pub fn open(folder: &Path) -> Result<Self, StoreError> {
        Self::open_at_version(folder, migrations::LATEST)
    }

    /// Opens with the schema brought up to `version` only (upgrade tests start from an old version).
    /// A file newer than this build is refused before anything is written to it.
    pub fn open_at_version(folder: &Path, version: u32) -> Result<Self, StoreError> {
        std::fs::create_dir_all(folder)?;
        let path = folder.join("platform.sqlite3");
        let mut writer = Connection::open(&path)?;
        writer.busy_timeout(BUSY_WAIT)?;
        when_not_busy(|| {
            // Look before touching: even switching the journal mode would write to a newer file.
            let found = schema_version(&writer)?;
            if found > migrations::LATEST {
                return Err(StoreError::NewerSchema { found, supported: migrations::LATEST });
            }
            configure(&writer)?;
            migrate(&mut writer, version)
        })?;
        writer.pragma_update(None, "wal_autocheckpoint", checkpointer::BACKSTOP_PAGES)?;
        let checkpointer = checkpointer::Checkpointer::start(open(&path)?)?;
        let readers_max = readers_at_once();
        Ok(SqliteDb {
            path,
            writer: writer::Writer::start(writer, checkpointer)?,
            readers: Mutex::new(Vec::new()),
            read_turns: Arc::new(Semaphore::new(readers_max)),
            readers_max,
            waiting: AtomicUsize::new(0),
        })
    }

    /// A turn at a reader, waited for in arrival order before the transaction takes a blocking thread:
    /// under a crowd of requests they queue here fairly (a thread per waiting request would crowd the
    /// blocking pool), and the readers' connections, with their prepared statements, are reused instead of
    /// opened for each request.
    pub(super) async fn read_turn(&self) -> Result<OwnedSemaphorePermit, StoreError> {
        let started = std::time::Instant::now();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let turn = self.read_turns.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        crate::ops::metrics::db_wait(started.elapsed(), turn.is_ok());
        turn.map_err(|e| StoreError::Pool(e.to_string()))
    }

    /// The writer and the readers' use, for the operations' metrics.
    pub(super) fn pool_use(&self) -> super::PoolUse {
        let idle_readers = self.readers.lock().unwrap_or_else(|p| p.into_inner()).len();
        let busy_readers = self.readers_max - self.read_turns.available_permits();
        let (writes_waiting, writer_busy) = self.writer.state();
        super::PoolUse {
            open: 1 + idle_readers.max(busy_readers),
            idle: usize::from(!writer_busy) + idle_readers.saturating_sub(busy_readers),
            waiting: self.waiting.load(Ordering::Relaxed) + writes_waiting,
            max: None,
        }
    }

    /// The count of writes queued for the writer and not yet started.
    pub(super) fn writes_waiting(&self) -> Arc<AtomicUsize> {
        self.writer.waiting()
    }

    /// Runs `f` in a write transaction, committed with the writes queued beside it ([`writer`]).
    pub(super) async fn write<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, ApiError> + Send + 'static,
    {
        self.writer.write(f).await
    }

    /// Runs `f` in one read transaction; the caller holds a reader's turn.
    pub(super) fn read<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let result = {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(StoreError::from)?;
            let r = f(&mut SqliteTx(&tx));
            tx.finish().map_err(StoreError::from)?;
            r
        };
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < self.readers_max {
            readers.push(conn);
        }
        result
    }
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn opt_time(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_time).transpose()
}

fn device_row(r: &rusqlite::Row) -> rusqlite::Result<(DeviceRow, [String; 2], [Option<String>; 2])> {
    Ok((
        DeviceRow {
            id: r.get(0)?,
            user: r.get(1)?,
            token_hash: r.get(2)?,
            issued_at: DateTime::<Utc>::MIN_UTC,
            expires_at: DateTime::<Utc>::MIN_UTC,
            revoked_at: None,
            last_seen: None,
            clock_skew_ms: r.get(7)?,
        },
        [r.get(3)?, r.get(4)?],
        [r.get(5)?, r.get(6)?],
    ))
}

fn finish_device(raw: (DeviceRow, [String; 2], [Option<String>; 2])) -> Result<DeviceRow, StoreError> {
    let (mut d, [issued, expires], [revoked, seen]) = raw;
    d.issued_at = parse_time(&issued)?;
    d.expires_at = parse_time(&expires)?;
    d.revoked_at = opt_time(revoked)?;
    d.last_seen = opt_time(seen)?;
    Ok(d)
}

const CONFLICT_COLUMNS: &str = "n, entity, id, field, base, kept, lost, user_id, device, at, resolution, resolved_by, \
     resolved_at FROM conflicts";

type RawConflict = (ConflictRow, String, Option<String>);

fn conflict_row(r: &rusqlite::Row) -> rusqlite::Result<RawConflict> {
    Ok((
        ConflictRow {
            number: r.get::<_, i64>(0)? as u64,
            entity: r.get(1)?,
            id: r.get(2)?,
            field: r.get(3)?,
            base: r.get(4)?,
            kept: r.get(5)?,
            lost: r.get(6)?,
            user: r.get(7)?,
            device: r.get(8)?,
            at: DateTime::<Utc>::MIN_UTC,
            resolution: r.get(10)?,
            resolved_by: r.get(11)?,
            resolved_at: None,
        },
        r.get(9)?,
        r.get(12)?,
    ))
}

fn finish_conflict((mut c, at, resolved_at): RawConflict) -> Result<ConflictRow, StoreError> {
    c.at = parse_time(&at)?;
    c.resolved_at = opt_time(resolved_at)?;
    Ok(c)
}

const DEVICE_COLUMNS: &str =
    "id, user_id, token_hash, issued_at, expires_at, revoked_at, last_seen, clock_skew_ms FROM devices";

impl SqliteTx<'_> {
    /// Executes through the connection's statement cache (preparing is a large part of a small write).
    fn exec(&self, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.0.prepare_cached(sql)?.execute(p)
    }

    fn row<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.0.prepare_cached(sql)?.query_row(p, f)
    }

    fn append(&self, entity: Entity, id: &str, data: Option<&str>, keys: &Keys) -> Result<(), StoreError> {
        let name = entity_name(entity);
        // Compaction: only the newest entry of a record matters to a device that has not seen it yet.
        // Departures stay: a device of the scope the record left still needs its tombstone.
        self.exec("DELETE FROM changes WHERE entity = ?1 AND id = ?2 AND NOT departed", params![name, id])?;
        self.insert_change(name, id, data.is_none(), false, keys)
    }

    fn insert_change(
        &self,
        name: &str,
        id: &str,
        tombstone: bool,
        departed: bool,
        keys: &Keys,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO changes (entity, id, tombstone, departed, audience, enterprise, township, squadron, assignee, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                name,
                id,
                tombstone,
                departed,
                keys.audience.as_str(),
                keys.enterprise,
                keys.township,
                keys.squadron,
                keys.assignee,
                time(&Utc::now())
            ],
        )?;
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    fn get(&mut self, entity: Entity, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .row("SELECT data FROM records WHERE entity = ?1 AND id = ?2", params![entity_name(entity), id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn list(&mut self, entity: Entity) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.0.prepare_cached("SELECT data FROM records WHERE entity = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![entity_name(entity)], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn upsert(&mut self, entity: Entity, id: &str, data: &str, keys: &Keys) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO records (entity, id, data) VALUES (?1, ?2, ?3)
             ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data",
            params![entity_name(entity), id, data],
        )?;
        self.append(entity, id, Some(data), keys)
    }

    fn delete(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<(), StoreError> {
        self.exec("DELETE FROM records WHERE entity = ?1 AND id = ?2", params![entity_name(entity), id])?;
        self.append(entity, id, None, keys)
    }

    fn depart(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<(), StoreError> {
        let name = entity_name(entity);
        // Only the newest departure from one township matters.
        self.exec(
            "DELETE FROM changes WHERE entity = ?1 AND id = ?2 AND departed AND township IS ?3",
            params![name, id, keys.township],
        )?;
        self.insert_change(name, id, true, true, keys)
    }

    fn each_change(
        &mut self,
        after: u64,
        limit: u32,
        filter: &Filter,
        each: &mut dyn FnMut(ChangeRef<'_>),
    ) -> Result<(), StoreError> {
        let mut args: Vec<Value> = vec![Value::Integer(after as i64)];
        let list = |ids: &[String], args: &mut Vec<Value>| {
            args.extend(ids.iter().map(|t| Value::Text(t.clone())));
            vec!["?"; ids.len()].join(",")
        };
        let scope = match filter {
            // The command centre sees every record where it is now: departures are not for it.
            Filter::All => "NOT c.departed".to_string(),
            Filter::Enterprise { enterprise } => {
                args.push(Value::Text(enterprise.clone()));
                "(audience = 'public' OR (audience = 'shared' AND enterprise = ?))".to_string()
            }
            Filter::Townships { townships } => {
                format!("(audience = 'public' OR township IN ({}))", list(townships, &mut args))
            }
            Filter::Officer { townships, squadron, user } => {
                let towns = list(townships, &mut args);
                args.push(Value::Text(squadron.clone()));
                args.push(Value::Text(user.clone()));
                format!("(audience = 'public' OR township IN ({towns}) OR squadron = ? OR assignee = ?)")
            }
        };
        args.push(Value::Integer(i64::from(limit)));
        let sql = format!(
            "SELECT c.cursor, c.entity, c.id, CASE WHEN c.tombstone THEN NULL ELSE r.data END
             FROM changes c LEFT JOIN records r ON r.entity = c.entity AND r.id = c.id
             WHERE c.cursor > ? AND {scope} ORDER BY c.cursor LIMIT ?"
        );
        let mut stmt = self.0.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let text = |i| -> Result<Option<&str>, StoreError> {
                r.get_ref(i)?.as_str_or_null().map_err(|e| StoreError::Corrupt(format!("a change-log entry: {e}")))
            };
            let (entity, id, data) = (text(1)?, text(2)?, text(3)?);
            let (Some(entity), Some(id)) = (entity, id) else {
                return Err(StoreError::Corrupt("a change-log entry without its entity or id".into()));
            };
            each(ChangeRef { cursor: r.get::<_, i64>(0)? as u64, entity: entity_from_name(entity)?, id, data });
        }
        Ok(())
    }

    fn log_bounds(&mut self) -> Result<LogBounds, StoreError> {
        // sqlite_sequence holds the highest cursor ever given, even if that entry was compacted away.
        let (seq, floor): (Option<i64>, Option<String>) = self.row(
            "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'changes'),
                    (SELECT value FROM meta WHERE key = 'tombstone_floor')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(LogBounds::from_stored(seq, floor))
    }

    fn tombstone_floor(&mut self) -> Result<u64, StoreError> {
        let v: Option<String> =
            self.row("SELECT value FROM meta WHERE key = 'tombstone_floor'", [], |r| r.get(0)).optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn prune_tombstones(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let highest: Option<i64> =
            self.row("SELECT MAX(cursor) FROM changes WHERE tombstone AND at < ?1", params![time(&before)], |r| {
                r.get(0)
            })?;
        let Some(highest) = highest else { return self.tombstone_floor() };
        self.exec("DELETE FROM changes WHERE tombstone AND cursor <= ?1", params![highest])?;
        let floor = (highest as u64).max(self.tombstone_floor()?);
        self.exec(
            "INSERT INTO meta (key, value) VALUES ('tombstone_floor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![floor.to_string()],
        )?;
        Ok(floor)
    }

    fn account(&mut self, login: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = self
            .0
            .query_row(
                "SELECT login, user_id, password_hash, failures, locked_until FROM accounts WHERE login = ?1",
                params![login],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(login, user, password_hash, failures, locked)| {
            Ok(AccountRow {
                login,
                user,
                password_hash,
                failures: u32::try_from(failures).unwrap_or(u32::MAX),
                locked_until: opt_time(locked)?,
            })
        })
        .transpose()
    }

    fn put_account(&mut self, login: &str, user: &str, password_hash: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO accounts (login, user_id, password_hash) VALUES (?1, ?2, ?3)
             ON CONFLICT (login) DO UPDATE SET user_id = excluded.user_id, password_hash = excluded.password_hash",
            params![login, user, password_hash],
        )?;
        Ok(())
    }

    fn set_login_failures(
        &mut self,
        login: &str,
        failures: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE accounts SET failures = ?2, locked_until = ?3 WHERE login = ?1",
            params![login, failures, locked_until.as_ref().map(time)],
        )?;
        Ok(())
    }

    fn device_and_user_by_token(&mut self, token_hash: &str) -> Result<Option<Holder>, StoreError> {
        // One statement, run on every authenticated request.
        let found = self
            .row(
                "SELECT d.id, d.user_id, d.token_hash, d.issued_at, d.expires_at, d.revoked_at, d.last_seen,
                        d.clock_skew_ms, r.data
                 FROM devices d LEFT JOIN records r ON r.entity = 'user' AND r.id = d.user_id
                 WHERE d.token_hash = ?1",
                params![token_hash],
                |r| Ok((device_row(r)?, r.get::<_, Option<String>>(8)?)),
            )
            .optional()?;
        found.map(|(device, user)| Ok((finish_device(device)?, user))).transpose()
    }

    fn open_pull(&mut self, token_hash: &str) -> Result<PullOpening, StoreError> {
        let (holder, wipe_order, seq, floor) = self.row(
            "SELECT d.id, d.user_id, d.token_hash, d.issued_at, d.expires_at, d.revoked_at, d.last_seen,
                    d.clock_skew_ms, r.data, w.value,
                    (SELECT seq FROM sqlite_sequence WHERE name = 'changes'),
                    (SELECT value FROM meta WHERE key = 'tombstone_floor')
             FROM (SELECT 1) one
             LEFT JOIN devices d ON d.token_hash = ?1
             LEFT JOIN records r ON r.entity = 'user' AND r.id = d.user_id
             LEFT JOIN evidence_kv w ON w.kind = ?2 AND w.key = d.id",
            params![token_hash, crate::wipe::ORDER_KIND],
            |r| {
                let holder = match r.get::<_, Option<String>>(0)? {
                    Some(_) => Some((device_row(r)?, r.get::<_, Option<String>>(8)?)),
                    None => None,
                };
                Ok((holder, r.get::<_, Option<String>>(9)?, r.get::<_, Option<i64>>(10)?, r.get(11)?))
            },
        )?;
        let holder = holder.map(|(device, user)| Ok::<_, StoreError>((finish_device(device)?, user))).transpose()?;
        Ok(PullOpening { holder, wipe_order, bounds: LogBounds::from_stored(seq, floor) })
    }

    fn device(&mut self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} WHERE id = ?1");
        let raw = self.row(&sql, params![id], device_row).optional()?;
        raw.map(finish_device).transpose()
    }

    fn put_device(&mut self, d: &DeviceRow) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO devices (id, user_id, token_hash, issued_at, expires_at, revoked_at, last_seen, clock_skew_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, token_hash = excluded.token_hash,
               issued_at = excluded.issued_at, expires_at = excluded.expires_at, revoked_at = excluded.revoked_at",
            params![
                d.id,
                d.user,
                d.token_hash,
                time(&d.issued_at),
                time(&d.expires_at),
                d.revoked_at.as_ref().map(time),
                d.last_seen.as_ref().map(time),
                d.clock_skew_ms
            ],
        )?;
        Ok(())
    }

    fn revoke_device(&mut self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.exec("UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", params![id, time(&at)])?;
        Ok(())
    }

    fn record_clock_skew(&mut self, id: &str, seen: DateTime<Utc>, skew_ms: i64) -> Result<(), StoreError> {
        self.exec(
            "UPDATE devices SET last_seen = ?2, clock_skew_ms = ?3 WHERE id = ?1",
            params![id, time(&seen), skew_ms],
        )?;
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>, StoreError> {
        let sql = format!("SELECT {DEVICE_COLUMNS} ORDER BY last_seen DESC");
        let mut stmt = self.0.prepare_cached(&sql)?;
        let rows = stmt.query_map([], device_row)?;
        rows.map(|r| finish_device(r?)).collect()
    }

    fn outcomes(
        &mut self,
        device: &str,
        seqs: &[u64],
    ) -> Result<std::collections::HashMap<u64, (String, String)>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for &seq in seqs {
            let row = self
                .row(
                    "SELECT mutation, outcome FROM mutations WHERE device = ?1 AND seq = ?2",
                    params![device, seq as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            found.extend(row.map(|r| (seq, r)));
        }
        Ok(found)
    }

    fn put_outcome(
        &mut self,
        device: &str,
        seq: u64,
        mutation: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO mutations (device, seq, mutation, outcome, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![device, seq as i64, mutation, outcome, time(&at)],
        )?;
        Ok(())
    }

    fn audit(&mut self, a: &AuditRow) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO audit (entity, id, action, from_state, to_state, user_id, device, at, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                a.entity,
                a.id,
                a.action,
                a.from_state.map(RecordState::as_str),
                a.to_state.map(RecordState::as_str),
                a.user,
                a.device,
                time(&a.at),
                a.note
            ],
        )?;
        Ok(())
    }

    fn audits(&mut self, entity: &str, id: &str) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT action, from_state, to_state, user_id, device, at, note FROM audit
             WHERE entity = ?1 AND id = ?2 ORDER BY n",
        )?;
        let rows = stmt.query_map(params![entity, id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (action, from_state, to_state, user, device, at, note) = row?;
            let at = parse_time(&at)?;
            out.push(AuditRow {
                entity: entity.to_string(),
                id: id.to_string(),
                action,
                from_state: record_state(entity, from_state)?,
                to_state: record_state(entity, to_state)?,
                user,
                device,
                at,
                note,
            });
        }
        Ok(out)
    }

    fn conflict(&mut self, c: &ConflictRow) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO conflicts (entity, id, field, base, kept, lost, user_id, device, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![c.entity, c.id, c.field, c.base, c.kept, c.lost, c.user, c.device, time(&c.at)],
        )?;
        Ok(())
    }

    fn conflicts(&mut self) -> Result<Vec<ConflictRow>, StoreError> {
        let sql = format!("SELECT {CONFLICT_COLUMNS} ORDER BY n");
        let mut stmt = self.0.prepare_cached(&sql)?;
        let rows = stmt.query_map([], conflict_row)?;
        rows.map(|r| finish_conflict(r?)).collect()
    }

    fn conflict_by_number(&mut self, number: u64) -> Result<Option<ConflictRow>, StoreError> {
        let sql = format!("SELECT {CONFLICT_COLUMNS} WHERE n = ?1");
        let raw = self.row(&sql, params![number as i64], conflict_row).optional()?;
        raw.map(finish_conflict).transpose()
    }

    fn resolve_conflict(
        &mut self,
        number: u64,
        resolution: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = self.exec(
            "UPDATE conflicts SET resolution = ?2, resolved_by = ?3, resolved_at = ?4
             WHERE n = ?1 AND resolution IS NULL",
            params![number as i64, resolution, by, time(&at)],
        )?;
        Ok(changed == 1)
    }

    fn evidence_get(&mut self, kind: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT value FROM evidence_kv WHERE kind = ?1 AND key = ?2")?
            .query_row(params![kind, key], |r| r.get(0))
            .optional()?)
    }

    fn evidence_put(&mut self, kind: &str, key: &str, value: &str) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO evidence_kv (kind, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![kind, key, value])?;
        Ok(())
    }

    fn blob_citations(&mut self, sha256: &str, _for_write: bool) -> Result<Vec<CitationRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT len, case_kind, case_id, device, user_id, at FROM blob_citations WHERE sha256 = ?1 ORDER BY n",
        )?;
        let rows = stmt.query_map(params![sha256], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        rows.map(|r| {
            let (len, case_kind, case_id, device, user, at) = r?;
            Ok(CitationRow {
                sha256: sha256.to_string(),
                len: len as u64,
                case_kind,
                case_id,
                device,
                user,
                at: parse_time(&at)?,
            })
        })
        .collect()
    }

    fn cite_blob(&mut self, c: &CitationRow) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO blob_citations (sha256, len, case_kind, case_id, device, user_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sha256, case_kind, case_id, device) DO NOTHING",
            params![c.sha256, c.len as i64, c.case_kind, c.case_id, c.device, c.user, time(&c.at)],
        )?;
        Ok(())
    }

    fn blob_owner(&mut self, sha256: &str) -> Result<Option<BlobOwnerRow>, StoreError> {
        let raw = self
            .row("SELECT device, user_id, started_at FROM blob_owners WHERE sha256 = ?1", params![sha256], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .optional()?;
        raw.map(|(device, user, at)| {
            Ok(BlobOwnerRow { sha256: sha256.to_string(), device, user, started_at: parse_time(&at)? })
        })
        .transpose()
    }

    fn set_blob_owner(&mut self, o: &BlobOwnerRow) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO blob_owners (sha256, device, user_id, started_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (sha256) DO UPDATE SET device = excluded.device, user_id = excluded.user_id,
             started_at = excluded.started_at",
            params![o.sha256, o.device, o.user, time(&o.started_at)],
        )?;
        Ok(())
    }

    fn blob_upload(&mut self, sha256: &str) -> Result<Option<BlobUploadRow>, StoreError> {
        let raw = self
            .row("SELECT received, lease, lease_until FROM blob_uploads WHERE sha256 = ?1", params![sha256], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?))
            })
            .optional()?;
        raw.map(|(received, lease, until)| {
            Ok(BlobUploadRow {
                received: received as u64,
                lease,
                lease_until: until.as_deref().map(parse_time).transpose()?,
            })
        })
        .transpose()
    }

    fn lease_blob_upload(
        &mut self,
        sha256: &str,
        token: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.exec("INSERT INTO blob_uploads (sha256) VALUES (?1) ON CONFLICT (sha256) DO NOTHING", params![sha256])?;
        let taken = self.exec(
            "UPDATE blob_uploads SET lease = ?2, lease_until = ?4
             WHERE sha256 = ?1 AND (lease IS NULL OR lease = ?2 OR lease_until < ?3)",
            params![sha256, token, time(&now), time(&until)],
        )?;
        Ok(taken == 1)
    }

    fn release_blob_upload(&mut self, sha256: &str, token: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE blob_uploads SET lease = NULL, lease_until = NULL WHERE sha256 = ?1 AND lease = ?2",
            params![sha256, token],
        )?;
        Ok(())
    }

    fn add_blob_part(&mut self, sha256: &str, token: &str, first: u64, end: u64) -> Result<bool, StoreError> {
        let moved = self.exec(
            "UPDATE blob_uploads SET received = ?4 WHERE sha256 = ?1 AND lease = ?2 AND received = ?3",
            params![sha256, token, first as i64, end as i64],
        )?;
        if moved == 1 {
            self.exec(
                "INSERT INTO blob_parts (sha256, start_at, end_at) VALUES (?1, ?2, ?3)",
                params![sha256, first as i64, end as i64],
            )?;
        }
        Ok(moved == 1)
    }

    fn blob_parts(&mut self, sha256: &str) -> Result<Vec<(u64, u64)>, StoreError> {
        let mut stmt =
            self.0.prepare_cached("SELECT start_at, end_at FROM blob_parts WHERE sha256 = ?1 ORDER BY start_at")?;
        let rows = stmt.query_map(params![sha256], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn drop_blob_upload(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.exec("DELETE FROM blob_parts WHERE sha256 = ?1", params![sha256])?;
        self.exec("DELETE FROM blob_uploads WHERE sha256 = ?1", params![sha256])?;
        Ok(())
    }

    // Prepared once and cached, like every other statement: a push runs these for each mutation.
    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.exec("SAVEPOINT mutation", [])?;
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.exec("ROLLBACK TO SAVEPOINT mutation", [])?;
        self.exec("RELEASE SAVEPOINT mutation", [])?;
        Ok(())
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.exec("RELEASE SAVEPOINT mutation", [])?;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// Every connection plans a statement once: binding new values (here a page's LIMIT, as the pull's
    /// page query does) never makes SQLite prepare it again.
    #[test]
    fn a_statement_is_prepared_once_whatever_is_bound_to_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conn = open(&dir.path().join("plan.sqlite3")).expect("open");
        assert!(conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).expect("config"), "planner stability is on");
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY); INSERT INTO t VALUES (10), (11), (12), (13);")
            .expect("table");
        let mut stmt = conn.prepare("SELECT n FROM t WHERE n > ?1 ORDER BY n LIMIT ?2").expect("prepare");
        for (after, limit) in [(0, 3), (10, 2), (11, 5), (0, 1)] {
            stmt.query_map(params![after, limit], |r| r.get::<_, i64>(0)).expect("query").for_each(drop);
        }
        assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0);
    }
}
