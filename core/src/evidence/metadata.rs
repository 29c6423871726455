//! What is recorded beside each photo: plain structs the device store and the platform persist.

use super::digest::Digest;
use super::error::EvidenceError;
use crate::domain::geo::GeoFix;
use crate::domain::ids::{AlarmId, DeviceId, EvidenceId, FindingId, InspectionId, TaskId, UserId};
use crate::domain::template::ItemRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kind of bytes a blob holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
}

impl MediaType {
    /// The MIME type, for HTTP and manifests.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// A file extension, for exported bundles.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

/// A stored blob: its content address, exact length and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobRef {
    pub sha256: Digest,
    pub len: u64,
    pub media_type: MediaType,
}

/// What a photo proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// The answer to a checklist item.
    Item { item: ItemRef },
    /// A problem found during the inspection.
    Finding { finding: FindingId },
    /// A step of a rectification task (e.g. the enterprise's "fixed" photo).
    Task { task: TaskId },
    /// On-site feedback for an alarm.
    Alarm { alarm: AlarmId },
}

/// Facts the device knows when a photo is taken, recorded with it and committed to by the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureMeta {
    pub evidence: EvidenceId,
    pub inspection: InspectionId,
    pub subject: Subject,
    /// Device clock when the photo was taken (data, not ordering: see `clock_skew_ms`).
    pub taken_at: DateTime<Utc>,
    /// Where the device was, if it had a fix.
    pub fix: Option<GeoFix>,
    pub device: DeviceId,
    pub officer: UserId,
    /// Server clock minus device clock, in milliseconds, as last measured at sync; `None` if never measured.
    pub clock_skew_ms: Option<i64>,
}

impl CaptureMeta {
    /// Refuses a garbled fix before anything is stored.
    pub fn validate(&self) -> Result<(), EvidenceError> {
        if let Some(fix) = &self.fix {
            fix.validate().map_err(|e| EvidenceError::InvalidMetadata { field: "fix", reason: e.to_string() })?;
        }
        Ok(())
    }
}

/// One ingested photo: the original exactly as taken plus its derived files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    pub meta: CaptureMeta,
    /// The bytes as the camera produced them, never altered.
    pub original: BlobRef,
    /// Upload rendition: JPEG, long edge at most 2048 px, upright, no EXIF (so no location in the file).
    pub rendition: BlobRef,
    /// Local thumbnail: JPEG, long edge at most 320 px.
    pub thumbnail: BlobRef,
    /// Upright size of the original, in pixels.
    pub width: u32,
    pub height: u32,
    pub rendition_width: u32,
    pub rendition_height: u32,
    /// Whether a watermark was drawn on the rendition.
    pub watermarked: bool,
}
