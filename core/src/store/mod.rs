//! The device store: one SQLite file per signed-in user holding replicas of what the platform sends,
//! the user's local work and the outbox of intents waiting to be pushed.
//!
//! One writer connection behind a mutex and a separate reader connection; in WAL mode reads never wait
//! for a write. Every typed write runs in one `BEGIN IMMEDIATE` transaction together with its outbox
//! entry, so a change and the intent that reports it are saved together or not at all.
//!
//! On the phone the file is encrypted with SQLCipher ([`Store::open_encrypted`], `encryption.rs`).

mod alarms;
mod capture;
mod case_evidence;
mod codec;
mod device_key;
mod documents;
mod encryption;
mod enterprises;
pub mod error;
mod evidence_records;
mod fetched_photos;
mod findings;
mod inspection_view;
mod inspections;
mod optimistic;
mod outbox;
mod photos;
mod replica;
pub mod schema;
mod session;
mod tasks;
mod templates;
mod theme_settings;
mod today;
mod upload_settings;
mod users;
mod watermark_settings;

pub use capture::{Capture, CaptureError};
pub use case_evidence::CasePhoto;
pub use documents::{OrderParts, RecordParts};
pub use encryption::{DatabaseKey, in_clear};
pub use enterprises::PlaceNames;
pub use error::StoreError;
pub use evidence_records::PendingBlob;
pub use fetched_photos::FetchedPhoto;
pub use inspection_view::{AnsweredItem, InspectionView};
pub use inspections::{Answered, NewInspection, ReadBack};
pub use outbox::{ClockSkew, NeedsAttention, OutboxCounts};
pub use photos::Photo;
pub use replica::{PullApplied, ReceivedPage};
pub use session::Session;
pub use tasks::{TaskFilter, TaskListItem};
pub use theme_settings::Theme;
pub use today::TodayWork;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// Where the store reads the current time (injectable so tests can move time).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A user's database on this device.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    clock: Clock,
    templates: templates::TemplateCache,
    /// Seals evidence chains; loaded on first use (see device_key.rs).
    signer: Mutex<Option<Arc<dyn crate::evidence::Signer>>>,
    /// Whether the file is encrypted (SQLCipher); its key can then be changed (`encryption.rs`).
    encrypted: bool,
}

impl Store {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with_clock(path, Arc::new(Utc::now))
    }

    /// Opens the database at `path` encrypted with `key` (SQLCipher); a database an earlier version
    /// kept in clear is encrypted in place first. Without the key the file reads as noise.
    pub fn open_encrypted(path: impl AsRef<Path>, key: &DatabaseKey) -> Result<Self, StoreError> {
        Self::open_keyed(path, Arc::new(Utc::now), Some(key))
    }

    /// Like [`Store::open`], with the clock the store reads `now` from.
    pub fn open_with_clock(path: impl AsRef<Path>, clock: Clock) -> Result<Self, StoreError> {
        Self::open_keyed(path, clock, None)
    }

    /// Opens with a clock, encrypted if a key is given.
    pub fn open_keyed(path: impl AsRef<Path>, clock: Clock, key: Option<&DatabaseKey>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        Self::open_inner(&path, clock, key).map_err(|e| e.classify(&path))
    }

    fn open_inner(path: &Path, clock: Clock, key: Option<&DatabaseKey>) -> Result<Self, StoreError> {
        let connect = || encryption::connect(path, key);
        if let Some(key) = key {
            encryption::encrypt_if_clear(path, key)?;
        }
        let mut writer = connect()?;
        // Look before touching anything: a newer or damaged file must stay exactly as it is.
        let found = schema::version(&writer)?;
        if found > schema::LATEST_VERSION {
            return Err(StoreError::NewerVersion {
                path: path.to_path_buf(),
                found,
                supported: schema::LATEST_VERSION,
            });
        }
        writer.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))?;
        schema::configure_writer(&writer)?;
        schema::upgrade(&mut writer, schema::LATEST_VERSION)?;
        let reader = connect()?;
        schema::configure_reader(&reader)?;
        let store = Store {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            clock,
            templates: Default::default(),
            signer: Mutex::new(None),
            encrypted: key.is_some(),
        };
        store.write(|tx| {
            session::ensure_device(tx)?;
            templates::install_bundled(tx)
        })?;
        Ok(store)
    }

    /// Erases every record (a remote wipe): the rows of every table are deleted with SQLite's
    /// `secure_delete` (freed pages overwritten), the file is vacuumed and the log truncated. The store
    /// stays open, as a new installation: a fresh device id, the bundled checklists, no one signed in.
    pub fn erase(&self) -> Result<(), StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let run = |conn: &mut Connection| -> Result<(), StoreError> {
            conn.pragma_update(None, "secure_delete", true)?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Every table but the full-text index and its shadow tables (triggers empty those).
            let tables: Vec<String> = tx
                .prepare(
                    "SELECT name FROM sqlite_master t WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                       AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%'
                                         AND (t.name = v.name OR t.name LIKE v.name || '\\_%' ESCAPE '\\'))",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
            for table in tables {
                tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
            }
            session::ensure_device(&tx)?;
            templates::install_bundled(&tx)?;
            tx.commit()?;
            conn.execute_batch("VACUUM")?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            conn.pragma_update(None, "secure_delete", false)?;
            Ok(())
        };
        run(&mut conn).map_err(|e| e.classify(&self.path))?;
        drop(conn);
        self.forget_signer()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store's current time, to the millisecond (the precision times are kept at).
    pub fn now(&self) -> DateTime<Utc> {
        let t = (self.clock)();
        DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
    }

    /// Runs `f` on the reader connection inside one read transaction (a consistent snapshot).
    /// Raw access for queries and tools; product code uses the typed methods.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        let run = |conn: &mut Connection| -> Result<T, StoreError> {
            let tx = conn.transaction()?;
            f(&tx)
        };
        run(&mut conn).map_err(|e| e.classify(&self.path))
    }

    /// Runs `f` in one immediate transaction on the writer; commits if `f` succeeds, rolls back
    /// otherwise (also when the disk fills up at commit). Raw access for tools and tests; only the
    /// typed methods append to the outbox.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let run = |conn: &mut Connection| -> Result<T, StoreError> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run(&mut conn).map_err(|e| e.classify(&self.path))
    }
}
