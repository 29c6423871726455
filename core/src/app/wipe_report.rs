//! A wipe report the platform did not receive: the phone erased itself all the same (the order
//! stands), and keeps only the report (counts, no data) with the platform's address and the token it
//! was ordered under, in secure storage, until a later contact delivers it. The platform takes that
//! report once even from a device revoked since (`POST /v1/sync/wiped`), and answers a repeat the same.

use super::capabilities::SecureStorage;
use crate::protocol::WipeReport;
use crate::sync::{Progress, SyncClient, SyncError, SyncOptions};
use serde::{Deserialize, Serialize};

/// The secure-storage key the unsent report is kept under.
pub const WIPE_REPORT_KEY: &str = "wipe_report";

/// What is kept of a wiped phone until its report is delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingWipeReport {
    pub platform_url: String,
    /// The erased session's token: the platform accepts it for this report only once it is revoked.
    pub token: String,
    pub report: WipeReport,
}

impl PendingWipeReport {
    pub fn load(storage: &dyn SecureStorage) -> Option<Self> {
        // Unreadable: nothing useful can be sent, and it must not block the next sign-in.
        storage.load(WIPE_REPORT_KEY).and_then(|bytes| serde_json::from_slice(&bytes).ok())
    }

    pub fn save(&self, storage: &dyn SecureStorage) {
        if let Ok(bytes) = serde_json::to_vec(self) {
            storage.save(WIPE_REPORT_KEY, &bytes);
        }
    }
}

/// Sends the kept report, if there is one (the app calls this at launch and before each sync). It is
/// forgotten once the platform has it, or refused it for good (an unknown token, a device never ordered
/// wiped); a network failure keeps it for the next contact. `Ok(true)` when one was delivered now.
pub async fn deliver(storage: &dyn SecureStorage) -> Result<bool, SyncError> {
    let Some(pending) = PendingWipeReport::load(storage) else { return Ok(false) };
    let client = SyncClient::new(&pending.platform_url, SyncOptions::default())?.with_token(pending.token.clone());
    match client.report_wipe(&pending.report, &mut Progress::default()).await {
        Ok(()) => {
            storage.delete(WIPE_REPORT_KEY);
            Ok(true)
        }
        Err(e) if e.is_transient() => Err(e),
        Err(e) => {
            storage.delete(WIPE_REPORT_KEY);
            Err(e)
        }
    }
}
