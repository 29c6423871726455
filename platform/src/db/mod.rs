//! Storage behind one small trait, [`Tx`], so that every rule above it runs unchanged on the embedded
//! SQLite back end and on PostgreSQL. Each back end keeps all of its SQL in its own file.
//!
//! A transaction is a synchronous closure over `&mut dyn Tx`: the decisions it runs are pure, synchronous
//! code that reads and writes as it goes, and one trait object serves both back ends. So the closure runs
//! on tokio's blocking pool. On PostgreSQL the driver, the pool (its wait timeout) and TLS are the async
//! ones (tokio-postgres, deadpool-postgres, rustls): the connection is taken from the pool before the
//! blocking task starts, and inside it each round trip is a `Handle::block_on` of the async client, a thin
//! facade that keeps the decisions free of `async` and of a second trait. Writes whose answer nothing
//! reads are held and pipelined with the next statement that is answered (`postgres/pipeline.rs`), so
//! [`Tx::flush`] is where a held write that the database refuses fails at the latest. The change log is in commit
//! order on both back ends (SQLite: one writer at a time; PostgreSQL: see `postgres.rs` and
//! `docs/sync-protocol.md`).

pub mod listing;
pub mod migrations;
pub mod postgres;
pub mod postgres_tls;
pub mod registers;
pub mod scoped;
pub mod sqlite;
pub mod tables;
pub mod throttle;

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use fieldcheck_domain::audit::RecordState;
use fieldcheck_protocol::Entity;
use std::collections::HashMap;
use std::sync::Arc;
use thiserror::Error;

/// A storage failure; never shown to a client in detail.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No pooled connection came free within the configured wait.
    #[error("no database connection came free in time")]
    PoolTimeout,
    #[error("database pool: {0}")]
    Pool(String),
    /// The database settings cannot be used (a bad URL, an unreadable root certificate).
    #[error("{0}")]
    Config(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage task failed: {0}")]
    Join(String),
    #[error("cannot open the data folder: {0}")]
    Io(#[from] std::io::Error),
    /// The database was written by a newer platform; it is left untouched.
    #[error(
        "the database has schema version {found}, newer than this platform supports ({supported}); \
         run a newer fieldcheck-platform (the database was not changed)"
    )]
    NewerSchema { found: u32, supported: u32 },
}

impl StoreError {
    /// Whether the transaction lost a race with another one (a deadlock broken by PostgreSQL, a
    /// serialization failure, a busy SQLite file) and the same request may simply be sent again.
    pub fn is_contention(&self) -> bool {
        use tokio_postgres::error::SqlState;
        match self {
            StoreError::Postgres(e) => {
                matches!(e.code(), Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE)
            }
            StoreError::PoolTimeout => true,
            StoreError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }

    /// Whether the database refused a value for good (a data exception such as a NUL character in a
    /// PostgreSQL text, a value out of range, a string or blob too big, a violated check), so that the same
    /// request can never succeed. A unique violation is not one: it may be a race another writer won.
    pub fn is_lasting(&self) -> bool {
        use tokio_postgres::error::SqlState;
        match self {
            StoreError::Postgres(e) => e.code().is_some_and(|c| {
                let class = &c.code()[..2.min(c.code().len())];
                class == "22" || (class == "23" && *c != SqlState::UNIQUE_VIOLATION)
            }),
            StoreError::Sqlite(e) => matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::TooBig)),
            _ => false,
        }
    }
}

/// Who may see a change-log entry besides the command centre (defined in the domain's visibility).
pub use fieldcheck_domain::visibility::Audience;
use fieldcheck_domain::visibility::{PullFilter, ScopeKeys};

/// What a change-log entry is about, so a pull can be scoped in SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    pub audience: Audience,
    pub enterprise: Option<String>,
    pub township: Option<String>,
    pub squadron: Option<String>,
    pub assignee: Option<String>,
}

impl Keys {
    pub fn public() -> Self {
        ScopeKeys::public().into()
    }
}

/// The domain's keys of a record (`fieldcheck_domain::visibility`), as the change log stores them.
impl From<ScopeKeys> for Keys {
    fn from(k: ScopeKeys) -> Self {
        Keys {
            audience: k.audience,
            enterprise: k.enterprise.map(|e| e.to_string()),
            township: k.township.map(|t| t.to_string()),
            squadron: k.squadron.map(|s| s.to_string()),
            assignee: k.assignee.map(|u| u.to_string()),
        }
    }
}

/// Which change-log entries a caller may read: the domain's [`PullFilter`] with its ids as stored. Each
/// back end's SQL must select exactly what `PullFilter::admits` says of the entry's keys
/// (`platform/tests/it/visibility.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    Enterprise { enterprise: String },
    Townships { townships: Vec<String> },
    Officer { townships: Vec<String>, squadron: String, user: String },
}

impl From<PullFilter> for Filter {
    fn from(f: PullFilter) -> Self {
        match f {
            PullFilter::All => Filter::All,
            PullFilter::Enterprise { enterprise } => Filter::Enterprise { enterprise: enterprise.to_string() },
            PullFilter::Townships { townships } => {
                Filter::Townships { townships: townships.iter().map(|t| t.to_string()).collect() }
            }
            PullFilter::Officer { townships, squadron, user } => Filter::Officer {
                townships: townships.iter().map(|t| t.to_string()).collect(),
                squadron: squadron.to_string(),
                user: user.to_string(),
            },
        }
    }
}

/// One stored change-log entry; `data` is `None` for a tombstone.
#[derive(Clone, Debug)]
pub struct ChangeRow {
    pub cursor: u64,
    pub entity: Entity,
    pub id: String,
    pub data: Option<String>,
}

/// A token's holder: its device, and its user's stored record (`None` once the user is gone).
pub type Holder = (DeviceRow, Option<String>);

/// A change-log entry as the database's row holds it ([`Tx::each_change`]): read in place, not copied.
#[derive(Clone, Copy, Debug)]
pub struct ChangeRef<'a> {
    pub cursor: u64,
    pub entity: Entity,
    pub id: &'a str,
    pub data: Option<&'a str>,
}

impl ChangeRef<'_> {
    /// The entry as a row of its own.
    pub fn to_row(&self) -> ChangeRow {
        ChangeRow {
            cursor: self.cursor,
            entity: self.entity,
            id: self.id.to_string(),
            data: self.data.map(str::to_string),
        }
    }
}

/// A sign-in name with its password hash and throttling state.
#[derive(Clone, Debug)]
pub struct AccountRow {
    pub login: String,
    pub user: String,
    pub password_hash: String,
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A device that signed in.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeviceRow {
    pub id: String,
    pub user: String,
    #[serde(skip)]
    pub token_hash: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub clock_skew_ms: Option<i64>,
}

/// One line of the audit log: an action on a record, with the record's lifecycle state before and after
/// when the action changes it (alarms, tasks, inspections; stored by the states' stable names under a
/// CHECK), and what else it did in the note.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub entity: String,
    pub id: String,
    pub action: String,
    pub from_state: Option<RecordState>,
    pub to_state: Option<RecordState>,
    pub user: String,
    pub device: Option<String>,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// A free-text edit that lost a conflict, kept for the command centre until it resolves it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ConflictRow {
    /// Assigned by the store (ignored when a conflict is recorded).
    pub number: u64,
    pub entity: String,
    pub id: String,
    pub field: String,
    pub base: String,
    pub kept: String,
    pub lost: String,
    pub user: String,
    pub device: String,
    pub at: DateTime<Utc>,
    /// `taken` (the lost value became the record's) or `dismissed`; `None` while open.
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A photo blob cited by a verified proof: the case it is evidence of and the device that sealed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationRow {
    pub sha256: String,
    pub len: u64,
    /// `inspection`, `task` or `alarm`.
    pub case_kind: String,
    pub case_id: String,
    pub device: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// Who uploads a blob: the device (and user) whose chunk arrived first; kept once the blob is confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobOwnerRow {
    pub sha256: String,
    /// Empty for a caller without a device.
    pub device: String,
    pub user: String,
    pub started_at: DateTime<Utc>,
}

/// An unfinished upload: where its held bytes end, and which process streams a chunk in (until when).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobUploadRow {
    pub received: u64,
    pub lease: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
}

/// One transaction. Every method is a single statement or two in the back end's own SQL; the list
/// index's methods are [`listing::Listing`]'s, the typed tables' [`tables::Tables`]'.
pub trait Tx: listing::Listing + tables::Tables {
    fn get(&mut self, entity: Entity, id: &str) -> Result<Option<String>, StoreError>;
    /// Claims records a write transaction is about to decide on, until it ends: another writer that
    /// claims one of them, or reads one that exists for writing, waits for this one. Each is read at
    /// once, and [`Tx::get`] then answers it without another trip to the database: one that did not exist
    /// stays absent for this transaction unless it writes it (no other claimant can make it meanwhile).
    /// SQLite has one writer at a time and cheap reads: nothing to do there.
    fn claim(&mut self, _records: &[(Entity, String)]) -> Result<(), StoreError> {
        Ok(())
    }
    fn list(&mut self, entity: Entity) -> Result<Vec<String>, StoreError>;
    /// Stores a record and appends it to the change log. (The entry's cursor is known only at commit:
    /// PostgreSQL hands cursors out then, in commit order.)
    fn upsert(&mut self, entity: Entity, id: &str, data: &str, keys: &Keys) -> Result<(), StoreError>;
    /// Removes a record and appends a tombstone.
    fn delete(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<(), StoreError>;
    /// Appends a tombstone for a record that stays but leaves the scope `keys` describe (devices there
    /// drop it). It survives the record's later changes; the command centre never reads it.
    fn depart(&mut self, entity: Entity, id: &str, keys: &Keys) -> Result<(), StoreError>;
    /// Hands `each` the change-log entries after `after` that `filter` lets through, at most `limit`, in
    /// cursor order, each with its record's stored JSON, as the rows are read.
    fn each_change(
        &mut self,
        after: u64,
        limit: u32,
        filter: &Filter,
        each: &mut dyn FnMut(ChangeRef<'_>),
    ) -> Result<(), StoreError>;
    /// [`Tx::each_change`], collected.
    fn changes(&mut self, after: u64, limit: u32, filter: &Filter) -> Result<Vec<ChangeRow>, StoreError> {
        let mut rows = Vec::new();
        self.each_change(after, limit, filter, &mut |c| rows.push(c.to_row()))?;
        Ok(rows)
    }
    /// The change log's floor and end, read together (one statement: every pull needs both).
    fn log_bounds(&mut self) -> Result<LogBounds, StoreError>;
    /// The newest cursor given.
    fn last_cursor(&mut self) -> Result<u64, StoreError> {
        Ok(self.log_bounds()?.end)
    }
    /// Cursors at or below this may have lost tombstones: a device there must reset.
    fn tombstone_floor(&mut self) -> Result<u64, StoreError>;
    /// Drops tombstones written before `before`; returns the new floor.
    fn prune_tombstones(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    fn account(&mut self, login: &str) -> Result<Option<AccountRow>, StoreError>;
    fn put_account(&mut self, login: &str, user: &str, password_hash: &str) -> Result<(), StoreError>;
    fn set_login_failures(
        &mut self,
        login: &str,
        failures: u32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
    /// The device a token (by its hash) was given to, with its user's record as this transaction sees it,
    /// read without claiming it: authenticating a push must not make the pushes of one user wait for each
    /// other. One statement on PostgreSQL (every request starts with it).
    fn device_and_user_by_token(&mut self, token_hash: &str) -> Result<Option<Holder>, StoreError>;
    /// A pull's token holder, its device's wipe order and the change log's bounds, in one statement (a
    /// round trip each on PostgreSQL, under a crowd of devices most of a pull's work).
    fn open_pull(&mut self, token_hash: &str) -> Result<PullOpening, StoreError>;
    fn device(&mut self, id: &str) -> Result<Option<DeviceRow>, StoreError>;
    fn put_device(&mut self, device: &DeviceRow) -> Result<(), StoreError>;
    fn revoke_device(&mut self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    fn record_clock_skew(&mut self, id: &str, seen: DateTime<Utc>, skew_ms: i64) -> Result<(), StoreError>;
    /// Every device, most recently seen first.
    fn devices(&mut self) -> Result<Vec<DeviceRow>, StoreError>;

    /// The stored outcomes of `device`'s mutations numbered `seqs`, by number: the id of the mutation each
    /// answered and the outcome (one query for a whole push).
    fn outcomes(&mut self, device: &str, seqs: &[u64]) -> Result<HashMap<u64, (String, String)>, StoreError>;
    fn put_outcome(
        &mut self,
        device: &str,
        seq: u64,
        mutation: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    fn audit(&mut self, row: &AuditRow) -> Result<(), StoreError>;
    fn audits(&mut self, entity: &str, id: &str) -> Result<Vec<AuditRow>, StoreError>;
    fn conflict(&mut self, row: &ConflictRow) -> Result<(), StoreError>;
    /// Every conflict, oldest first.
    fn conflicts(&mut self) -> Result<Vec<ConflictRow>, StoreError>;
    fn conflict_by_number(&mut self, number: u64) -> Result<Option<ConflictRow>, StoreError>;
    /// Marks an open conflict resolved; `false` when it was not open (already resolved, or none).
    fn resolve_conflict(
        &mut self,
        number: u64,
        resolution: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Photo evidence bookkeeping (device keys, receipts, blob states), one JSON value per (kind, key).
    fn evidence_get(&mut self, kind: &str, key: &str) -> Result<Option<String>, StoreError>;
    fn evidence_put(&mut self, kind: &str, key: &str, value: &str) -> Result<(), StoreError>;
    /// The citations of blob `sha256` (lower-case hex), oldest first (the first names its home case).
    /// With `for_write`, writers of this blob's citations are serialised first (PostgreSQL: an advisory
    /// lock on the blob), so a check made on them still holds when the transaction writes.
    fn blob_citations(&mut self, sha256: &str, for_write: bool) -> Result<Vec<CitationRow>, StoreError>;
    /// Notes a citation; one already noted (same blob, case and device) is left as it is.
    fn cite_blob(&mut self, row: &CitationRow) -> Result<(), StoreError>;
    fn blob_owner(&mut self, sha256: &str) -> Result<Option<BlobOwnerRow>, StoreError>;
    /// Sets (or replaces) who uploads blob `row.sha256`.
    fn set_blob_owner(&mut self, row: &BlobOwnerRow) -> Result<(), StoreError>;
    fn blob_upload(&mut self, sha256: &str) -> Result<Option<BlobUploadRow>, StoreError>;
    /// Takes (or renews) the lease on upload `sha256` for `token` until `until`, making the upload if
    /// new; `false` when another token holds a lease that has not expired at `now`.
    fn lease_blob_upload(
        &mut self,
        sha256: &str,
        token: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    fn release_blob_upload(&mut self, sha256: &str, token: &str) -> Result<(), StoreError>;
    /// Records the part `first..end` if the held bytes end at `first` and `token` holds the lease;
    /// `false` (nothing written) otherwise.
    fn add_blob_part(&mut self, sha256: &str, token: &str, first: u64, end: u64) -> Result<bool, StoreError>;
    /// The recorded parts of upload `sha256` as `(first, end)`, in order.
    fn blob_parts(&mut self, sha256: &str) -> Result<Vec<(u64, u64)>, StoreError>;
    /// Forgets upload `sha256` and its parts (confirmed, or discarded).
    fn drop_blob_upload(&mut self, sha256: &str) -> Result<(), StoreError>;

    /// Marks the point [`Tx::rollback_to_savepoint`] returns to; one at a time (a push sets one around
    /// each mutation's decision).
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Undoes everything written since [`Tx::savepoint`] (on PostgreSQL also after an error, which
    /// otherwise aborts the whole transaction) and forgets the savepoint; the transaction goes on.
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps what was written since [`Tx::savepoint`] as part of the transaction and forgets the savepoint.
    fn release_savepoint(&mut self) -> Result<(), StoreError>;
    /// Sends the writes the back end still holds, so that one the database refuses fails here (a push
    /// calls it at the end of each mutation's decision, to reject that mutation alone). PostgreSQL holds
    /// writes to send them with the next statement that is answered; SQLite writes as it goes.
    fn flush(&mut self) -> Result<(), StoreError>;
}

/// Where the change log starts and ends for a pull.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogBounds {
    /// Cursors at or below this may have lost tombstones (`Tx::tombstone_floor`).
    pub floor: u64,
    /// The newest cursor given (never below the floor).
    pub end: u64,
}

impl LogBounds {
    /// From the highest cursor given (`None` before the first) and the stored floor (`meta`'s text).
    pub fn from_stored(highest: Option<i64>, floor: Option<String>) -> LogBounds {
        let floor = floor.and_then(|v| v.parse().ok()).unwrap_or(0);
        LogBounds { floor, end: (highest.unwrap_or(0) as u64).max(floor) }
    }
}

/// What every pull starts from, read in one statement ([`Tx::open_pull`]).
#[derive(Clone, Debug)]
pub struct PullOpening {
    /// The token's device and its user's record, as [`Tx::device_and_user_by_token`] reads them.
    pub holder: Option<Holder>,
    /// That device's wipe order, as stored (`wipe.rs`).
    pub wipe_order: Option<String>,
    pub bounds: LogBounds,
}

/// The connections' use at one moment (`/metrics`). SQLite: the one writer connection and the pooled
/// readers; PostgreSQL: the deadpool pool.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolUse {
    /// Connections open.
    pub open: usize,
    /// Of those, not serving a request.
    pub idle: usize,
    /// Requests waiting for a connection (SQLite: for the writer).
    pub waiting: usize,
    /// The most connections the pool opens (SQLite: readers are opened as needed, so none).
    pub max: Option<usize>,
}

/// A write's turn: how long it may keep the others waiting ([`Turn`]), and the longest SQLite's writer
/// goes on adding writes to one group.
pub const TURN: std::time::Duration = std::time::Duration::from_millis(20);

/// A long write (a large push) that is past its [`TURN`] while other writes wait for SQLite's one writer
/// ends there, and goes on in a write of its own behind them; alone, it goes on (each commit costs). On
/// PostgreSQL writers run side by side and a turn never ends: ending it while any other transaction was
/// under way made a push of 500 inspections beside a crowd of small ones ten times slower (each write
/// claims the records of every mutation left, and got through one before its turn was over).
#[derive(Clone)]
pub struct Turn(Arc<dyn Fn() -> bool + Send + Sync>);

impl Turn {
    /// A turn starting now (at a write's first decision): whether it is over.
    pub fn start(&self) -> impl Fn() -> bool + use<> {
        let (started, others_wait) = (std::time::Instant::now(), self.0.clone());
        move || started.elapsed() >= TURN && others_wait()
    }
}

/// The database, whichever back end.
#[derive(Clone)]
pub enum Db {
    Sqlite(Arc<sqlite::SqliteDb>),
    Postgres(Arc<postgres::PgDb>),
}

impl Db {
    /// Runs `f` in one write transaction (serialised with every other writer); rolls back on error.
    pub async fn write<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, ApiError> + Send + 'static,
    {
        match self {
            Db::Sqlite(s) => s.write(f).await,
            Db::Postgres(p) => {
                let conn = p.conn().await?;
                blocking(move || traced("write", || postgres::write(conn, f))).await
            }
        }
    }

    /// Runs `f` in one read-only snapshot.
    pub async fn read<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, ApiError> + Send + 'static,
    {
        match self {
            Db::Sqlite(s) => {
                let (s, turn) = (s.clone(), s.read_turn().await?);
                blocking(move || {
                    let _turn = turn;
                    traced("read", || s.read(f))
                })
                .await
            }
            Db::Postgres(p) => {
                let conn = p.conn().await?;
                blocking(move || traced("read", || postgres::read(conn, f))).await
            }
        }
    }

    /// A write's turn at this database ([`Turn`]).
    pub fn turn(&self) -> Turn {
        match self {
            Db::Sqlite(s) => {
                let waiting = s.writes_waiting();
                Turn(Arc::new(move || waiting.load(std::sync::atomic::Ordering::Relaxed) > 0))
            }
            Db::Postgres(_) => Turn(Arc::new(|| false)),
        }
    }

    /// How the connections are used now, for `/metrics`.
    pub fn pool_use(&self) -> PoolUse {
        match self {
            Db::Sqlite(s) => s.pool_use(),
            Db::Postgres(p) => p.pool_use(),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Which database the platform runs on (`/v1/health`, `/v1/ready`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one transaction and logs (at debug level, target `fieldcheck_platform::db`) how long it took and
/// whether it succeeded: on the thread that runs it (a blocking thread, or SQLite's writer), under the
/// request's span like every line its closure logs.
pub(super) fn traced<R>(kind: &'static str, run: impl FnOnce() -> Result<R, ApiError>) -> Result<R, ApiError> {
    let started = std::time::Instant::now();
    let result = run();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::debug!(kind, ms, ok = result.is_ok(), "transaction");
    result
}

/// Runs a transaction's closure on tokio's blocking pool, in the caller's span.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> Result<R, ApiError> + Send + 'static) -> Result<R, ApiError> {
    crate::ops::spawn_blocking(f).await?
}

/// Entity names as stored.
pub fn entity_name(e: Entity) -> &'static str {
    match e {
        Entity::Township => "township",
        Entity::Squadron => "squadron",
        Entity::User => "user",
        Entity::Enterprise => "enterprise",
        Entity::Template => "template",
        Entity::Inspection => "inspection",
        Entity::Task => "task",
        Entity::TaskEvent => "task_event",
        Entity::Alarm => "alarm",
        Entity::Notice => "notice",
        Entity::OriginalRequest => "original_request",
        Entity::Draw => "draw",
        Entity::Assignment => "assignment",
        Entity::Grid => "grid",
        Entity::MonitoringPoints => "monitoring_points",
    }
}

pub fn entity_from_name(s: &str) -> Result<Entity, StoreError> {
    Ok(match s {
        "township" => Entity::Township,
        "squadron" => Entity::Squadron,
        "user" => Entity::User,
        "enterprise" => Entity::Enterprise,
        "template" => Entity::Template,
        "inspection" => Entity::Inspection,
        "task" => Entity::Task,
        "task_event" => Entity::TaskEvent,
        "alarm" => Entity::Alarm,
        "notice" => Entity::Notice,
        "original_request" => Entity::OriginalRequest,
        "draw" => Entity::Draw,
        "assignment" => Entity::Assignment,
        "grid" => Entity::Grid,
        "monitoring_points" => Entity::MonitoringPoints,
        other => return Err(StoreError::Corrupt(format!("unknown entity {other}"))),
    })
}

/// An audit line's stored state, read back as the record kind's typed state.
pub(crate) fn record_state(entity: &str, stored: Option<String>) -> Result<Option<RecordState>, StoreError> {
    stored.map(|s| RecordState::parse(entity, &s).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
}

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|e| StoreError::Corrupt(e.to_string()))
}
