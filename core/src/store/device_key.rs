//! The key this device seals its evidence chains with. By default a software P-256 key kept beside
//! the database (`<database file>.device-key`, owner-only); an app with secure hardware (Android
//! Keystore, Secure Enclave) supplies its own `Signer` instead with [`Store::set_signer`].

use super::Store;
use super::error::StoreError;
use crate::evidence::{PublicKey, Signer, SoftwareSigner};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

impl Store {
    /// Uses `signer` (e.g. a hardware-backed key) for every later seal instead of the software key.
    pub fn set_signer(&self, signer: Arc<dyn Signer>) {
        *self.signer.lock().unwrap_or_else(PoisonError::into_inner) = Some(signer);
    }

    /// Whether a signer is in use already (the app's, or one loaded by an earlier seal).
    pub fn has_signer(&self) -> bool {
        self.signer.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// The signer seals are made with: the app's, or the software key beside the database (made on
    /// first use).
    pub fn signer(&self) -> Result<Arc<dyn Signer>, StoreError> {
        let mut slot = self.signer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(signer) = slot.as_ref() {
            return Ok(signer.clone());
        }
        let signer: Arc<dyn Signer> = Arc::new(load_or_create(&key_path(self.path()))?);
        *slot = Some(signer.clone());
        Ok(signer)
    }

    /// Drops the signer in use and deletes the software key beside the database, if any (a wipe).
    pub(crate) fn forget_signer(&self) -> Result<(), StoreError> {
        *self.signer.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let path = key_path(self.path());
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(key_error(&path, e)),
            _ => Ok(()),
        }
    }

    /// The public key the platform verifies this device's seals with (sent at sign-in).
    pub fn device_public_key(&self) -> Result<PublicKey, StoreError> {
        Ok(self.signer()?.public_key())
    }
}

fn key_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "fieldcheck".into());
    name.push(".device-key");
    database.with_file_name(name)
}

fn key_error(path: &Path, reason: impl std::fmt::Display) -> StoreError {
    StoreError::decode(format!("device signing key {}", path.display()), reason)
}

fn load_or_create(path: &Path) -> Result<SoftwareSigner, StoreError> {
    match fs::read_to_string(path) {
        Ok(text) => {
            let secret = hex::decode(text.trim()).map_err(|e| key_error(path, e))?;
            SoftwareSigner::from_secret(&secret).map_err(|e| key_error(path, e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let signer = SoftwareSigner::generate().map_err(|e| key_error(path, e))?;
            write_private(path, hex::encode(signer.secret()).as_bytes()).map_err(|e| key_error(path, e))?;
            // Read back what won a race with another opener of the same database.
            load_existing(path)
        }
        Err(e) => Err(key_error(path, e)),
    }
}

fn load_existing(path: &Path) -> Result<SoftwareSigner, StoreError> {
    let text = fs::read_to_string(path).map_err(|e| key_error(path, e))?;
    let secret = hex::decode(text.trim()).map_err(|e| key_error(path, e))?;
    SoftwareSigner::from_secret(&secret).map_err(|e| key_error(path, e))
}

/// Writes a new file readable by the owner only, fsynced; never replaces an existing key.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(bytes)?;
            file.sync_all()
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
