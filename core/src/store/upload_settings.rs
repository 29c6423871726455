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

    /// Postpones (or resumes) the command centre's requests for originals: postponed, they wait for the
    /// upload policy like any other original; resumed, they go on the next sync whatever the policy.
    pub fn set_originals_postponed(&self, postponed: bool) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("UPDATE session SET originals_postponed = ?1 WHERE id = 1", [postponed])?;
            Ok(())
        })
    }

    /// Whether the person postponed the requests for originals.
    pub fn originals_postponed(&self) -> Result<bool, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT originals_postponed FROM session WHERE id = 1", [], |r| r.get(0))?))
    }

    /// Originals the command centre asked for that the platform has not confirmed yet (what the person sees).
    pub fn originals_requested(&self) -> Result<usize, StoreError> {
        self.read(|conn| {
            let mut count = 0;
            for table in ["blob_uploads", "case_blob_uploads"] {
                let n: i64 = conn.query_row(
                    &format!(
                        "SELECT COUNT(*) FROM {table} WHERE role = 'original' AND requested = 1 AND confirmed = 0"
                    ),
                    [],
                    |r| r.get(0),
                )?;
                count += usize::try_from(n).unwrap_or(0);
            }
            Ok(count)
        })
    }
}
