//! Fetching the photos another device cited on task steps (the enterprise's proof, for the officer): the
//! rendition from the platform, checked against the hash and length the step names, kept in the blob
//! folder, with a thumbnail made here. A photo the platform does not hold whole yet is left for a later sync.

use super::{Progress, SyncClient, SyncError};
use crate::domain::ids::TaskId;
use crate::evidence::{BlobStore, Digest, Limits, derive};
use crate::protocol::StepPhoto;
use crate::store::{FetchedPhoto, Store, StoreError};

impl SyncClient {
    /// Fetches the photos still missing (needs [`SyncClient::with_uploads`] for the blob folder); returns
    /// how many arrived. One photo's failure does not stop the others; the first error is returned after.
    pub async fn fetch_photos(&self, store: &Store, progress: &mut Progress) -> Result<usize, SyncError> {
        let Some(uploads) = &self.uploads else { return Ok(0) };
        let mut fetched = 0;
        let mut first_error = None;
        for (task, photo) in store.photos_to_fetch()? {
            match self.fetch_one(store, &uploads.blobs, task, photo, progress).await {
                Ok(true) => fetched += 1,
                Ok(false) => {}
                Err(e @ (SyncError::Unauthorized(_) | SyncError::UpgradeRequired(_))) => return Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(fetched), Err)
    }

    async fn fetch_one(
        &self,
        store: &Store,
        blobs: &BlobStore,
        task: TaskId,
        photo: StepPhoto,
        progress: &mut Progress,
    ) -> Result<bool, SyncError> {
        let blob = photo.rendition;
        let sha = blob.sha256.to_hex();
        let bytes = if blobs.contains(&blob.sha256, blob.len) {
            blobs.read_verified(&blob.sha256).map_err(|e| photo_error(&sha, e))?
        } else {
            let mut request = self.http.get(format!("{}/v1/blobs/{sha}/content", self.base));
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(|e| SyncError::Offline(e.to_string()))?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(|e| SyncError::Offline(e.to_string()))?;
            progress.bytes_received += bytes.len() as u64;
            match status.as_u16() {
                200 => {}
                // Not uploaded whole yet by the device that took it: try again at a later sync.
                404 => return Ok(false),
                401 => return Err(SyncError::Unauthorized(String::new())),
                500..=599 => return Err(SyncError::Offline(status.to_string())),
                code => return Err(SyncError::Refused { status: code, message: format!("photo {sha}") }),
            }
            if bytes.len() as u64 != blob.len || Digest::of(&bytes) != blob.sha256 {
                return Err(SyncError::Decode(format!("photo {sha} arrived with other bytes than the step names")));
            }
            blobs.put_with_digest(&blob.sha256, &bytes).map_err(|e| photo_error(&sha, e))?;
            bytes.to_vec()
        };
        let derived = derive(&bytes, &Limits::default(), None).map_err(|e| photo_error(&sha, e))?;
        let thumbnail = blobs.put(&derived.thumbnail).map_err(|e| photo_error(&sha, e))?;
        let fetched = FetchedPhoto { photo, thumbnail, width: derived.width, height: derived.height };
        store.record_fetched_photo(task, &fetched)?;
        Ok(true)
    }
}

fn photo_error(sha: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Store(StoreError::decode(format!("fetched photo {sha}"), e))
}
