//! What a sync can fail with, sorted by what the app should do about it.

use crate::store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SyncError {
    /// No connection, a timeout, or the platform is unavailable: try again later (nothing was lost).
    #[error("the platform could not be reached: {0}")]
    Offline(String),

    /// The token was refused (revoked, expired, or wrong password at login): sign in again.
    #[error("sign-in needed: {0}")]
    Unauthorized(String),

    /// The platform speaks a newer protocol: update the app.
    #[error("the app must be updated: {0}")]
    UpgradeRequired(String),

    /// Too many failed logins: wait `retry_after_secs` before trying again.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },

    /// The platform refused the request itself (a bug on one side): reported, not retried.
    #[error("the platform refused the request ({status}): {message}")]
    Refused { status: u16, message: String },

    /// An answer that does not read as the protocol says.
    #[error("unreadable answer from the platform: {0}")]
    Decode(String),

    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Worth retrying after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Offline(_))
    }
}
