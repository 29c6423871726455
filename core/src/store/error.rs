//! Errors of the device store: each variant says what happened and what a person can do about it.

use crate::domain::DomainError;
use rusqlite::ErrorCode;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// The file was written by a newer app; it is left untouched so the newer app can still use it.
    #[error(
        "{} was written by a newer version of Fieldcheck (schema {found}, this app knows up to {supported}); update the app",
        path.display()
    )]
    NewerVersion { path: PathBuf, found: u32, supported: u32 },

    /// The file is not a database or is damaged; it is left as it is (for recovery or support).
    #[error("{} is not a Fieldcheck database or is damaged: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },

    /// The device has no room left; the change was rolled back and nothing of it was saved.
    #[error("the device storage is full; the change was not saved (free some space and try again)")]
    DiskFull,

    #[error(transparent)]
    Domain(#[from] DomainError),

    #[error("no user is signed in on this device")]
    NotSignedIn,

    /// Each database belongs to one user; another user needs their own file.
    #[error("this database belongs to user {owner}, not {requested}")]
    OtherUser { owner: String, requested: String },

    #[error("{entity} {id} is not on this device")]
    NotFound { entity: &'static str, id: String },

    /// A stored JSON body or value no longer reads back (e.g. written by a damaged build).
    #[error("stored {what} could not be read: {reason}")]
    Decode { what: String, reason: String },
}

impl StoreError {
    /// Gives the SQLite conditions a person can act on their own variant.
    pub(crate) fn classify(self, path: &std::path::Path) -> Self {
        let StoreError::Sqlite(e) = &self else { return self };
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
            }
            _ => self,
        }
    }

    pub(crate) fn decode(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        StoreError::Decode { what: what.into(), reason: reason.to_string() }
    }
}
