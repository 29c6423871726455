//! The PostgreSQL back end, for more than one machine's worth of load. All of its SQL is here.
//!
//! Commit order: a sequence value is not commit order (a transaction that took 101 may commit after one
//! that took 102, and a pull in between would skip 101 for ever). So a write transaction takes
//! `LOCK TABLE changes IN EXCLUSIVE MODE` before its first write of a record or of the change log: those
//! writers (of every platform process) run one at a time, cursors are handed out in commit order, and
//! plain reads (ACCESS SHARE) are never blocked. Writes that touch neither (a device's last contact and
//! clock skew, login failures, a refused mutation's stored outcome, a kept conflict) do not take it, so
//! they run side by side and PostgreSQL can flush their commits together.

use super::migrations;
use super::{
    AccountRow, AuditRow, BlobOwnerRow, BlobUploadRow, ChangeRow, CitationRow, ConflictRow, DeviceRow, Filter, Keys,
    StoreError, Tx, entity_from_name, entity_name, parse_time,
};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use fieldcheck_protocol::Entity;
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Row, Statement, Transaction};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

/// Most connections one platform process opens; callers beyond it wait for a free one.
const MAX_CONNECTIONS: usize = 16;

/// A connection with the statements it has prepared (each statement is prepared once per connection,
/// not once per use: that would be an extra round trip for every statement).
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A bounded pool of connections to one PostgreSQL database.
pub struct PgDb {
    url: String,
    pool: Mutex<Pool>,
    freed: Condvar,
}

impl PgDb {
    /// Connects and brings the schema up to date.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_at_version(url, migrations::LATEST)
    }

    /// Connects with the schema brought up to `version` only (upgrade tests start from an old version).
    /// A database newer than this build is refused before anything is written to it.
    pub fn connect_at_version(url: &str, version: u32) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        migrate(&mut client, version)?;
        let conn = Conn { client, statements: HashMap::new() };
        Ok(PgDb { url: url.to_string(), pool: Mutex::new(Pool { idle: vec![conn], open: 1 }), freed: Condvar::new() })
    }

    fn conn(&self) -> Result<Conn, StoreError> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = pool.idle.pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                pool.open -= 1;
                continue;
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return match Client::connect(&self.url, NoTls) {
                    Ok(client) => Ok(Conn { client, statements: HashMap::new() }),
                    Err(e) => {
                        self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                        self.freed.notify_one();
                        Err(e.into())
                    }
                };
            }
            pool = self.freed.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, conn: Conn) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if conn.client.is_closed() {
            pool.open -= 1;
        } else {
            pool.idle.push(conn);
        }
        self.freed.notify_one();
    }

    pub(super) fn write<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
        let mut conn = self.conn()?;
        let result = (|| {
            let mut tx = conn.client.transaction()?;
            let mut locked = false;
            let r = f(&mut PgTx {
                tx: &mut tx,
                statements: &mut conn.statements,
                locked: &mut locked,
                locked_at_savepoint: None,
            })?;
            tx.commit().map_err(StoreError::from)?;
            Ok(r)
        })();
        self.give_back(conn);
        result
    }

    /// On PostgreSQL every commit waits for a disk flush, so a push's mutations are applied one after
    /// another in one transaction, committed once before the answer: each still sees the state the one
    /// before left, and on any failure none of them is kept (the device re-sends the batch).
    pub(super) fn write_each<T, R>(
        &self,
        items: Vec<T>,
        f: impl Fn(&mut dyn Tx, T) -> Result<R, ApiError>,
    ) -> Result<Vec<R>, ApiError> {
        let mut conn = self.conn()?;
        let result = (|| {
            let mut out = Vec::with_capacity(items.len());
            let mut tx = conn.client.transaction()?;
            let mut locked = false;
            for item in items {
                out.push(f(
                    &mut PgTx {
                        tx: &mut tx,
                        statements: &mut conn.statements,
                        locked: &mut locked,
                        locked_at_savepoint: None,
                    },
                    item,
                )?);
            }
            tx.commit().map_err(StoreError::from)?;
            Ok(out)
        })();
        self.give_back(conn);
        result
    }

    pub(super) fn read<R>(&self, f: impl FnOnce(&mut dyn Tx) -> Result<R, ApiError>) -> Result<R, ApiError> {
        let mut conn = self.conn()?;
        let result = (|| {
            // One snapshot for the whole read, so a page and its cursor agree.
            let mut tx = conn
                .client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(StoreError::from)?;
            // Read only: it never writes, so it never takes the change-log lock.
            let mut locked = true;
            let r = f(&mut PgTx {
                tx: &mut tx,
                statements: &mut conn.statements,
                locked: &mut locked,
                locked_at_savepoint: None,
            });
            tx.rollback().map_err(StoreError::from)?;
            r
        })();
        self.give_back(conn);
        result
    }
}

/// The schema version recorded in the database: 0 when it has no `schema_version` table (new, or made
/// before numbered migrations). Only reads.
pub fn schema_version(client: &mut impl postgres::GenericClient) -> Result<u32, StoreError> {
    let exists: bool = client.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?.try_get(0)?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = client.query_one("SELECT MAX(version) FROM schema_version", &[])?.try_get(0)?;
    u32::try_from(v.unwrap_or(0)).map_err(|_| StoreError::Corrupt(format!("schema version {v:?}")))
}

/// Applies the migrations after the database's version, up to `target`, each in its own transaction
/// with its `schema_version` row. An advisory lock serialises platform processes starting at once.
fn migrate(client: &mut Client, target: u32) -> Result<(), StoreError> {
    let target = target.min(migrations::LATEST);
    loop {
        let mut tx = client.transaction()?;
        tx.batch_execute("SELECT pg_advisory_xact_lock(7426)")?;
        let found = schema_version(&mut tx)?;
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
        )?;
        tx.batch_execute(step.sql)?;
        let version = i32::try_from(step.version).map_err(|_| StoreError::Corrupt("migration number".into()))?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&version, &step.name, &time(&Utc::now())],
        )?;
        tx.commit()?;
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // A sync client closes by blocking on its own runtime, which panics on a tokio worker thread:
        // close the pooled connections on a plain thread.
        let idle = std::mem::take(&mut self.pool.lock().unwrap_or_else(|p| p.into_inner()).idle);
        let _ = std::thread::spawn(move || drop(idle)).join();
    }
}

impl From<postgres::Error> for ApiError {
    fn from(e: postgres::Error) -> Self {
        StoreError::from(e).into()
    }
}

struct PgTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    statements: &'a mut HashMap<String, Statement>,
    /// Whether this transaction holds the change-log lock (taken once, held until it ends).
    locked: &'a mut bool,
    /// `locked` when the open savepoint was set: rolling back to it releases a lock taken after it.
    locked_at_savepoint: Option<bool>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl PgTx<'_, '_> {
    /// Takes the change-log lock before the transaction's first write of a record or change (and so
    /// before it holds any row lock another writer could wait for while holding this lock).
    fn lock_change_log(&mut self) -> Result<(), postgres::Error> {
        if !*self.locked {
            self.tx.batch_execute("LOCK TABLE changes IN EXCLUSIVE MODE")?;
            *self.locked = true;
        }
        Ok(())
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
    fn query(&mut self, sql: &str, p: Params) -> Result<Vec<Row>, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query(&s, p)
    }
    fn query_one(&mut self, sql: &str, p: Params) -> Result<Row, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query_one(&s, p)
    }
    fn query_opt(&mut self, sql: &str, p: Params) -> Result<Option<Row>, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query_opt(&s, p)
    }
    fn execute(&mut self, sql: &str, p: Params) -> Result<u64, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.execute(&s, p)
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

impl PgTx<'_, '_> {
    fn append(&mut self, entity: Entity, id: &str, data: Option<&str>, keys: &Keys) -> Result<u64, StoreError> {
        let name = entity_name(entity);
        // Compaction: only the newest entry of a record matters to a device that has not seen it yet.
        // Departures stay: a device of the scope the record left still needs its tombstone.
        self.execute("DELETE FROM changes WHERE entity = $1 AND id = $2 AND NOT departed", &[&name, &id])?;
        self.insert_change(name, id, data.is_none(), false, keys)
    }

    fn insert_change(
        &mut self,
        name: &str,
        id: &str,
        tombstone: bool,
        departed: bool,
        keys: &Keys,
    ) -> Result<u64, StoreError> {
        let row = self.query_one(
            "INSERT INTO changes (entity, id, tombstone, departed, audience, enterprise, township, squadron, assignee, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING cursor",
            &[
                &name,
                &id,
                &tombstone,
                &departed,
                &keys.audience.as_str(),
                &keys.enterprise,
                &keys.township,
                &keys.squadron,
                &keys.assignee,
                &time(&Utc::now()),
            ],
        )?;
        Ok(row.try_get::<_, i64>(0)? as u64)
    }
}

impl Tx for PgTx<'_, '_> {
    fn get(&mut self, entity: Entity, id: &str) -> Result<Option<String>, StoreError> {
        let row =
            self.query_opt("SELECT data FROM records WHERE entity = $1 AND id = $2", &[&entity_name(entity), &id])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn list(&mut self, entity: Entity) -> Result<Vec<String>, StoreError> {
        let rows = self.query("SELECT data FROM records WHERE entity = $1 ORDER BY id", &[&entity_name(entity)])?;
        Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
    }

    fn upsert(&mut self, entity: Entity, id: &str, data: &str, keys: &Keys) -> Result<u64, StoreError> {
        self.lock_change_log()?;
        self.execute(
            "INSERT INTO records (entity, id, data) VALUES ($1, $2, $3)
             ON CONFLICT (entity, id) DO UPDATE SET data = EXCLUDED.data",
            &[&entity_name(entity), &id, &data],
        )?;
        self.append(entity, id, Some(data), keys)
    }

    fn delete(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<u64, StoreError> {
        self.lock_change_log()?;
        self.execute("DELETE FROM records WHERE entity = $1 AND id = $2", &[&entity_name(entity), &id])?;
        self.append(entity, id, None, keys)
    }

    fn depart(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<u64, StoreError> {
        self.lock_change_log()?;
        let name = entity_name(entity);
        // Only the newest departure from one township matters.
        self.execute(
            "DELETE FROM changes WHERE entity = $1 AND id = $2 AND departed AND township IS NOT DISTINCT FROM $3",
            &[&name, &id, &keys.township],
        )?;
        self.insert_change(name, id, true, true, keys)
    }

    fn changes(&mut self, after: u64, limit: u32, filter: &Filter) -> Result<Vec<ChangeRow>, StoreError> {
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
        rows.iter()
            .map(|r| {
                Ok(ChangeRow {
                    cursor: r.try_get::<_, i64>(0)? as u64,
                    entity: entity_from_name(&r.try_get::<_, String>(1)?)?,
                    id: r.try_get(2)?,
                    data: r.try_get(3)?,
                })
            })
            .collect()
    }

    fn last_cursor(&mut self) -> Result<u64, StoreError> {
        // Read from the snapshot, never from the sequence: a sequence value may belong to a writer
        // that has not committed yet.
        let max: Option<i64> = self.query_one("SELECT MAX(cursor) FROM changes", &[])?.try_get(0)?;
        Ok((max.unwrap_or(0) as u64).max(self.tombstone_floor()?))
    }

    fn tombstone_floor(&mut self) -> Result<u64, StoreError> {
        let row = self.query_opt("SELECT value FROM meta WHERE key = 'tombstone_floor'", &[])?;
        let value: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn prune_tombstones(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.lock_change_log()?;
        let highest: Option<i64> = self
            .query_one("SELECT MAX(cursor) FROM changes WHERE tombstone AND at < $1", &[&time(&before)])?
            .try_get(0)?;
        let Some(highest) = highest else { return self.tombstone_floor() };
        self.execute("DELETE FROM changes WHERE tombstone AND cursor <= $1", &[&highest])?;
        let floor = (highest as u64).max(self.tombstone_floor()?);
        self.execute(
            "INSERT INTO meta (key, value) VALUES ('tombstone_floor', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&floor.to_string()],
        )?;
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
        self.execute(
            "INSERT INTO accounts (login, user_id, password_hash) VALUES ($1, $2, $3)
             ON CONFLICT (login) DO UPDATE SET user_id = EXCLUDED.user_id, password_hash = EXCLUDED.password_hash",
            &[&login, &user, &password_hash],
        )?;
        Ok(())
    }

    fn set_login_failures(
        &mut self,
        login: &str,
        failures: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE accounts SET failures = $2, locked_until = $3 WHERE login = $1",
            &[&login, &i64::from(failures), &locked_until.as_ref().map(time)],
        )?;
        Ok(())
    }

    fn device_by_token(&mut self, token_hash: &str) -> Result<Option<DeviceRow>, StoreError> {
        let row = self.query_opt(&format!("SELECT {DEVICE_COLUMNS} WHERE token_hash = $1"), &[&token_hash])?;
        row.as_ref().map(device).transpose()
    }

    fn device(&mut self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        let row = self.query_opt(&format!("SELECT {DEVICE_COLUMNS} WHERE id = $1"), &[&id])?;
        row.as_ref().map(device).transpose()
    }

    fn put_device(&mut self, d: &DeviceRow) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO devices (id, user_id, token_hash, issued_at, expires_at, revoked_at, last_seen, clock_skew_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, token_hash = EXCLUDED.token_hash,
               issued_at = EXCLUDED.issued_at, expires_at = EXCLUDED.expires_at, revoked_at = EXCLUDED.revoked_at",
            &[
                &d.id,
                &d.user,
                &d.token_hash,
                &time(&d.issued_at),
                &time(&d.expires_at),
                &d.revoked_at.as_ref().map(time),
                &d.last_seen.as_ref().map(time),
                &d.clock_skew_ms,
            ],
        )?;
        Ok(())
    }

    fn revoke_device(&mut self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.execute("UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1", &[&id, &time(&at)])?;
        Ok(())
    }

    fn record_clock_skew(&mut self, id: &str, seen: DateTime<Utc>, skew_ms: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE devices SET last_seen = $2, clock_skew_ms = $3 WHERE id = $1",
            &[&id, &time(&seen), &skew_ms],
        )?;
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<DeviceRow>, StoreError> {
        let rows = self.query(&format!("SELECT {DEVICE_COLUMNS} ORDER BY last_seen DESC NULLS LAST"), &[])?;
        rows.iter().map(device).collect()
    }

    fn outcome(&mut self, device: &str, seq: u64) -> Result<Option<(String, String)>, StoreError> {
        let row = self.query_opt(
            "SELECT mutation, outcome FROM mutations WHERE device = $1 AND seq = $2",
            &[&device, &(seq as i64)],
        )?;
        Ok(row.map(|r| Ok::<_, postgres::Error>((r.try_get(0)?, r.try_get(1)?))).transpose()?)
    }

    fn put_outcome(
        &mut self,
        device: &str,
        seq: u64,
        mutation: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO mutations (device, seq, mutation, outcome, at) VALUES ($1, $2, $3, $4, $5)",
            &[&device, &(seq as i64), &mutation, &outcome, &time(&at)],
        )?;
        Ok(())
    }

    fn audit(&mut self, a: &AuditRow) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO audit (entity, id, action, from_state, to_state, user_id, device, at, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&a.entity, &a.id, &a.action, &a.from_state, &a.to_state, &a.user, &a.device, &time(&a.at), &a.note],
        )?;
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
                    from_state: r.try_get(1)?,
                    to_state: r.try_get(2)?,
                    user: r.try_get(3)?,
                    device: r.try_get(4)?,
                    at: parse_time(&r.try_get::<_, String>(5)?)?,
                    note: r.try_get(6)?,
                })
            })
            .collect()
    }

    fn conflict(&mut self, c: &ConflictRow) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO conflicts (entity, id, field, base, kept, lost, user_id, device, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&c.entity, &c.id, &c.field, &c.base, &c.kept, &c.lost, &c.user, &c.device, &time(&c.at)],
        )?;
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
        let row = self.query_opt("SELECT value FROM evidence_kv WHERE kind = $1 AND key = $2", &[&kind, &key])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn evidence_put(&mut self, kind: &str, key: &str, value: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO evidence_kv (kind, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            &[&kind, &key, &value],
        )?;
        Ok(())
    }

    fn blob_citations(&mut self, sha256: &str, for_write: bool) -> Result<Vec<CitationRow>, StoreError> {
        if for_write {
            self.lock_change_log()?;
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
        self.lock_change_log()?;
        self.execute(
            "INSERT INTO blob_citations (sha256, len, case_kind, case_id, device, user_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256, case_kind, case_id, device) DO NOTHING",
            &[&c.sha256, &(c.len as i64), &c.case_kind, &c.case_id, &c.device, &c.user, &time(&c.at)],
        )?;
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
        self.execute(
            "INSERT INTO blob_owners (sha256, device, user_id, started_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO UPDATE SET device = excluded.device, user_id = excluded.user_id,
             started_at = excluded.started_at",
            &[&o.sha256, &o.device, &o.user, &time(&o.started_at)],
        )?;
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
        self.execute("INSERT INTO blob_uploads (sha256) VALUES ($1) ON CONFLICT (sha256) DO NOTHING", &[&sha256])?;
        // Under READ COMMITTED the condition is checked again on the locked row: one token wins.
        let taken = self.execute(
            "UPDATE blob_uploads SET lease = $2, lease_until = $4
             WHERE sha256 = $1 AND (lease IS NULL OR lease = $2 OR lease_until < $3)",
            &[&sha256, &token, &time(&now), &time(&until)],
        )?;
        Ok(taken == 1)
    }

    fn release_blob_upload(&mut self, sha256: &str, token: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE blob_uploads SET lease = NULL, lease_until = NULL WHERE sha256 = $1 AND lease = $2",
            &[&sha256, &token],
        )?;
        Ok(())
    }

    fn add_blob_part(&mut self, sha256: &str, token: &str, first: u64, end: u64) -> Result<bool, StoreError> {
        let (first, end) = (first as i64, end as i64);
        let moved = self.execute(
            "UPDATE blob_uploads SET received = $4 WHERE sha256 = $1 AND lease = $2 AND received = $3",
            &[&sha256, &token, &first, &end],
        )?;
        if moved == 1 {
            self.execute(
                "INSERT INTO blob_parts (sha256, start_at, end_at) VALUES ($1, $2, $3)",
                &[&sha256, &first, &end],
            )?;
        }
        Ok(moved == 1)
    }

    fn blob_parts(&mut self, sha256: &str) -> Result<Vec<(u64, u64)>, StoreError> {
        let rows =
            self.query("SELECT start_at, end_at FROM blob_parts WHERE sha256 = $1 ORDER BY start_at", &[&sha256])?;
        rows.iter().map(|r| Ok((r.try_get::<_, i64>(0)? as u64, r.try_get::<_, i64>(1)? as u64))).collect()
    }

    fn drop_blob_upload(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM blob_parts WHERE sha256 = $1", &[&sha256])?;
        self.execute("DELETE FROM blob_uploads WHERE sha256 = $1", &[&sha256])?;
        Ok(())
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.tx.batch_execute("SAVEPOINT mutation")?;
        self.locked_at_savepoint = Some(*self.locked);
        Ok(())
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.tx.batch_execute("ROLLBACK TO SAVEPOINT mutation; RELEASE SAVEPOINT mutation")?;
        // A lock taken after a savepoint is released when the savepoint is rolled back to.
        if let Some(was) = self.locked_at_savepoint.take() {
            *self.locked = was;
        }
        Ok(())
    }

    fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.tx.batch_execute("RELEASE SAVEPOINT mutation")?;
        self.locked_at_savepoint = None;
        Ok(())
    }
}
