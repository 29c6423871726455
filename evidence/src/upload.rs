//! Device-side rules of blob upload: what to send when, from where to resume, and what may be freed.
//!
//! Pure decisions; the sync client performs them. Blobs go after the record they belong to, the
//! rendition before the original, and a blob is sent in chunks from the offset the server reports
//! (`BlobStatus`), so a cut connection or a killed app resumes instead of starting over.

use super::metadata::BlobRef;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Default chunk size: small enough to finish on a weak mobile link, large enough to be efficient.
pub const DEFAULT_CHUNK: u64 = 512 * 1024;

/// When originals are uploaded (the app sets it; renditions always go as soon as possible).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OriginalPolicy {
    /// Right after the rendition.
    Immediately,
    /// Only on an unmetered network.
    WifiOnly,
    /// Only when the platform asks for it (e.g. for an appeal).
    OnRequest,
}

/// The device's current connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Network {
    Offline,
    /// Mobile data or a metered hotspot.
    Metered,
    /// Wi-Fi or another unmetered link.
    Unmetered,
}

/// Which of a photo's files a blob is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BlobRole {
    Original,
    Rendition,
    /// Kept on the device for lists (never freed); an inspection's go up like its renditions, because
    /// the printed record's photo index is made from them on the phone and on the platform alike.
    Thumbnail,
}

/// Facts about one photo the decision needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PhotoUploadState {
    /// The record the photo belongs to (inspection, task step, alarm feedback) was accepted by the server.
    pub record_synced: bool,
    /// The server confirmed the rendition.
    pub rendition_confirmed: bool,
    /// The platform asked for the original and the person has not postponed it.
    pub original_requested: bool,
}

/// What to do with a blob now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum UploadDecision {
    Send,
    Wait(WaitReason),
}

/// Why a blob waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    Offline,
    /// Blobs follow their record so the server can check who may attach them.
    RecordNotSynced,
    /// The rendition goes first so the platform has something to show soon.
    RenditionFirst,
    WaitingForUnmetered,
    NotRequested,
}

/// Decides whether to send a blob now.
pub fn decide(role: BlobRole, policy: OriginalPolicy, network: Network, state: PhotoUploadState) -> UploadDecision {
    use UploadDecision::{Send, Wait};
    if network == Network::Offline {
        return Wait(WaitReason::Offline);
    }
    if !state.record_synced {
        return Wait(WaitReason::RecordNotSynced);
    }
    if role != BlobRole::Original {
        return Send;
    }
    if !state.rendition_confirmed {
        return Wait(WaitReason::RenditionFirst);
    }
    // The command centre's request goes on the next sync whatever the policy (the person sees it and
    // may postpone it: then `original_requested` is false and the policy decides).
    if state.original_requested {
        return Send;
    }
    match policy {
        OriginalPolicy::Immediately => Send,
        OriginalPolicy::WifiOnly if network == Network::Unmetered => Send,
        OriginalPolicy::WifiOnly => Wait(WaitReason::WaitingForUnmetered),
        OriginalPolicy::OnRequest => Wait(WaitReason::NotRequested),
    }
}

/// One byte range to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub offset: u64,
    pub len: u64,
}

/// Upload planning failures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UploadError {
    #[error("the server says it holds {offset} bytes of a {len}-byte blob")]
    ServerAhead { offset: u64, len: u64 },
    #[error("the server's status is for blob {got}, not {expected}")]
    WrongBlob { expected: String, got: String },
    #[error("chunk size must be positive")]
    ZeroChunk,
}

/// The chunks still to send for `blob`, given how many bytes the server reports it holds.
/// Empty when the server has everything (it then checks length and hash and confirms).
pub fn chunk_plan(blob: &BlobRef, server: &BlobStatus, chunk_size: u64) -> Result<Vec<Chunk>, UploadError> {
    if chunk_size == 0 {
        return Err(UploadError::ZeroChunk);
    }
    if server.sha256 != blob.sha256 || server.len != blob.len {
        return Err(UploadError::WrongBlob {
            expected: format!("{} ({} bytes)", blob.sha256, blob.len),
            got: format!("{} ({} bytes)", server.sha256, server.len),
        });
    }
    if server.received > blob.len {
        return Err(UploadError::ServerAhead { offset: server.received, len: blob.len });
    }
    if server.confirmed {
        return Ok(Vec::new());
    }
    let mut chunks = Vec::new();
    let mut offset = server.received;
    while offset < blob.len {
        let len = chunk_size.min(blob.len - offset);
        chunks.push(Chunk { offset, len });
        offset += len;
    }
    Ok(chunks)
}

/// Whether the device may delete its copy of `blob`: only once the server has confirmed exactly this
/// blob (same hash and length, fully received and checked). An unconfirmed original is never freed;
/// thumbnails are never freed (lists and the printed record's photo index show them).
pub fn may_free(blob: &BlobRef, role: BlobRole, server: Option<&BlobStatus>) -> bool {
    if role == BlobRole::Thumbnail {
        return false;
    }
    match server {
        Some(s) => s.confirmed && s.sha256 == blob.sha256 && s.len == blob.len && s.received == blob.len,
        None => false,
    }
}

/// What the server holds of one blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlobStatus {
    pub sha256: crate::Digest,
    /// Length the blob will have.
    pub len: u64,
    /// Bytes received so far, contiguous from 0: the device continues from here.
    pub received: u64,
    /// All bytes received, and their length and SHA-256 checked.
    pub confirmed: bool,
}
