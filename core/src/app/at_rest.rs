//! The keys the phone's data is encrypted with at rest, kept by the secure-storage capability beside the
//! token and the device signing key: one for the database (SQLCipher), one for the photo files (AEAD).
//! A new installation makes both once; every later launch reads them back.

use super::capabilities::SecureStorage;
use crate::evidence::{BlobStore, FileKey, Ingestor, Limits};
use crate::store::{DatabaseKey, Store, StoreError};
use std::path::Path;

/// Secure-storage keys of the two keys.
pub const DATABASE_KEY: &str = "database_key";
pub const PHOTO_KEY: &str = "photo_key";

/// The database file and the photo folder inside the app's data folder.
pub const DATABASE_FILE: &str = "fieldcheck.db";
pub const PHOTO_FOLDER: &str = "evidence";

/// The keys of this installation.
#[derive(Clone, Debug)]
pub struct AtRestKeys {
    pub database: DatabaseKey,
    pub photos: FileKey,
}

impl AtRestKeys {
    /// Reads both keys from secure storage, making (and keeping) any that is missing.
    pub fn load_or_create(storage: &dyn SecureStorage) -> Result<Self, StoreError> {
        let database = DatabaseKey::from_bytes(&kept(storage, DATABASE_KEY, DatabaseKey::generate()?)?)?;
        let photo_bytes = kept(storage, PHOTO_KEY, FileKey::generate().map_err(key_error)?)?;
        Ok(Self { database, photos: FileKey::from_bytes(&photo_bytes).map_err(key_error)? })
    }

    /// Deletes both keys (a remote wipe: what they protected is unreadable from then on).
    pub fn forget(storage: &dyn SecureStorage) {
        storage.delete(DATABASE_KEY);
        storage.delete(PHOTO_KEY);
    }
}

/// The phone's store and photo ingestor in `data_dir`, both encrypted with keys from `storage`. Data
/// kept in clear by an earlier version is encrypted in place. Data encrypted under keys that are no
/// longer in secure storage (wiped, or lost with a reset of the phone's keystore) can never be read
/// again: it is deleted, and the installation starts afresh.
pub fn open_device(data_dir: &Path, storage: &dyn SecureStorage) -> Result<(Store, Ingestor), StoreError> {
    let database = data_dir.join(DATABASE_FILE);
    let (fresh_database, fresh_photos) = (storage.load(DATABASE_KEY).is_none(), storage.load(PHOTO_KEY).is_none());
    let keys = AtRestKeys::load_or_create(storage)?;
    if fresh_database && database.exists() && !crate::store::in_clear(&database) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = database.as_os_str().to_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(std::path::PathBuf::from(name));
        }
    }
    let store = Store::open_encrypted(&database, &keys.database)?;
    let blobs = BlobStore::open_sealed(data_dir.join(PHOTO_FOLDER), keys.photos).map_err(key_error)?;
    blobs.seal_clear_files(fresh_photos).map_err(key_error)?;
    Ok((store, Ingestor::new(blobs, Limits::default())))
}

/// The value kept under `name`, or `fresh` once kept. Read back after saving: a key the storage did not
/// keep would make everything written with it unreadable at the next launch.
fn kept(storage: &dyn SecureStorage, name: &str, fresh: [u8; 32]) -> Result<Vec<u8>, StoreError> {
    if let Some(value) = storage.load(name) {
        return Ok(value);
    }
    storage.save(name, &fresh);
    match storage.load(name) {
        Some(value) if value == fresh => Ok(value),
        _ => Err(StoreError::decode(name, "secure storage did not keep the new key")),
    }
}

fn key_error(e: crate::evidence::EvidenceError) -> StoreError {
    StoreError::decode("photo key", e)
}
