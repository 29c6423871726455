//! Device-side upload rules: resuming from the server's offset, the original-upload policy, and when a
//! blob may be freed.

use fieldcheck_core::evidence::upload::{
    BlobRole, Chunk, Network, OriginalPolicy, PhotoUploadState, UploadDecision, UploadError, WaitReason, chunk_plan,
    decide, may_free,
};
use fieldcheck_core::evidence::{BlobRef, Digest, MediaType};
use fieldcheck_core::protocol::BlobStatus;

fn blob(len: u64) -> BlobRef {
    BlobRef { sha256: Digest::of(&len.to_be_bytes()), len, media_type: MediaType::Jpeg }
}

fn status(blob: &BlobRef, received: u64, confirmed: bool) -> BlobStatus {
    BlobStatus { sha256: blob.sha256, len: blob.len, received, confirmed }
}

#[test]
fn a_cut_upload_resumes_from_the_servers_offset() {
    let b = blob(1_000);
    let fresh = chunk_plan(&b, &status(&b, 0, false), 400).expect("plan");
    assert_eq!(
        fresh,
        vec![Chunk { offset: 0, len: 400 }, Chunk { offset: 400, len: 400 }, Chunk { offset: 800, len: 200 }]
    );
    // The connection was cut mid-chunk: the server kept 650 contiguous bytes.
    let resumed = chunk_plan(&b, &status(&b, 650, false), 400).expect("plan");
    assert_eq!(resumed, vec![Chunk { offset: 650, len: 350 }]);
    // Everything arrived but is not yet confirmed: nothing to send, wait for the check.
    assert!(chunk_plan(&b, &status(&b, 1_000, false), 400).expect("plan").is_empty());
    // Already held (deduplicated): nothing is sent twice.
    assert!(chunk_plan(&b, &status(&b, 1_000, true), 400).expect("plan").is_empty());
}

#[test]
fn inconsistent_server_answers_are_errors() {
    let b = blob(1_000);
    assert!(matches!(chunk_plan(&b, &status(&b, 1_001, false), 400), Err(UploadError::ServerAhead { .. })));
    let other = blob(999);
    assert!(matches!(chunk_plan(&b, &status(&other, 0, false), 400), Err(UploadError::WrongBlob { .. })));
    assert_eq!(chunk_plan(&b, &status(&b, 0, false), 0), Err(UploadError::ZeroChunk));
}

#[test]
fn renditions_and_thumbnails_go_first_and_originals_follow_the_policy() {
    let synced = PhotoUploadState { record_synced: true, ..Default::default() };
    let after_rendition = PhotoUploadState { rendition_confirmed: true, ..synced };
    let requested = PhotoUploadState { original_requested: true, ..after_rendition };
    use BlobRole::*;
    use Network::*;
    use OriginalPolicy::*;
    use UploadDecision::{Send, Wait};
    let cases = [
        (Rendition, Immediately, Metered, PhotoUploadState::default(), Wait(WaitReason::RecordNotSynced)),
        (Rendition, OnRequest, Offline, synced, Wait(WaitReason::Offline)),
        (Rendition, OnRequest, Metered, synced, Send),
        (Original, Immediately, Unmetered, synced, Wait(WaitReason::RenditionFirst)),
        (Original, Immediately, Metered, after_rendition, Send),
        (Original, WifiOnly, Metered, after_rendition, Wait(WaitReason::WaitingForUnmetered)),
        (Original, WifiOnly, Unmetered, after_rendition, Send),
        (Original, OnRequest, Unmetered, after_rendition, Wait(WaitReason::NotRequested)),
        (Original, OnRequest, Metered, requested, Send),
        // A request from the command centre overrides "Wi-Fi only" on a metered network.
        (Original, WifiOnly, Metered, requested, Send),
        (Original, WifiOnly, Offline, requested, Wait(WaitReason::Offline)),
        (
            Original,
            OnRequest,
            Metered,
            PhotoUploadState { rendition_confirmed: false, ..requested },
            Wait(WaitReason::RenditionFirst),
        ),
        // An inspection's thumbnail goes up with its rendition (the printed record's photo index).
        (Thumbnail, OnRequest, Metered, synced, Send),
        (Thumbnail, Immediately, Unmetered, PhotoUploadState::default(), Wait(WaitReason::RecordNotSynced)),
    ];
    for (role, policy, network, state, expected) in cases {
        assert_eq!(decide(role, policy, network, state), expected, "{role:?} {policy:?} {network:?} {state:?}");
    }
}

#[test]
fn only_confirmed_blobs_may_be_freed() {
    let b = blob(5_000);
    assert!(!may_free(&b, BlobRole::Original, None), "never heard of by the server");
    assert!(!may_free(&b, BlobRole::Original, Some(&status(&b, 5_000, false))), "received but unchecked");
    assert!(!may_free(&b, BlobRole::Original, Some(&status(&b, 4_000, false))), "partial");
    let other = blob(5_001);
    assert!(!may_free(&b, BlobRole::Original, Some(&status(&other, 5_001, true))), "another blob's confirmation");
    assert!(may_free(&b, BlobRole::Original, Some(&status(&b, 5_000, true))));
    assert!(may_free(&b, BlobRole::Rendition, Some(&status(&b, 5_000, true))));
    assert!(!may_free(&b, BlobRole::Thumbnail, Some(&status(&b, 5_000, true))), "thumbnails stay");
}

#[test]
fn the_blob_folder_frees_only_confirmed_blobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = fieldcheck_core::evidence::BlobStore::open(dir.path()).expect("blobs");
    let bytes = b"an original photo".to_vec();
    let sha256 = blobs.put(&bytes).expect("put");
    let b = BlobRef { sha256, len: bytes.len() as u64, media_type: MediaType::Jpeg };
    assert!(!blobs.free(&b, BlobRole::Original, None).expect("free"));
    assert!(!blobs.free(&b, BlobRole::Original, Some(&status(&b, b.len, false))).expect("free"));
    assert!(blobs.contains(&sha256, b.len), "an unconfirmed original stays");
    assert!(blobs.free(&b, BlobRole::Original, Some(&status(&b, b.len, true))).expect("free"));
    assert!(!blobs.contains(&sha256, b.len));
}
