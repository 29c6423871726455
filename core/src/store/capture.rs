//! Taking a photo file in as evidence for an inspection item or finding: ingest (checked, hashed,
//! stored unaltered with a rendition and a thumbnail), then recorded with its capture facts.
//! Long work: call it off the UI thread.

use super::Store;
use super::error::StoreError;
use crate::domain::geo::GeoFix;
use crate::domain::ids::{EvidenceId, InspectionId};
use crate::evidence::{CaptureMeta, Case, EvidenceError, EvidenceRecord, Ingestor, Subject, Watermark};
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
    pub inspection: InspectionId,
    /// A checklist item or a finding of the inspection (or the inspection overall).
    pub subject: Subject,
    /// Device clock when the photo was taken.
    pub taken_at: DateTime<Utc>,
    pub fix: Option<GeoFix>,
}

impl Store {
    /// Ingests the photo at `path` and records it for the capture's inspection, in that order: if the
    /// record is refused (e.g. the inspection was submitted meanwhile) the stored blob is an orphan,
    /// never a lost photo.
    pub fn capture_photo(
        &self,
        ingestor: &Ingestor,
        capture: Capture,
        path: &Path,
        watermark: Option<&Watermark>,
    ) -> Result<EvidenceRecord, CaptureError> {
        let session = self.session()?.ok_or(StoreError::NotSignedIn)?;
        let meta = CaptureMeta {
            evidence: EvidenceId::new(),
            case: Case::Inspection(capture.inspection),
            subject: capture.subject,
            taken_at: capture.taken_at,
            fix: capture.fix,
            device: session.device,
            officer: session.user.id,
            clock_skew_ms: self.clock_skew()?.map(|s| s.server_minus_device.num_milliseconds()),
        };
        let record = ingestor.ingest_file(path, meta, watermark)?;
        self.record_evidence(&record)?;
        Ok(record)
    }
}
