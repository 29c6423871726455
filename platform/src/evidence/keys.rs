//! The platform's P-256 key (made on first start, kept in the data folder) and the registry of device
//! keys, recorded at sign-in.

use crate::db::{StoreError, Tx};
use fieldcheck_evidence::{PublicKey, SoftwareSigner};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where the evidence files are, and the key receipts are signed with.
pub struct EvidenceState {
    pub dir: Option<PathBuf>,
    pub signer: SoftwareSigner,
}

static STATE: OnceLock<EvidenceState> = OnceLock::new();

/// Loads (or makes, on first start) the platform key under `data/evidence/`; call once at start-up.
pub fn init(data: &Path) -> Result<&'static EvidenceState, StoreError> {
    let dir = data.join("evidence");
    fs::create_dir_all(&dir)?;
    let signer = load_or_create(&dir.join("platform.key"))?;
    Ok(STATE.get_or_init(|| EvidenceState { dir: Some(dir), signer }))
}

/// The state set by [`init`]; without it (in-process tests) an in-memory key and no blob storage.
pub fn state() -> Result<&'static EvidenceState, StoreError> {
    if let Some(s) = STATE.get() {
        return Ok(s);
    }
    let signer = SoftwareSigner::generate().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(STATE.get_or_init(|| EvidenceState { dir: None, signer }))
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
    let text = fs::read_to_string(path)?;
    let secret = hex::decode(text.trim()).map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display())))?;
    SoftwareSigner::from_secret(&secret).map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display())))
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
