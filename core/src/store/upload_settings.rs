//! The user's upload choice kept with the device's data, so it survives a restart: when photo originals
//! go up (`OriginalPolicy`). The network is not kept: the app reports it as it changes.

use super::Store;
use super::codec::{from_tag, tag};
use super::error::StoreError;
use crate::evidence::upload::OriginalPolicy;

impl Store {
    /// Keeps the user's choice of when originals upload.
    pub fn set_originals_policy(&self, policy: OriginalPolicy) -> Result<(), StoreError> {
        let value = tag(&policy)?;
        self.write(|tx| {
            tx.execute("UPDATE session SET originals_policy = ?1 WHERE id = 1", [value])?;
            Ok(())
        })
    }

    /// The user's choice of when originals upload (Wi-Fi only until one is made).
    pub fn originals_policy(&self) -> Result<OriginalPolicy, StoreError> {
        self.read(|conn| {
            let value: String =
                conn.query_row("SELECT originals_policy FROM session WHERE id = 1", [], |r| r.get(0))?;
            from_tag("originals policy", &value)
        })
    }
}
