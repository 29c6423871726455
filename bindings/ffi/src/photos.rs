//! Taking a photo file in as evidence for an inspection item: long work (decode, orient, rendition,
//! thumbnail, SHA-256), so it is an async call that runs on the FFI crate's own threads.

use crate::changes::ChangeKind;
use crate::client::Shared;
use crate::custom_types::Timestamp;
use crate::error::{FieldcheckError, Result};
use crate::inspections::InspectionsClient;
use crate::runtime::runtime;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::InspectionId;
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::Subject;
use fieldcheck_core::store::{Capture, CaptureError, StoreError};
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

/// Takes the photo in through the core (ingest, then record with its capture facts).
fn attach(
    shared: &Shared,
    id: InspectionId,
    item: ItemRef,
    path: PathBuf,
    taken_at: Timestamp,
    fix: Option<GeoFix>,
) -> Result<PhotoView> {
    let capture = Capture { inspection: id, subject: Subject::Item { item }, taken_at, fix };
    let record = shared.store.capture_photo(&shared.ingestor, capture, &path, None).map_err(|e| match e {
        CaptureError::Evidence(e) => FieldcheckError::from(e),
        CaptureError::Store(StoreError::NotSignedIn) => {
            FieldcheckError::NotAllowed("no user is signed in on this device".into())
        }
        CaptureError::Store(e) => FieldcheckError::from(e),
    })?;
    Ok(PhotoView {
        evidence: record.meta.evidence.0,
        sha256: record.original.sha256.to_hex(),
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
