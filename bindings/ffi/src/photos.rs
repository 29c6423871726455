//! Taking a photo file in as evidence: for an inspection item, a rectification task's proof or an
//! alarm's on-site feedback. Long work (decode, orient, rendition, thumbnail, SHA-256), so these are
//! async calls that run on the FFI crate's own threads.

use crate::alarms::AlarmsClient;
use crate::changes::ChangeKind;
use crate::client::Shared;
use crate::custom_types::Timestamp;
use crate::error::{FieldcheckError, Result};
use crate::inspections::InspectionsClient;
use crate::runtime::runtime;
use crate::tasks::TasksClient;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::{AlarmId, FindingId, InspectionId, TaskId};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::{Case, EvidenceRecord, PhotoSource, Subject};
use fieldcheck_core::store::{Capture, CaptureError, StoreError};
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

/// A photo taken in as evidence, with where its thumbnail is for display.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoView {
    pub evidence: Uuid,
    /// SHA-256 of the original bytes, lower-case hex: what the evidence chain commits to.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// A small JPEG for lists, inside the data folder.
    pub thumbnail_path: String,
    /// Device time the photo was taken.
    pub taken_at: Timestamp,
    /// Characters the watermark could not draw for want of a font with their glyphs (drawn as '?'):
    /// set a font with `setWatermarkFont`. Empty when all was drawn, or for no watermark.
    pub watermark_missing_glyphs: String,
    /// A task or alarm photo that a transition already cites, or an inspection photo whose inspection
    /// is submitted (its photos go with the submission); false for a photo not yet sent.
    pub sent: bool,
    /// Picked from the phone's library, not taken with the app's camera: show it as imported.
    pub imported: bool,
}

/// The view of an ingested photo.
pub(crate) fn photo_view(shared: &Shared, record: &EvidenceRecord, sent: bool) -> PhotoView {
    PhotoView {
        evidence: record.meta.evidence.0,
        sha256: record.original.sha256.to_hex(),
        width: record.width,
        height: record.height,
        thumbnail_path: shared.ingestor.blobs().path(&record.thumbnail.sha256).display().to_string(),
        taken_at: record.meta.taken_at,
        watermark_missing_glyphs: record.watermark_gaps.missing_glyphs.iter().collect(),
        sent,
        imported: record.meta.provenance.source == PhotoSource::Imported,
    }
}

/// Takes the photo in through the core (ingest, then record with its capture facts) on the runtime's
/// blocking threads: decoding a 12 MP photo takes a while, so it stays off the caller's thread and the
/// async workers.
async fn attach(shared: Arc<Shared>, capture: Capture, path: String) -> Result<PhotoView> {
    let work = move || {
        let record =
            shared.store.capture_photo(&shared.ingestor, capture, &PathBuf::from(path)).map_err(|e| match e {
                CaptureError::Evidence(e) => FieldcheckError::from(e),
                CaptureError::Store(StoreError::NotSignedIn) => {
                    FieldcheckError::NotAllowed("no user is signed in on this device".into())
                }
                CaptureError::Store(e) => FieldcheckError::from(e),
            })?;
        Ok(photo_view(&shared, &record, false))
    };
    runtime()?
        .spawn_blocking(work)
        .await
        .map_err(|e| FieldcheckError::Internal(format!("photo ingest stopped: {e}")))?
}

#[uniffi::export(async_runtime = "tokio")]
impl InspectionsClient {
    /// Takes the photo file at `path` (JPEG, PNG or WebP, as the camera wrote it) in as evidence for an
    /// item: checked, hashed, stored unaltered with a rendition and a thumbnail, and attached.
    pub async fn attach_photo(
        &self,
        id: Uuid,
        template_id: String,
        item_code: String,
        path: String,
        taken_at: Timestamp,
        location: Option<GeoFix>,
    ) -> Result<PhotoView> {
        let item = ItemRef { template: template_id, code: item_code };
        let case = Case::Inspection(InspectionId(id));
        let capture = Capture { case, subject: Subject::Item { item }, taken_at, fix: location };
        let photo = attach(self.shared().clone(), capture, path).await?;
        self.shared().changes.changed(ChangeKind::Inspection, Some(id));
        Ok(photo)
    }

    /// Takes a photo in as evidence for a finding of the inspection (shown on the finding, in
    /// `InspectionScreen.findings`).
    pub async fn attach_finding_photo(
        &self,
        id: Uuid,
        finding: Uuid,
        path: String,
        taken_at: Timestamp,
        location: Option<GeoFix>,
    ) -> Result<PhotoView> {
        let case = Case::Inspection(InspectionId(id));
        let subject = Subject::Finding { finding: FindingId(finding) };
        let capture = Capture { case, subject, taken_at, fix: location };
        let photo = attach(self.shared().clone(), capture, path).await?;
        self.shared().changes.changed(ChangeKind::Inspection, Some(id));
        Ok(photo)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl TasksClient {
    /// Takes a photo in as proof for a task (the enterprise's "fixed" photo, an officer's re-inspection).
    /// Cite its `evidence` id in the next `transition` (e.g. `SubmitProof`) to send it, sealed.
    pub async fn attach_proof_photo(
        &self,
        task: Uuid,
        path: String,
        taken_at: Timestamp,
        location: Option<GeoFix>,
    ) -> Result<PhotoView> {
        let capture = Capture { case: Case::Task(TaskId(task)), subject: Subject::Overall, taken_at, fix: location };
        let photo = attach(self.shared().clone(), capture, path).await?;
        self.shared().changes.changed(ChangeKind::Task, Some(task));
        Ok(photo)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl AlarmsClient {
    /// Takes an on-site photo in for an alarm; cite its `evidence` id when closing the alarm.
    pub async fn attach_photo(
        &self,
        alarm: Uuid,
        path: String,
        taken_at: Timestamp,
        location: Option<GeoFix>,
    ) -> Result<PhotoView> {
        let capture = Capture { case: Case::Alarm(AlarmId(alarm)), subject: Subject::Overall, taken_at, fix: location };
        let photo = attach(self.shared().clone(), capture, path).await?;
        self.shared().changes.changed(ChangeKind::Alarm, Some(alarm));
        Ok(photo)
    }
}
