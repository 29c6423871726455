//! Taking a photo file in as evidence for an inspection item: long work (decode, orient, rendition,
//! thumbnail, SHA-256), so it is an async call that runs on the FFI crate's own threads.

use crate::changes::ChangeKind;
use crate::client::Shared;
use crate::custom_types::Timestamp;
use crate::error::{FieldcheckError, Result};
use crate::inspections::InspectionsClient;
use crate::runtime::runtime;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::{EvidenceId, InspectionId};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::{CaptureMeta, Case, EvidenceRecord, Subject};
use fieldcheck_core::store::Photo;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

/// A photo attached to an item, with where its thumbnail is for display.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoView {
    pub evidence: Uuid,
    /// SHA-256 of the original bytes, lower-case hex: what the evidence chain commits to.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// A small JPEG for lists, inside the data folder.
    pub thumbnail_path: String,
}

/// Ingests the file and records the photo against the item, in that order: if the record is refused
/// (e.g. the inspection was submitted meanwhile) the stored blob is an orphan, never a lost photo.
fn attach(
    shared: &Shared,
    id: InspectionId,
    item: ItemRef,
    path: PathBuf,
    taken_at: Timestamp,
    fix: Option<GeoFix>,
) -> Result<PhotoView> {
    let store = &shared.store;
    let officer = store
        .session()?
        .ok_or_else(|| FieldcheckError::NotAllowed("no user is signed in on this device".into()))?
        .user
        .id;
    let meta = CaptureMeta {
        evidence: EvidenceId::new(),
        case: Case::Inspection(id),
        subject: Subject::Item { item: item.clone() },
        taken_at,
        fix,
        device: store.device_id()?,
        officer,
        clock_skew_ms: store.clock_skew()?.map(|s| s.server_minus_device.num_milliseconds()),
    };
    let record: EvidenceRecord = shared.ingestor.ingest_file(&path, meta, None)?;
    let sha256 = record.original.sha256.to_hex();
    store.attach_photo(
        id,
        &Photo { evidence: record.meta.evidence, item: Some(item), sha256: sha256.clone(), taken_at },
    )?;
    Ok(PhotoView {
        evidence: record.meta.evidence.0,
        sha256,
        width: record.width,
        height: record.height,
        thumbnail_path: shared.ingestor.blobs().path(&record.thumbnail.sha256).display().to_string(),
    })
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
        let shared: Arc<Shared> = self.shared().clone();
        let item = ItemRef { template: template_id, code: item_code };
        let work = move || attach(&shared, InspectionId(id), item, PathBuf::from(path), taken_at, location);
        // Decoding a 12 MP photo takes a while: keep it off the caller's thread and the async workers.
        let photo = runtime()?
            .spawn_blocking(work)
            .await
            .map_err(|e| FieldcheckError::Internal(format!("photo ingest stopped: {e}")))??;
        self.shared().changes.changed(ChangeKind::Inspection, Some(id));
        Ok(photo)
    }
}
