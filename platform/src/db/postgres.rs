//! The PostgreSQL back end, for more than one machine's worth of load. All of its SQL is here.
//!
//! Connections: tokio-postgres over rustls (`postgres_tls`), pooled by deadpool-postgres with a bounded
//! size and wait ([`PgOptions`]); a caller that waits longer than that is answered 503 busy. Every statement
//! is prepared once per connection (`prepare_cached`). A transaction's writes are held and pipelined with
//! its next read ([`pipeline`]): BEGIN goes with the first statement, and the change-log lock, the entries
//! and COMMIT go together in the last round trip.
//!
//! Commit order without a table lock (the proof is in `docs/sync-protocol.md`): a transaction keeps the
//! change-log entries it makes in memory and writes them just before COMMIT, after taking the
//! transaction-scoped advisory lock [`CHANGE_LOG_LOCK`], which COMMIT (or ROLLBACK) releases. Cursors are
//! handed out only under that lock, so they are handed out in commit order, and the lock is held only
//! from the first cursor to the commit, never while a decision runs.
//!
//! Records read by a write transaction are locked (`SELECT … FOR UPDATE`) until it ends: a decision is
//! made on the record as the last committed writer left it, and another writer of the same record waits
//! for this one instead of overwriting it from a stale read (read committed, so the waiter then reads
//! the new version). A lock circle is broken by PostgreSQL and answered 503 busy. Reference data
//! (townships, squadrons, checklists) is read without a lock.

mod listing;
mod pipeline;
mod rows;
mod tables;

use super::migrations;
use super::postgres_tls;
use super::{
    AccountRow, AuditRow, BlobOwnerRow, BlobUploadRow, ChangeRef, CitationRow, ConflictRow, DeviceRow, Filter, Holder,
    Keys, LogBounds, PullOpening, StoreError, Tx, entity_from_name, entity_name, parse_time, record_state,
};
use crate::db::tables::{Value, opt, text};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use fieldcheck_protocol::Entity;
use pipeline::{Params, Pipeline, args};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

/// The advisory lock under which change-log entries are written (a transaction-scoped lock on one
/// 64-bit key; its value only has to differ from the platform's other advisory locks).
pub const CHANGE_LOG_LOCK: i64 = 0x6663_6c6f_6700; // "fclog"
/// The advisory locks of a blob's citations: (this, hashtext(sha256)), a different key space (two 32-bit
/// keys) from the change log's and the migrations' one 64-bit key.
const CITATION_LOCK: i32 = 0x6663_6369; // "fcci"
/// The advisory locks of records claimed by a write ([`Tx::claim`]): (this, hashtext(entity:id)), in the
/// two-key space like the citations'. Two records whose keys collide are claimed together: a wait, never
/// a wrong answer.
const RECORD_LOCK: i32 = 0x6663_7263; // "fcrc"
/// A mutation's savepoint (one at a time; [`Tx::savepoint`]): set, released, rolled back to.
const SAVEPOINT: &str = "SAVEPOINT mutation";
const RELEASE_SAVEPOINT: &str = "RELEASE SAVEPOINT mutation";
const ROLLBACK_TO_SAVEPOINT: &str = "ROLLBACK TO SAVEPOINT mutation; RELEASE SAVEPOINT mutation";
/// The migrations' advisory lock (one 64-bit key).
const MIGRATION_LOCK: i64 = 7426;

/// The pool's bounds. From the environment: `FIELDCHECK_DATABASE_POOL_SIZE` (connections, default 16)
/// and `FIELDCHECK_DATABASE_POOL_WAIT_MS` (how long a request waits for a free connection before it is
/// answered 503 busy, default 5000).
#[derive(Clone, Copy, Debug)]
pub struct PgOptions {
    pub pool_size: usize,
    pub wait: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { pool_size: 16, wait: Duration::from_secs(5) }
    }
}

impl PgOptions {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
        let default = Self::default();
        PgOptions {
            pool_size: var("FIELDCHECK_DATABASE_POOL_SIZE").map_or(default.pool_size, |n| n.max(1) as usize),
            wait: var("FIELDCHECK_DATABASE_POOL_WAIT_MS").map_or(default.wait, Duration::from_millis),
        }
    }
}

/// A bounded pool of connections to one PostgreSQL database.
pub struct PgDb {
    pool: Pool,
}

/// Runs a future to its end from synchronous code: on the runtime when called from one of its blocking
/// threads (the decisions run there), else on a runtime of its own (a command-line tool, a test thread).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    match Handle::try_current() {
        Ok(handle) => handle.block_on(f),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for a database call")
            .block_on(f),
    }
}

impl PgDb {
    /// Connects and brings the schema up to date.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_at_version(url, migrations::LATEST)
    }

    /// Connects with the schema brought up to `version` only (upgrade tests start from an old version).
    /// A database newer than this build is refused before anything is written to it.
    pub fn connect_at_version(url: &str, version: u32) -> Result<Self, StoreError> {
        Self::connect_with(url, version, PgOptions::from_env())
    }

    pub fn connect_with(url: &str, version: u32, options: PgOptions) -> Result<Self, StoreError> {
        let (mut config, tls) = postgres_tls::settings(url)?;
        // Each prepared statement is planned once per connection, whatever is bound to it (as SQLite's
        // `ENABLE_QPSG`). Otherwise PostgreSQL plans a statement again at every execution when the plan it
        // would reuse looks dearer for an unknown LIMIT or list: 13% of its time under a crowd of devices.
        // An option in the URL comes after, so it still decides.
        let startup = format!("-c plan_cache_mode=force_generic_plan {}", config.get_options().unwrap_or(""));
        config.options(startup.trim_end());
        // The migrations run on a connection of their own, so the pool holds only connections made on
        // the runtime that serves requests.
        block_on(async {
            let (mut client, connection) = config.connect(tls.clone()).await?;
            let running = crate::ops::spawn_detached(connection);
            let migrated = migrate(&mut client, version).await;
            drop(client);
            let _ = running.await;
            migrated
        })?;
        let manager = Manager::from_config(config, tls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .wait_timeout(Some(options.wait))
            .create_timeout(Some(options.wait))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Config(format!("database pool: {e}")))?;
        Ok(PgDb { pool })
    }

    /// A connection of the pool; waits at most the configured time for one.
    pub(super) async fn conn(&self) -> Result<Object, StoreError> {
        let started = std::time::Instant::now();
        let conn = self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => StoreError::Postgres(e),
            PoolError::Timeout(_) => StoreError::PoolTimeout,
            other => StoreError::Pool(other.to_string()),
        });
        crate::ops::metrics::db_wait(started.elapsed(), conn.is_ok());
        conn
    }

    /// The pool's use, for the operations' metrics.
    pub(super) fn pool_use(&self) -> super::PoolUse {
        let s = self.pool.status();
        super::PoolUse { open: s.size, idle: s.available, waiting: s.waiting, max: Some(s.max_size) }
    }
}

/// Runs `f` in one write transaction on `conn` (from a blocking thread); rolls back on error.
pub(super) fn write<R>(conn: Object, f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
    let mut tx = PgTx::new(Pipeline::begin(conn, "BEGIN"), true);
    let r = f(&mut tx)?;
    tx.commit()?;
    Ok(r)
}

pub(super) fn read<R>(conn: Object, f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
    // One snapshot for the whole read, so a page and its cursor agree.
    let mut tx =
        PgTx::new(Pipeline::begin(conn, "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"), false);
    let r = f(&mut tx);
    tx.conn.finish("ROLLBACK")?;
    r
}

/// The schema version recorded in the database: 0 when it has no `schema_version` table (new, or made
/// before numbered migrations). Only reads.
pub async fn schema_version(client: &impl tokio_postgres::GenericClient) -> Result<u32, StoreError> {
    let exists: bool = client.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[]).await?.try_get(0)?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = client.query_one("SELECT MAX(version) FROM schema_version", &[]).await?.try_get(0)?;
    u32::try_from(v.unwrap_or(0)).map_err(|_| StoreError::Corrupt(format!("schema version {v:?}")))
}

/// Applies the migrations after the database's version, up to `target`, each in its own transaction
/// with its `schema_version` row. An advisory lock serialises platform processes starting at once.
async fn migrate(client: &mut tokio_postgres::Client, target: u32) -> Result<(), StoreError> {
    let target = target.min(migrations::LATEST);
    loop {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        let found = schema_version(&tx).await?;
        if found > migrations::LATEST {
            // Dropping `tx` rolls back: nothing was written.
            return Err(StoreError::NewerSchema { found, supported: migrations::LATEST });
        }
        let Some(step) = migrations::POSTGRES.get(found as usize).filter(|m| m.version <= target) else {
            return Ok(());
        };
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .await?;
        tx.batch_execute(step.sql).await?;
        let version = i32::try_from(step.version).map_err(|_| StoreError::Corrupt("migration number".into()))?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&version, &step.name, &time(&Utc::now())],
        )
        .await?;
        tx.commit().await?;
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// A change-log entry made by the transaction, written at commit.
struct Change {
    name: &'static str,
    id: String,
    tombstone: bool,
    departed: bool,
    keys: Keys,
}

struct PgTx {
    conn: Pipeline,
    /// The change-log entries to write at commit, in the order they were made.
    pending: Vec<Change>,
    /// How many were pending when the open savepoint was set.
    pending_at_savepoint: Option<usize>,
    /// Whether records read are locked until the transaction ends (a write transaction).
    for_write: bool,
    /// Records read by this transaction (and locked, in a write transaction), by (entity, id): a decision
    /// and the saves after it read the same enterprise several times, each a round trip. `None` is a
    /// record known absent: one claimed ([`Tx::claim`]), which no other claimant can make before this
    /// transaction ends. Dropped when a savepoint is rolled back to (which undoes the writes
    /// and releases the locks taken since).
    read: std::collections::HashMap<(&'static str, String), Option<String>>,
    /// Evidence bookkeeping read by this transaction, by (kind, key), found or not, kept the same way:
    /// every mutation of a push reads its device's key, which its phone registers at sign-in.
    evidence_read: std::collections::HashMap<(String, String), Option<String>>,
}

impl PgTx {
    fn new(conn: Pipeline, for_write: bool) -> Self {
        PgTx {
            conn,
            pending: Vec::new(),
            pending_at_savepoint: None,
            for_write,
            read: std::collections::HashMap::new(),
            evidence_read: std::collections::HashMap::new(),
        }
    }

    fn query(&mut self, sql: &str, p: Params) -> Result<Vec<Row>, StoreError> {
        self.conn.query(sql, p)
    }
    fn query_opt(&mut self, sql: &str, p: Params) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, p)?.into_iter().next())
    }
    /// The one row of a statement that always answers one (an aggregate).
    fn query_one(&mut self, sql: &str, p: Params) -> Result<Row, StoreError> {
        self.query_opt(sql, p)?.ok_or_else(|| StoreError::Corrupt(format!("no row from {sql}")))
    }
    /// A write whose row count is read; held writes go before it in the same round trip.
    fn execute(&mut self, sql: &str, p: Params) -> Result<u64, StoreError> {
        self.conn.execute(sql, p)
    }
    /// A write whose answer nothing reads: held until the next round trip ([`pipeline`]).
    fn hold(&mut self, sql: &str, args: Vec<pipeline::Arg>) {
        self.conn.hold(sql, args);
    }
    /// A single-row insert whose answer nothing reads: held with the other rows of its statement and sent
    /// with them as one statement ([`rows`]).
    fn hold_row(&mut self, sql: &str, row: Vec<Value>) {
        self.conn.hold_row(sql, row);
    }

    /// Writes the pending change-log entries under the change-log lock, then commits (which releases it).
    /// All in one round trip, with the writes still held: the lock is held for no round trip at all.
    fn commit(mut self) -> Result<(), StoreError> {
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            self.hold("SELECT pg_advisory_xact_lock($1)", args![CHANGE_LOG_LOCK]);
            self.insert_changes(&pending);
        }
        self.conn.finish("COMMIT")
    }

    /// Writes the transaction's change-log entries in one statement, sent with the change-log lock before
    /// it and COMMIT after it: the lock is held for no round trip, whatever the number of entries.
    ///
    /// Compaction: only the newest entry of a record matters to a device that has not seen it yet;
    /// departures stay (a device of the scope the record left still needs its tombstone), but only the
    /// newest departure from one township matters. So of the entries made here only the last of each
    /// such kind is written (in the order they were made: `ORDER BY n` hands the cursors out so), and the
    /// entries they supersede that are already in the log are deleted (the DELETE does not see the rows the
    /// statement inserts).
    fn insert_changes(&mut self, pending: &[Change]) {
        let key =
            |c: &Change| (c.name, c.id.clone(), c.departed, if c.departed { c.keys.township.clone() } else { None });
        let mut last = std::collections::HashMap::with_capacity(pending.len());
        for (i, c) in pending.iter().enumerate() {
            last.insert(key(c), i);
        }
        let kept: Vec<&Change> =
            pending.iter().enumerate().filter(|(i, c)| last.get(&key(c)) == Some(i)).map(|(_, c)| c).collect();
        let column = |f: fn(&Change) -> Option<&str>| kept.iter().map(|c| f(c).map(str::to_string)).collect::<Vec<_>>();
        let names = column(|c| Some(c.name));
        let ids = column(|c| Some(c.id.as_str()));
        let audiences = column(|c| Some(c.keys.audience.as_str()));
        let enterprises = column(|c| c.keys.enterprise.as_deref());
        let townships = column(|c| c.keys.township.as_deref());
        let squadrons = column(|c| c.keys.squadron.as_deref());
        let assignees = column(|c| c.keys.assignee.as_deref());
        let tombstones: Vec<bool> = kept.iter().map(|c| c.tombstone).collect();
        let departed: Vec<bool> = kept.iter().map(|c| c.departed).collect();
        self.hold(
            "WITH made AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::text[], $6::text[],
                                    $7::text[], $8::text[], $9::text[])
                 WITH ORDINALITY AS m(entity, id, tombstone, departed, audience, enterprise, township, squadron,
                                      assignee, n)),
             compacted AS (
               DELETE FROM changes c USING made m WHERE c.entity = m.entity AND c.id = m.id
                 AND CASE WHEN m.departed THEN c.departed AND c.township IS NOT DISTINCT FROM m.township
                          ELSE NOT c.departed END)
             INSERT INTO changes (entity, id, tombstone, departed, audience, enterprise, township, squadron, assignee, at)
             SELECT entity, id, tombstone, departed, audience, enterprise, township, squadron, assignee, $10
             FROM made ORDER BY n",
            args![
                names,
                ids,
                tombstones,
                departed,
                audiences,
                enterprises,
                townships,
                squadrons,
                assignees,
                time(&Utc::now()),
            ],
        );
    }

    /// Serialises the writers of blob `sha256`'s citations until the transaction ends (taken again when
    /// asked again: a savepoint rolled back to releases a lock taken after it).
    fn lock_citations(&mut self, sha256: &str) {
        self.hold("SELECT pg_advisory_xact_lock($1, hashtext($2))", args![CITATION_LOCK, sha256.to_string()]);
    }

    fn append(&mut self, entity: Entity, id: &str, tombstone: bool, departed: bool, keys: &Keys) {
        self.pending.push(Change {
            name: entity_name(entity),
            id: id.to_string(),
            tombstone,
            departed,
            keys: keys.clone(),
        });
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn opt_time(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_time).transpose()
}

const DEVICE_COLUMNS: &str =
    "id, user_id, token_hash, issued_at, expires_at, revoked_at, last_seen, clock_skew_ms FROM devices";

const CONFLICT_COLUMNS: &str = "n, entity, id, field, base, kept, lost, user_id, device, at, resolution, resolved_by, \
     resolved_at FROM conflicts";

fn conflict(r: &Row) -> Result<ConflictRow, StoreError> {
    Ok(ConflictRow {
        number: r.try_get::<_, i64>(0)? as u64,
        entity: r.try_get(1)?,
        id: r.try_get(2)?,
        field: r.try_get(3)?,
        base: r.try_get(4)?,
        kept: r.try_get(5)?,
        lost: r.try_get(6)?,
        user: r.try_get(7)?,
        device: r.try_get(8)?,
        at: parse_time(&r.try_get::<_, String>(9)?)?,
        resolution: r.try_get(10)?,
        resolved_by: r.try_get(11)?,
        resolved_at: opt_time(r.try_get(12)?)?,
    })
}

fn device(r: &Row) -> Result<DeviceRow, StoreError> {
    Ok(DeviceRow {
        id: r.try_get(0)?,
        user: r.try_get(1)?,
        token_hash: r.try_get(2)?,
        issued_at: parse_time(&r.try_get::<_, String>(3)?)?,
        expires_at: parse_time(&r.try_get::<_, String>(4)?)?,
        revoked_at: opt_time(r.try_get(5)?)?,
        last_seen: opt_time(r.try_get(6)?)?,
        clock_skew_ms: r.try_get(7)?,
    })
}

impl Tx for PgTx {
    fn get(&mut self, entity: Entity, id: &str) -> Result<Option<String>, StoreError> {
        let key = (entity_name(entity), id.to_string());
        if let Some(known) = self.read.get(&key) {
            return Ok(known.clone());
        }
        // Reference data (townships, squadrons, checklists) is written only by the set-up: locking it
        // would make every inspection wait for every other.
        let reference = matches!(entity, Entity::Township | Entity::Squadron | Entity::Template);
        let sql = if self.for_write && !reference {
            "SELECT data FROM records WHERE entity = $1 AND id = $2 FOR UPDATE"
        } else {
            "SELECT data FROM records WHERE entity = $1 AND id = $2"
        };
        let row = self.query_opt(sql, &[&entity_name(entity), &id])?;
        let data: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
        // Only what exists is kept: a row another writer may still insert is read again.
        if let Some(data) = &data {
            self.read.insert(key, Some(data.clone()));
        }
        Ok(data)
    }

    fn claim(&mut self, records: &[(Entity, String)]) -> Result<(), StoreError> {
        let fresh: std::collections::BTreeSet<(&'static str, &str)> = records
            .iter()
            .map(|(entity, id)| (entity_name(*entity), id.as_str()))
            .filter(|(entity, id)| !self.read.contains_key(&(*entity, id.to_string())))
            .collect();
        if !self.for_write || fresh.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = fresh.iter().map(|(entity, id)| format!("{entity}:{id}")).collect();
        let (entities, ids): (Vec<&str>, Vec<&str>) = fresh.iter().copied().unzip();
        // In one order, so that two claimants never wait on each other in a circle; both statements in
        // one round trip.
        self.hold(
            "SELECT pg_advisory_xact_lock($1, h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) k ORDER BY h) s",
            args![RECORD_LOCK, keys],
        );
        let rows = self.query(
            "SELECT r.entity, r.id, r.data FROM records r
             JOIN unnest($1::text[], $2::text[]) AS k(entity, id) ON r.entity = k.entity AND r.id = k.id
             ORDER BY r.entity, r.id FOR UPDATE OF r",
            &[&entities, &ids],
        )?;
        for (entity, id) in fresh {
            self.read.insert((entity, id.to_string()), None);
        }
        for row in rows {
            let entity = entity_name(entity_from_name(&row.try_get::<_, String>(0)?)?);
            self.read.insert((entity, row.try_get(1)?), Some(row.try_get(2)?));
        }
        Ok(())
    }

    fn list(&mut self, entity: Entity) -> Result<Vec<String>, StoreError> {
        let rows = self.query("SELECT data FROM records WHERE entity = $1 ORDER BY id", &[&entity_name(entity)])?;
        Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
    }

    fn upsert(&mut self, entity: Entity, id: &str, data: &str, keys: &Keys) -> Result<(), StoreError> {
        self.hold_row(
            "INSERT INTO records (entity, id, data) VALUES ($1, $2, $3)
             ON CONFLICT (entity, id) DO UPDATE SET data = EXCLUDED.data",
            vec![text(entity_name(entity)), text(id), text(data)],
        );
        if let Some(read) = self.read.get_mut(&(entity_name(entity), id.to_string())) {
            *read = Some(data.to_string());
        }
        self.append(entity, id, false, false, keys);
        Ok(())
    }

    fn delete(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<(), StoreError> {
        self.read.remove(&(entity_name(entity), id.to_string()));
        self.hold("DELETE FROM records WHERE entity = $1 AND id = $2", args![entity_name(entity), id.to_string()]);
        self.append(entity, id, true, false, keys);
        Ok(())
    }

    fn depart(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<(), StoreError> {
        self.append(entity, id, true, true, keys);
        Ok(())
    }

    fn each_change(
        &mut self,
        after: u64,
        limit: u32,
        filter: &Filter,
        each: &mut dyn FnMut(ChangeRef<'_>),
    ) -> Result<(), StoreError> {
        let after = after as i64;
        let limit = i64::from(limit);
        let select = "SELECT c.cursor, c.entity, c.id, CASE WHEN c.tombstone THEN NULL ELSE r.data END
            FROM changes c LEFT JOIN records r ON r.entity = c.entity AND r.id = c.id WHERE c.cursor > $1 AND";
        let rows = match filter {
            Filter::All => {
                // The command centre sees every record where it is now: departures are not for it.
                self.query(&format!("{select} NOT c.departed ORDER BY c.cursor LIMIT $2"), &[&after, &limit])?
            }
            Filter::Enterprise { enterprise } => self.query(
                &format!(
                    "{select} (audience = 'public' OR (audience = 'shared' AND enterprise = $3)) ORDER BY c.cursor LIMIT $2"
                ),
                &[&after, &limit, enterprise],
            )?,
            Filter::Townships { townships } => self.query(
                &format!("{select} (audience = 'public' OR township = ANY($3)) ORDER BY c.cursor LIMIT $2"),
                &[&after, &limit, townships],
            )?,
            Filter::Officer { townships, squadron, user } => {
                let args: [&(dyn ToSql + Sync); 5] = [&after, &limit, townships, squadron, user];
                self.query(
                    &format!(
                        "{select} (audience = 'public' OR township = ANY($3) OR squadron = $4 OR assignee = $5)
                         ORDER BY c.cursor LIMIT $2"
                    ),
                    &args,
                )?
            }
        };
        for r in &rows {
            each(ChangeRef {
                cursor: r.try_get::<_, i64>(0)? as u64,
                entity: entity_from_name(r.try_get::<_, &str>(1)?)?,
                id: r.try_get(2)?,
                data: r.try_get(3)?,
            });
        }
        Ok(())
    }

    fn log_bounds(&mut self) -> Result<LogBounds, StoreError> {
        // Read from the snapshot, never from the sequence: a sequence value may belong to a writer
        // that has not committed yet.
        let row = self.query_one(
            "SELECT (SELECT MAX(cursor) FROM changes), (SELECT value FROM meta WHERE key = 'tombstone_floor')",
            &[],
        )?;
        Ok(LogBounds::from_stored(row.try_get(0)?, row.try_get(1)?))
    }

    fn tombstone_floor(&mut self) -> Result<u64, StoreError> {
        let row = self.query_opt("SELECT value FROM meta WHERE key = 'tombstone_floor'", &[])?;
        let value: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn prune_tombstones(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        // Under the change-log lock: no cursor is handed out while the floor moves.
        self.hold("SELECT pg_advisory_xact_lock($1)", args![CHANGE_LOG_LOCK]);
        let highest: Option<i64> = self
            .query_one("SELECT MAX(cursor) FROM changes WHERE tombstone AND at < $1", &[&time(&before)])?
            .try_get(0)?;
        let Some(highest) = highest else { return self.tombstone_floor() };
        self.hold("DELETE FROM changes WHERE tombstone AND cursor <= $1", args![highest]);
        let floor = (highest as u64).max(self.tombstone_floor()?);
        self.hold(
            "INSERT INTO meta (key, value) VALUES ('tombstone_floor', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            args![floor.to_string()],
        );
        Ok(floor)
    }

    fn account(&mut self, login: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = self.query_opt(
            "SELECT login, user_id, password_hash, failures, locked_until FROM accounts WHERE login = $1",
            &[&login],
        )?;
        row.map(|r| {
            Ok(AccountRow {
                login: r.try_get(0)?,
                user: r.try_get(1)?,
                password_hash: r.try_get(2)?,
                failures: u32::try_from(r.try_get::<_, i64>(3)?).unwrap_or(u32::MAX),
                locked_until: opt_time(r.try_get(4)?)?,
            })
        })
        .transpose()
    }

    fn put_account(&mut self, login: &str, user: &str, password_hash: &str) -> Result<(), StoreError> {
        self.hold(
            "INSERT INTO accounts (login, user_id, password_hash) VALUES ($1, $2, $3)
             ON CONFLICT (login) DO UPDATE SET user_id = EXCLUDED.user_id, password_hash = EXCLUDED.password_hash",
            args![login.to_string(), user.to_string(), password_hash.to_string()],
        );
        Ok(())
    }

    fn set_login_failures(
        &mut self,
        login: &str,
        failures: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.hold(
            "UPDATE accounts SET failures = $2, locked_until = $3 WHERE login = $1",
            args![login.to_string(), i64::from(failures), locked_until.as_ref().map(time)],
        );
        Ok(())
    }

    fn device_and_user_by_token(&mut self, token_hash: &str) -> Result<Option<Holder>, StoreError> {
        // Not through `get`: no `FOR UPDATE`, and not kept as this transaction's claimed copy of the user.
        let row = self.query_opt(
            "SELECT d.id, d.user_id, d.token_hash, d.issued_at, d.expires_at, d.revoked_at, d.last_seen,
                    d.clock_skew_ms, r.data
             FROM devices d LEFT JOIN records r ON r.entity = 'user' AND r.id = d.user_id
             WHERE d.token_hash = $1",
            &[&token_hash],
        )?;
        row.map(|r| Ok((device(&r)?, r.try_get(8)?))).transpose()
    }

    fn open_pull(&mut self, token_hash: &str) -> Result<PullOpening, StoreError> {
        // The bounds from the snapshot, as `log_bounds` reads them.
        let r = self.query_one(
            "SELECT d.id, d.user_id, d.token_hash, d.issued_at, d.expires_at, d.revoked_at, d.last_seen,
                    d.clock_skew_ms, r.data, w.value,
                    (SELECT MAX(cursor) FROM changes), (SELECT value FROM meta WHERE key = 'tombstone_floor')
             FROM (SELECT 1) one
             LEFT JOIN devices d ON d.token_hash = $1
             LEFT JOIN records r ON r.entity = 'user' AND r.id = d.user_id
             LEFT JOIN evidence_kv w ON w.kind = $2 AND w.key = d.id",
            &[&token_hash, &crate::wipe::ORDER_KIND],
        )?;
        let holder = match r.try_get::<_, Option<String>>(0)? {
            Some(_) => Some((device(&r)?, r.try_get(8)?)),
            None => None,
        };
        Ok(PullOpening {
            holder,
            wipe_order: r.try_get(9)?,
            bounds: LogBounds::from_stored(r.try_get(10)?, r.try_get(11)?),
        })
    }

    fn device(&mut self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        let row = self.query_opt(&format!("SELECT {DEVICE_COLUMNS} WHERE id = $1"), &[&id])?;
        row.as_ref().map(device).transpose()
    }

    fn put_device(&mut self, d: &DeviceRow) -> Result<(), StoreError> {
        self.hold(
            "INSERT INTO devices (id, user_id, token_hash, issued_at, expires_at, revoked_at, last_seen, clock_skew_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, token_hash = EXCLUDED.token_hash,
               issued_at = EXCLUDED.issued_at, expires_at = EXCLUDED.expires_at, revoked_at = EXCLUDED.revoked_at",
            args![
                d.id.clone(),
                d.user.clone(),
                d.token_hash.clone(),
                time(&d.issued_at),
                time(&d.expires_at),
                d.revoked_at.as_ref().map(time),
                d.last_seen.as_ref().map(time),
                d.clock_skew_ms
            ],
        );
        Ok(())
    }

    fn revoke_device(&mut self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.hold(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
            args![id.to_string(), time(&at)],
        );
        Ok(())
    }

    fn record_clock_skew(&mut self, id: &str, seen: DateTime<Utc>, skew_ms: i64) -> Result<(), StoreError> {
        self.hold(
            "UPDATE devices SET last_seen = $2, clock_skew_ms = $3 WHERE id = $1",
            args![id.to_string(), time(&seen), skew_ms],
        );
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>, StoreError> {
        let rows = self.query(&format!("SELECT {DEVICE_COLUMNS} ORDER BY last_seen DESC NULLS LAST"), &[])?;
        rows.iter().map(device).collect()
    }

    fn outcomes(
        &mut self,
        device: &str,
        seqs: &[u64],
    ) -> Result<std::collections::HashMap<u64, (String, String)>, StoreError> {
        let seqs: Vec<i64> = seqs.iter().map(|&s| s as i64).collect();
        // A join, not `seq = ANY($2)`: planned while the table is young (a push of 500 into a fresh
        // database), that was a scan testing every row against the whole array, 15 ms a push at 10,000 rows.
        let rows = self.query(
            "SELECT m.seq, m.mutation, m.outcome FROM unnest($2::int8[]) AS s(seq)
             JOIN mutations m ON m.device = $1 AND m.seq = s.seq",
            &[&device, &seqs],
        )?;
        rows.iter().map(|r| Ok((r.try_get::<_, i64>(0)? as u64, (r.try_get(1)?, r.try_get(2)?)))).collect()
    }

    fn put_outcome(
        &mut self,
        device: &str,
        seq: u64,
        mutation: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.hold_row(
            "INSERT INTO mutations (device, seq, mutation, outcome, at) VALUES ($1, $2, $3, $4, $5)",
            vec![text(device), Value::Int(seq as i64), text(mutation), text(outcome), text(&time(&at))],
        );
        Ok(())
    }

    fn audit(&mut self, a: &AuditRow) -> Result<(), StoreError> {
        self.hold_row(
            "INSERT INTO audit (entity, id, action, from_state, to_state, user_id, device, at, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                text(&a.entity),
                text(&a.id),
                text(&a.action),
                opt(a.from_state.map(|s| s.as_str())),
                opt(a.to_state.map(|s| s.as_str())),
                text(&a.user),
                opt(a.device.as_deref()),
                text(&time(&a.at)),
                text(&a.note),
            ],
        );
        Ok(())
    }

    fn audits(&mut self, entity: &str, id: &str) -> Result<Vec<AuditRow>, StoreError> {
        let rows = self.query(
            "SELECT action, from_state, to_state, user_id, device, at, note FROM audit
             WHERE entity = $1 AND id = $2 ORDER BY n",
            &[&entity, &id],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    entity: entity.to_string(),
                    id: id.to_string(),
                    action: r.try_get(0)?,
                    from_state: record_state(entity, r.try_get(1)?)?,
                    to_state: record_state(entity, r.try_get(2)?)?,
                    user: r.try_get(3)?,
                    device: r.try_get(4)?,
                    at: parse_time(&r.try_get::<_, String>(5)?)?,
                    note: r.try_get(6)?,
                })
            })
            .collect()
    }

    fn conflict(&mut self, c: &ConflictRow) -> Result<(), StoreError> {
        self.hold(
            "INSERT INTO conflicts (entity, id, field, base, kept, lost, user_id, device, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![
                c.entity.clone(),
                c.id.clone(),
                c.field.clone(),
                c.base.clone(),
                c.kept.clone(),
                c.lost.clone(),
                c.user.clone(),
                c.device.clone(),
                time(&c.at)
            ],
        );
        Ok(())
    }

    fn conflicts(&mut self) -> Result<Vec<ConflictRow>, StoreError> {
        let rows = self.query(&format!("SELECT {CONFLICT_COLUMNS} ORDER BY n"), &[])?;
        rows.iter().map(conflict).collect()
    }

    fn conflict_by_number(&mut self, number: u64) -> Result<Option<ConflictRow>, StoreError> {
        let row = self.query_opt(&format!("SELECT {CONFLICT_COLUMNS} WHERE n = $1"), &[&(number as i64)])?;
        row.as_ref().map(conflict).transpose()
    }

    fn resolve_conflict(
        &mut self,
        number: u64,
        resolution: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = self.execute(
            "UPDATE conflicts SET resolution = $2, resolved_by = $3, resolved_at = $4
             WHERE n = $1 AND resolution IS NULL",
            &[&(number as i64), &resolution, &by, &time(&at)],
        )?;
        Ok(changed == 1)
    }

    fn evidence_get(&mut self, kind: &str, key: &str) -> Result<Option<String>, StoreError> {
        let cached = (kind.to_string(), key.to_string());
        if let Some(known) = self.evidence_read.get(&cached) {
            return Ok(known.clone());
        }
        let row = self.query_opt("SELECT value FROM evidence_kv WHERE kind = $1 AND key = $2", &[&kind, &key])?;
        let value: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
        self.evidence_read.insert(cached, value.clone());
        Ok(value)
    }

    fn evidence_put(&mut self, kind: &str, key: &str, value: &str) -> Result<(), StoreError> {
        self.hold(
            "INSERT INTO evidence_kv (kind, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            args![kind.to_string(), key.to_string(), value.to_string()],
        );
        self.evidence_read.insert((kind.to_string(), key.to_string()), Some(value.to_string()));
        Ok(())
    }

    fn blob_citations(&mut self, sha256: &str, for_write: bool) -> Result<Vec<CitationRow>, StoreError> {
        if for_write {
            self.lock_citations(sha256);
        }
        let rows = self.query(
            "SELECT len, case_kind, case_id, device, user_id, at FROM blob_citations WHERE sha256 = $1 ORDER BY n",
            &[&sha256],
        )?;
        rows.iter()
            .map(|r| {
                Ok(CitationRow {
                    sha256: sha256.to_string(),
                    len: r.try_get::<_, i64>(0)? as u64,
                    case_kind: r.try_get(1)?,
                    case_id: r.try_get(2)?,
                    device: r.try_get(3)?,
                    user: r.try_get(4)?,
                    at: parse_time(&r.try_get::<_, String>(5)?)?,
                })
            })
            .collect()
    }

    fn cite_blob(&mut self, c: &CitationRow) -> Result<(), StoreError> {
        self.lock_citations(&c.sha256);
        self.hold(
            "INSERT INTO blob_citations (sha256, len, case_kind, case_id, device, user_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256, case_kind, case_id, device) DO NOTHING",
            args![
                c.sha256.clone(),
                c.len as i64,
                c.case_kind.clone(),
                c.case_id.clone(),
                c.device.clone(),
                c.user.clone(),
                time(&c.at)
            ],
        );
        Ok(())
    }

    fn blob_owner(&mut self, sha256: &str) -> Result<Option<BlobOwnerRow>, StoreError> {
        let row =
            self.query_opt("SELECT device, user_id, started_at FROM blob_owners WHERE sha256 = $1", &[&sha256])?;
        row.map(|r| {
            Ok(BlobOwnerRow {
                sha256: sha256.to_string(),
                device: r.try_get(0)?,
                user: r.try_get(1)?,
                started_at: parse_time(&r.try_get::<_, String>(2)?)?,
            })
        })
        .transpose()
    }

    fn set_blob_owner(&mut self, o: &BlobOwnerRow) -> Result<(), StoreError> {
        self.hold(
            "INSERT INTO blob_owners (sha256, device, user_id, started_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO UPDATE SET device = excluded.device, user_id = excluded.user_id,
             started_at = excluded.started_at",
            args![o.sha256.clone(), o.device.clone(), o.user.clone(), time(&o.started_at)],
        );
        Ok(())
    }

    fn blob_upload(&mut self, sha256: &str) -> Result<Option<BlobUploadRow>, StoreError> {
        let row =
            self.query_opt("SELECT received, lease, lease_until FROM blob_uploads WHERE sha256 = $1", &[&sha256])?;
        row.map(|r| {
            let until: Option<String> = r.try_get(2)?;
            Ok(BlobUploadRow {
                received: r.try_get::<_, i64>(0)? as u64,
                lease: r.try_get(1)?,
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
        self.hold(
            "INSERT INTO blob_uploads (sha256) VALUES ($1) ON CONFLICT (sha256) DO NOTHING",
            args![sha256.to_string()],
        );
        // Under READ COMMITTED the condition is checked again on the locked row: one token wins.
        let taken = self.execute(
            "UPDATE blob_uploads SET lease = $2, lease_until = $4
             WHERE sha256 = $1 AND (lease IS NULL OR lease = $2 OR lease_until < $3)",
            &[&sha256, &token, &time(&now), &time(&until)],
        )?;
        Ok(taken == 1)
    }

    fn release_blob_upload(&mut self, sha256: &str, token: &str) -> Result<(), StoreError> {
        self.hold(
            "UPDATE blob_uploads SET lease = NULL, lease_until = NULL WHERE sha256 = $1 AND lease = $2",
            args![sha256.to_string(), token.to_string()],
        );
        Ok(())
    }

    fn add_blob_part(&mut self, sha256: &str, token: &str, first: u64, end: u64) -> Result<bool, StoreError> {
        let (first, end) = (first as i64, end as i64);
        let moved = self.execute(
            "UPDATE blob_uploads SET received = $4 WHERE sha256 = $1 AND lease = $2 AND received = $3",
            &[&sha256, &token, &first, &end],
        )?;
        if moved == 1 {
            self.hold(
                "INSERT INTO blob_parts (sha256, start_at, end_at) VALUES ($1, $2, $3)",
                args![sha256.to_string(), first, end],
            );
        }
        Ok(moved == 1)
    }

    fn blob_parts(&mut self, sha256: &str) -> Result<Vec<(u64, u64)>, StoreError> {
        let rows =
            self.query("SELECT start_at, end_at FROM blob_parts WHERE sha256 = $1 ORDER BY start_at", &[&sha256])?;
        rows.iter().map(|r| Ok((r.try_get::<_, i64>(0)? as u64, r.try_get::<_, i64>(1)? as u64))).collect()
    }

    fn drop_blob_upload(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.hold("DELETE FROM blob_parts WHERE sha256 = $1", args![sha256.to_string()]);
        self.hold("DELETE FROM blob_uploads WHERE sha256 = $1", args![sha256.to_string()]);
        Ok(())
    }

    // Savepoints are held like writes: each goes with the next round trip, in order.
    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.control(SAVEPOINT);
        self.pending_at_savepoint = Some(self.pending.len());
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        if !self.conn.discard_since(SAVEPOINT) {
            self.conn.control(ROLLBACK_TO_SAVEPOINT);
        }
        self.read.clear();
        self.evidence_read.clear();
        // The change-log entries made since are undone with the rows they describe.
        if let Some(n) = self.pending_at_savepoint.take() {
            self.pending.truncate(n);
        }
        Ok(())
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.conn.control(RELEASE_SAVEPOINT);
        self.pending_at_savepoint = None;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.conn.flush()
    }
}
