//! Photo blob upload, after the records they belong to: renditions first, originals per the app's
//! policy (`upload::decide`), each in chunks resumed from the offset the platform reports, so a cut
//! connection or a killed app continues instead of starting over. A local copy is deleted only for a
//! blob the platform confirmed (`upload::may_free`), never an unconfirmed original.

use super::{Progress, SyncClient, SyncError};
use crate::evidence::upload::{
    BlobRole, Network, OriginalPolicy, PhotoUploadState, UploadDecision, chunk_plan, decide,
};
use crate::evidence::{BlobRef, BlobStore};
use crate::protocol::BlobStatus;
use crate::store::{PendingBlob, Store, StoreError};
use std::sync::{Arc, Mutex, PoisonError};

/// What the app decides about uploads; change it as the network changes with
/// [`SyncClient::set_upload_policy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadPolicy {
    pub originals: OriginalPolicy,
    pub network: Network,
    /// Bytes per request.
    pub chunk: u64,
    /// Delete local copies of blobs the platform confirmed (thumbnails always stay).
    pub free_confirmed: bool,
}

impl Default for UploadPolicy {
    fn default() -> Self {
        UploadPolicy {
            originals: OriginalPolicy::WifiOnly,
            network: Network::Metered,
            chunk: crate::evidence::upload::DEFAULT_CHUNK,
            free_confirmed: false,
        }
    }
}

/// Counts of one upload pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Blobs the platform confirmed in this pass (sent now or found there already).
    pub confirmed: usize,
    /// Blob bytes sent in this pass (a resumed blob counts only what was still missing).
    pub bytes: u64,
    /// Local copies deleted after confirmation.
    pub freed: usize,
    /// Blobs left for later (policy, network, record not yet accepted).
    pub waiting: usize,
}

/// Where a client uploads from, and under which policy.
#[derive(Clone)]
pub(super) struct Uploads {
    pub(super) blobs: BlobStore,
    policy: Arc<Mutex<UploadPolicy>>,
}

impl SyncClient {
    /// Uploads photo blobs from `blobs` after each sync, under `policy`.
    pub fn with_uploads(mut self, blobs: BlobStore, policy: UploadPolicy) -> Self {
        self.uploads = Some(Uploads { blobs, policy: Arc::new(Mutex::new(policy)) });
        self
    }

    /// Changes the upload policy (e.g. the phone joined Wi-Fi); applies to every clone of this client.
    pub fn set_upload_policy(&self, policy: UploadPolicy) {
        if let Some(u) = &self.uploads {
            *u.policy.lock().unwrap_or_else(PoisonError::into_inner) = policy;
        }
    }

    /// Uploads what the policy allows now. One blob's refusal does not stop the others; the first
    /// error is returned after the pass.
    pub async fn upload_blobs(&self, store: &Store, progress: &mut Progress) -> Result<UploadReport, SyncError> {
        self.upload_pass(store, progress, None).await
    }

    /// [`SyncClient::upload_blobs`], with `originals` in place of the app's original policy (a wipe).
    pub(super) async fn upload_pass(
        &self,
        store: &Store,
        progress: &mut Progress,
        originals: Option<OriginalPolicy>,
    ) -> Result<UploadReport, SyncError> {
        let Some(uploads) = &self.uploads else { return Ok(UploadReport::default()) };
        let mut policy = *uploads.policy.lock().unwrap_or_else(PoisonError::into_inner);
        policy.originals = originals.unwrap_or(policy.originals);
        let mut report = UploadReport::default();
        let mut first_error = None;
        // Renditions confirmed in this pass unlock their originals: two rounds.
        let postponed = store.originals_postponed()?;
        for _ in 0..2 {
            for pending in store.pending_blobs()? {
                let state = PhotoUploadState {
                    record_synced: pending.record_synced,
                    rendition_confirmed: pending.rendition_confirmed,
                    original_requested: pending.requested && !postponed,
                };
                if decide(pending.role, policy.originals, policy.network, state) != UploadDecision::Send {
                    continue;
                }
                match self.upload_one(store, &uploads.blobs, &pending, &policy, progress, &mut report).await {
                    Ok(()) => {}
                    Err(e @ (SyncError::Unauthorized(_) | SyncError::UpgradeRequired(_))) => return Err(e),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        report.waiting = store.pending_blobs()?.len();
        match first_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    async fn upload_one(
        &self,
        store: &Store,
        blobs: &BlobStore,
        pending: &PendingBlob,
        policy: &UploadPolicy,
        progress: &mut Progress,
        report: &mut UploadReport,
    ) -> Result<(), SyncError> {
        let blob = pending.blob;
        let sha = blob.sha256.to_hex();
        let len = blob.len;
        let ask =
            |http: &reqwest::Client, base: &str| http.get(format!("{base}/v1/blobs/{sha}")).query(&[("len", len)]);
        let mut status: BlobStatus = self.send(progress, ask, 0).await?;
        // Each round sends one chunk from where the platform stands; a chunk it already holds (its
        // answer was lost) is answered with its status and not appended twice. A chunk cut in transit
        // is not re-sent whole: the platform kept the bytes that arrived, so the device asks where it
        // stands and continues from that exact byte.
        let attempts = self.options.backoff.attempts;
        let most_rounds = len / policy.chunk.max(1) + 8 + u64::from(attempts);
        let mut failures = 0;
        for _ in 0..most_rounds {
            if status.confirmed {
                break;
            }
            let plan = chunk_plan(&blob, &status, policy.chunk).map_err(|e| SyncError::Decode(e.to_string()))?;
            let Some(chunk) = plan.first().copied() else {
                return Err(SyncError::Decode(format!("the platform holds all of blob {sha} but did not confirm it")));
            };
            let bytes = read_range(blobs, &blob, chunk.offset, chunk.len)?;
            let range = format!("bytes {}-{}/{}", chunk.offset, chunk.offset + chunk.len - 1, len);
            let put = self
                .http
                .put(format!("{}/v1/blobs/{sha}", self.base))
                .header(reqwest::header::CONTENT_RANGE, range)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes);
            match self.send_once(progress, put, chunk.len).await {
                Ok(answer) => {
                    status = answer;
                    report.bytes += chunk.len;
                }
                Err(e) if e.is_transient() && failures + 1 < attempts => {
                    tokio::time::sleep(self.options.backoff.delay(failures)).await;
                    failures += 1;
                    progress.retries += 1;
                    status = self.send(progress, ask, 0).await?;
                }
                Err(e) => return Err(e),
            }
        }
        if !status.confirmed {
            return Err(SyncError::Decode(format!("blob {sha} was not confirmed after every chunk was sent")));
        }
        store.confirm_blob(&sha)?;
        report.confirmed += 1;
        if policy.free_confirmed && pending.role != BlobRole::Thumbnail {
            let freed = blobs.free(&blob, pending.role, Some(&status)).map_err(|e| blob_error(&sha, e))?;
            if freed {
                store.mark_blob_freed(&sha)?;
                report.freed += 1;
            }
        }
        Ok(())
    }
}

fn blob_error(sha: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Store(StoreError::decode(format!("photo blob {sha}"), e))
}

/// Reads one chunk of a local blob (opening it when the folder is sealed).
fn read_range(blobs: &BlobStore, blob: &BlobRef, offset: u64, len: u64) -> Result<Vec<u8>, SyncError> {
    let sha = blob.sha256.to_hex();
    let bytes = blobs.read_range(&blob.sha256, offset, len).map_err(|e| blob_error(&sha, e))?;
    if bytes.len() as u64 != len {
        return Err(blob_error(&sha, format!("{} bytes at {offset} where {len} were expected", bytes.len())));
    }
    Ok(bytes)
}
