//! Why a photo was refused: each variant says what a person (or the app) can act on.

use std::path::PathBuf;
use thiserror::Error;

/// Ingest failures. A refused photo leaves nothing behind and affects no other photo.
#[derive(Debug, Error)]
pub enum EvidenceError {
    #[error("the file is empty")]
    Empty,

    #[error("the file is {len} bytes; at most {max} are accepted")]
    TooLarge { len: u64, max: u64 },

    #[error("not a JPEG, PNG or WebP image (HEIC is converted to JPEG by the iOS app before ingest)")]
    UnsupportedFormat,

    #[error("the image is {width} x {height} pixels; at most {max_pixels} pixels are accepted")]
    TooManyPixels { width: u32, height: u32, max_pixels: u64 },

    #[error("decoding the image would need {needed} bytes of memory; at most {max} are allowed")]
    DecodeMemory { needed: u64, max: u64 },

    #[error("the {format} image is damaged or cut short: {reason}")]
    Corrupt { format: &'static str, reason: String },

    #[error("invalid {field}: {reason}")]
    InvalidMetadata { field: &'static str, reason: String },

    #[error("could not encode the {what}: {reason}")]
    Encode { what: &'static str, reason: String },

    #[error("unusable watermark font: {reason}")]
    Font { reason: String },

    #[error("file error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl EvidenceError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
