//! The platform's P-256 key and blob store (configuration, see [`EvidenceConfig`]) and the registry of
//! device keys, recorded at sign-in.
//!
//! The key comes from `FIELDCHECK_PLATFORM_KEY` (hex), else from the key file named by the configuration
//! (which must exist), else from `<data>/evidence/platform.key`, made on first start: enough for one
//! node; several nodes are given the same key.

use super::store::{BlobStoreConfig, EvidenceConfig};
use crate::db::{Db, StoreError, Tx};
use fieldcheck_evidence::{PublicKey, SoftwareSigner};
use object_store::ObjectStore;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Where the blobs are, and the key receipts are signed with.
pub struct EvidenceState {
    pub blobs: Option<Arc<dyn ObjectStore>>,
    pub signer: SoftwareSigner,
}

static STATE: OnceLock<EvidenceState> = OnceLock::new();

/// Opens the blob store and loads the platform key as `config` says (making the default key file on
/// first start); call once at start-up, after the database is open. A local folder's uploads from an
/// older platform are adopted.
pub async fn init(data: &Path, config: &EvidenceConfig, db: &Db) -> Result<&'static EvidenceState, String> {
    let store = BlobStoreConfig::from_url(config.blobs.as_deref(), config.blobs_endpoint.as_deref(), data)?;
    let blobs = store.open()?;
    if let BlobStoreConfig::Local(dir) = &store {
        super::blobs::adopt_partials(db, dir).await?;
    }
    let signer = platform_key(data, config).map_err(|e| format!("platform key: {e}"))?;
    Ok(STATE.get_or_init(|| EvidenceState { blobs: Some(blobs), signer }))
}

fn platform_key(data: &Path, config: &EvidenceConfig) -> Result<SoftwareSigner, StoreError> {
    if let Some(hex) = std::env::var("FIELDCHECK_PLATFORM_KEY").ok().filter(|s| !s.is_empty()) {
        return from_hex(&hex, "FIELDCHECK_PLATFORM_KEY");
    }
    if let Some(file) = &config.platform_key_file {
        let text = fs::read_to_string(file).map_err(|e| StoreError::Corrupt(format!("{}: {e}", file.display())))?;
        return from_hex(&text, &file.display().to_string());
    }
    let dir = data.join("evidence");
    fs::create_dir_all(&dir)?;
    load_or_create(&dir.join("platform.key"))
}

fn from_hex(text: &str, from: &str) -> Result<SoftwareSigner, StoreError> {
    let secret = hex::decode(text.trim()).map_err(|e| StoreError::Corrupt(format!("{from}: {e}")))?;
    SoftwareSigner::from_secret(&secret).map_err(|e| StoreError::Corrupt(format!("{from}: {e}")))
}

/// The state set by [`init`]; without it (in-process tests) an in-memory key and no blob storage.
pub fn state() -> Result<&'static EvidenceState, StoreError> {
    if let Some(s) = STATE.get() {
        return Ok(s);
    }
    let signer = SoftwareSigner::generate().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(STATE.get_or_init(|| EvidenceState { blobs: None, signer }))
}

fn load_or_create(path: &Path) -> Result<SoftwareSigner, StoreError> {
    if !path.exists() {
        let signer = SoftwareSigner::generate().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(hex::encode(signer.secret()).as_bytes())?;
                file.sync_all()?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    from_hex(&fs::read_to_string(path)?, &path.display().to_string())
}

const DEVICE_KEY: &str = "device_key";

/// Records the key a device seals its evidence with (sent with its sign-in).
pub fn register_device_key(tx: &mut dyn Tx, device: &str, key: &PublicKey) -> Result<(), StoreError> {
    tx.evidence_put(DEVICE_KEY, device, &hex::encode(&key.0))
}

/// The key registered for `device`, if any.
pub fn device_key(tx: &mut dyn Tx, device: &str) -> Result<Option<PublicKey>, StoreError> {
    let Some(text) = tx.evidence_get(DEVICE_KEY, device)? else { return Ok(None) };
    hex::decode(&text).map(|b| Some(PublicKey(b))).map_err(|e| StoreError::Corrupt(format!("device key: {e}")))
}
