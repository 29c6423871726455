//! Taking a photo file in as evidence (an inspection item or finding, a task's proof, an alarm's
//! on-site feedback): ingest (checked, hashed,
//! stored unaltered with a rendition and a thumbnail), then recorded with its capture facts.
//! Long work: call it off the UI thread.

use super::Store;
use super::error::StoreError;
use crate::domain::geo::GeoFix;
use crate::domain::ids::EvidenceId;
use crate::evidence::{CaptureMeta, Case, EvidenceError, EvidenceRecord, Ingestor, Provenance, Subject};
use chrono::{DateTime, Utc};
use std::path::Path;
use thiserror::Error;

/// Why a photo could not be taken in.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The file itself: not an image, too big, truncated, unreadable.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The record: no session, inspection not editable, unknown item or finding, storage.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a photo proves and when and where it was taken.
#[derive(Clone, Debug, PartialEq)]
pub struct Capture {
    /// The inspection, rectification task or alarm the photo is for.
    pub case: Case,
    /// A checklist item or a finding of an inspection, or the case overall (the only subject of a
    /// task or alarm photo).
    pub subject: Subject,
    /// Device clock when the photo was taken.
    pub taken_at: DateTime<Utc>,
    pub fix: Option<GeoFix>,
}

impl Store {
    /// Ingests the photo at `path` (with the device's watermark setting, `set_watermark`) and records it
    /// for the capture's case, in that order: if the record is refused (e.g. the inspection was submitted
    /// meanwhile, or the task is not on this device) the stored blob is an orphan, never a lost photo.
    pub fn capture_photo(
        &self,
        ingestor: &Ingestor,
        capture: Capture,
        path: &Path,
    ) -> Result<EvidenceRecord, CaptureError> {
        self.capture_photo_from(ingestor, capture, Provenance::default(), path)
    }

    /// [`Store::capture_photo`] for a photo whose source (camera or library) and missing fix are known.
    pub fn capture_photo_from(
        &self,
        ingestor: &Ingestor,
        capture: Capture,
        provenance: Provenance,
        path: &Path,
    ) -> Result<EvidenceRecord, CaptureError> {
        let session = self.session()?.ok_or(StoreError::NotSignedIn)?;
        let watermark = self.watermark_for(&capture, &session.user.name)?;
        let meta = CaptureMeta {
            evidence: EvidenceId::new(),
            case: capture.case,
            subject: capture.subject,
            taken_at: capture.taken_at,
            fix: capture.fix,
            device: session.device,
            officer: session.user.id,
            clock_skew_ms: self.clock_skew()?.map(|s| s.server_minus_device.num_milliseconds()),
            provenance,
        };
        let record = ingestor.ingest_file(path, meta, watermark.as_ref())?;
        self.record_evidence(&record)?;
        Ok(record)
    }
}
