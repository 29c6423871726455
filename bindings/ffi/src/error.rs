//! The one public error of the API. Small and stable: a kind the app can branch on and a message a
//! person can act on. Every core error is converted here and nowhere else.

use fieldcheck_core::domain::DomainError;
use fieldcheck_core::evidence::EvidenceError;
use fieldcheck_core::store::StoreError;

/// What went wrong, with a bilingual or plain message meant for the person using the app.
// Flat, so Kotlin's `message` and Swift's description are the text below, not a field dump.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum FieldcheckError {
    /// The input was refused (bad credit code, invalid answer, unknown item, …).
    #[error("{0}")]
    InvalidInput(String),
    /// The record does not exist (or is not visible to this user).
    #[error("{0}")]
    NotFound(String),
    /// The action is not allowed now: wrong state, or the user's role may not do it.
    #[error("{0}")]
    NotAllowed(String),
    /// The device's data folder or database failed.
    #[error("{0}")]
    Storage(String),
    /// The platform could not be reached (or asked to wait): try again later; nothing was lost.
    #[error("{0}")]
    Network(String),
    /// The platform no longer accepts this session (or the password was wrong): sign in again.
    #[error("{0}")]
    SignInRequired(String),
    /// A bug; the message says where.
    #[error("{0}")]
    Internal(String),
}

impl From<DomainError> for FieldcheckError {
    fn from(e: DomainError) -> Self {
        let message = e.to_string();
        match e {
            DomainError::WrongState { .. }
            | DomainError::RoleMayNot { .. }
            | DomainError::Forbidden { .. }
            | DomainError::NotSubmittable { .. } => Self::NotAllowed(message),
            DomainError::UnknownItem { .. } | DomainError::NotFound { .. } => Self::NotFound(message),
            DomainError::InvalidCreditCode { .. }
            | DomainError::InvalidLocation { .. }
            | DomainError::Invalid { .. }
            | DomainError::TooLong { .. }
            | DomainError::Blank { .. }
            | DomainError::TooMany { .. }
            | DomainError::Duplicate { .. }
            | DomainError::AlreadyExists { .. }
            | DomainError::InvalidAnswer { .. } => Self::InvalidInput(message),
        }
    }
}

impl From<StoreError> for FieldcheckError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::NotFound { .. } => Self::NotFound(e.to_string()),
            StoreError::NotSignedIn | StoreError::OtherUser { .. } => Self::NotAllowed(e.to_string()),
            StoreError::Sqlite(_)
            | StoreError::NewerVersion { .. }
            | StoreError::Corrupt { .. }
            | StoreError::DiskFull
            | StoreError::Decode { .. } => Self::Storage(e.to_string()),
        }
    }
}

impl From<EvidenceError> for FieldcheckError {
    fn from(e: EvidenceError) -> Self {
        let message = format!("photo: {e}");
        match e {
            EvidenceError::Io { .. } => Self::Storage(message),
            EvidenceError::Encode { .. } => Self::Internal(message),
            EvidenceError::Empty
            | EvidenceError::TooLarge { .. }
            | EvidenceError::UnsupportedFormat
            | EvidenceError::TooManyPixels { .. }
            | EvidenceError::DecodeMemory { .. }
            | EvidenceError::Corrupt { .. }
            | EvidenceError::InvalidMetadata { .. }
            | EvidenceError::Font { .. } => Self::InvalidInput(message),
        }
    }
}

impl From<std::io::Error> for FieldcheckError {
    fn from(e: std::io::Error) -> Self {
        Self::Storage(format!("data folder: {e}"))
    }
}

/// Results of the public API.
pub type Result<T, E = FieldcheckError> = std::result::Result<T, E>;
