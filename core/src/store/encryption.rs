//! The database encrypted at rest with SQLCipher. The key is 32 random bytes from the phone's secure
//! storage, given raw (`x'…'`: no passphrase derivation, so opening stays fast). A database written in
//! clear by an earlier version of the app is encrypted in place on the first keyed open.

use super::error::StoreError;
use super::{Store, schema};
use rusqlite::Connection;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

/// The key of an encrypted device database.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(..)")
    }
}

impl DatabaseKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::decode("database key", format!("{} bytes, not 32", bytes.len())))?;
        Ok(Self(bytes))
    }

    /// Fresh random key bytes.
    pub fn generate() -> Result<[u8; 32], StoreError> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::decode("database key", e))?;
        Ok(bytes)
    }

    /// The key as SQLCipher's raw-key literal.
    fn literal(&self) -> String {
        format!("x'{}'", hex::encode(self.0))
    }
}

/// A connection to `path`, keyed if a key is given (before anything else reads the file).
pub(super) fn connect(path: &Path, key: Option<&DatabaseKey>) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    if let Some(key) = key {
        conn.pragma_update(None, "key", key.literal())?;
    }
    Ok(conn)
}

impl Store {
    /// Whether the database is encrypted (opened with [`Store::open_encrypted`]).
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// Re-encrypts the database under `key` (a wipe replaces the keys it deleted). SQLCipher changes a
    /// key in rollback-journal mode, so the reader is closed and the file leaves WAL mode meanwhile.
    pub fn rekey(&self, key: &DatabaseKey) -> Result<(), StoreError> {
        if !self.encrypted {
            return Err(StoreError::decode("database key", "the database is not encrypted"));
        }
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut reader = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        let mut run = || -> Result<(), StoreError> {
            *reader = Connection::open_in_memory()?;
            writer.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
            writer.pragma_update(None, "rekey", key.literal())?;
            schema::configure_writer(&writer)?;
            let fresh = connect(&self.path, Some(key))?;
            schema::configure_reader(&fresh)?;
            *reader = fresh;
            Ok(())
        };
        run().map_err(|e| e.classify(&self.path))
    }
}

/// Whether `path` holds a database in clear (SQLite's header in plain sight).
pub fn in_clear(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0; 16];
    fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)).is_ok() && &header == b"SQLite format 3\0"
}

/// Encrypts a clear database at `path` in place (an upgraded phone): `sqlcipher_export` copies it into a
/// keyed file beside it, which then replaces it by rename, so an interruption leaves the clear file whole
/// (and the half-written copy is discarded at the next try). Nothing to do for a new or keyed file.
pub(super) fn encrypt_if_clear(path: &Path, key: &DatabaseKey) -> Result<(), StoreError> {
    let partial = sibling(path, ".encrypting");
    let _ = fs::remove_file(&partial);
    if !in_clear(path) {
        return Ok(());
    }
    {
        let conn = Connection::open(path)?;
        // Everything in the WAL goes into the main file first, and nothing stays behind in the log.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let target = partial.to_str().ok_or_else(|| StoreError::decode("database path", "not UTF-8"))?;
        conn.execute("ATTACH DATABASE ?1 AS encrypted KEY ?2", [target, &key.literal()])?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        conn.execute_batch("DETACH DATABASE encrypted")?;
    }
    fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(|e| StoreError::decode("encrypted copy", e))?;
    fs::rename(&partial, path).map_err(|e| StoreError::decode("encrypted copy", e))?;
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(sibling(path, suffix));
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}
