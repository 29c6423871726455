//! What is recorded beside each photo: plain structs the device store and the platform persist.

use super::digest::Digest;
use super::error::EvidenceError;
use super::watermark::WatermarkGaps;
use chrono::{DateTime, Utc};
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::{AlarmId, DeviceId, EvidenceId, FindingId, InspectionId, TaskId, UserId};
use fieldcheck_domain::template::ItemRef;
use serde::{Deserialize, Serialize};

/// The kind of bytes a blob holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlobRef {
    pub sha256: Digest,
    pub len: u64,
    pub media_type: MediaType,
}

/// The record whose evidence chain a photo joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Case {
    /// An on-site inspection.
    Inspection(InspectionId),
    /// A rectification task (e.g. the enterprise's "fixed" photos, a re-inspection).
    Task(TaskId),
    /// A dispatched alarm's on-site feedback.
    Alarm(AlarmId),
}

impl Case {
    /// Kind and id, for hashing and file names.
    pub fn parts(&self) -> (&'static str, uuid::Uuid) {
        match self {
            Self::Inspection(id) => ("inspection", id.0),
            Self::Task(id) => ("task", id.0),
            Self::Alarm(id) => ("alarm", id.0),
        }
    }
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, id) = self.parts();
        write!(f, "{kind} {id}")
    }
}

/// What a photo proves within its case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// The answer to a checklist item of the inspection.
    Item { item: ItemRef },
    /// A problem found during the inspection.
    Finding { finding: FindingId },
    /// The case as a whole (a task step, alarm feedback, a general site photo).
    Overall,
}

/// Facts the device knows when a photo is taken, recorded with it and committed to by the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaptureMeta {
    pub evidence: EvidenceId,
    pub case: Case,
    pub subject: Subject,
    /// Device clock when the photo was taken (data, not ordering: see `clock_skew_ms`).
    pub taken_at: DateTime<Utc>,
    /// Where the device was, if it had a fix.
    pub fix: Option<GeoFix>,
    pub device: DeviceId,
    pub officer: UserId,
    /// Server clock minus device clock, in milliseconds, as last measured at sync; `None` if never measured.
    pub clock_skew_ms: Option<i64>,
    /// Where the photo came from and why it has no fix; left out when it is a camera photo (so records
    /// made before it existed read and hash the same).
    #[serde(default, skip_serializing_if = "Provenance::is_plain")]
    pub provenance: Provenance,
}

/// How a photo reached the app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoSource {
    /// Taken with the app's own camera at the time recorded.
    #[default]
    Camera,
    /// Picked from the phone's photo library: kept and shown as imported, never as captured.
    Imported,
}

/// Why a photo carries no fix (the same reasons an arrival records).
pub use fieldcheck_domain::geo::FixMissing;

/// Where a photo came from, and why it has no fix if it has none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    #[serde(default)]
    pub source: PhotoSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_missing: Option<FixMissing>,
}

impl Provenance {
    /// A camera photo with nothing to say about its fix (what every record before this field was).
    pub fn is_plain(&self) -> bool {
        *self == Self::default()
    }
}

impl CaptureMeta {
    /// Refuses a garbled fix, or an item or finding outside an inspection, before anything is stored.
    pub fn validate(&self) -> Result<(), EvidenceError> {
        if !matches!(self.case, Case::Inspection(_)) && self.subject != Subject::Overall {
            return Err(EvidenceError::InvalidMetadata {
                field: "subject",
                reason: format!("a checklist item or finding belongs to an inspection, not to {}", self.case),
            });
        }
        if let Some(fix) = &self.fix {
            fix.validate().map_err(|e| EvidenceError::InvalidMetadata { field: "fix", reason: e.to_string() })?;
        }
        Ok(())
    }
}

/// One ingested photo: the original exactly as taken plus its derived files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// What that watermark could not show: characters without a glyph (drawn as '?'), lines cut.
    #[serde(default, skip_serializing_if = "WatermarkGaps::is_empty")]
    pub watermark_gaps: WatermarkGaps,
}
