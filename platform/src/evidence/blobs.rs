//! `GET /v1/blobs/{sha256}?len=N` and `PUT /v1/blobs/{sha256}` (`Content-Range: bytes a-b/len`):
//! resumable, content-addressed upload. The server holds a contiguous prefix of each blob; a chunk is
//! appended only where that prefix ends (a re-sent chunk is answered with the status, never appended
//! twice). The body is read as it arrives: when the connection is cut mid-chunk, the bytes that did
//! arrive are kept (appended and fsynced), and the status reports that exact offset, so the device
//! continues from the byte where it was cut. When all bytes are in, length and SHA-256 are checked
//! before the blob is confirmed. A blob is accepted only when a record the caller may see cites it,
//! with that length.
//!
//! Binding: a blob is answered through a citation (a verified proof's note, see `receipt`) only when
//! that citation was sealed by the device that uploads the blob or is the blob's home case (the first
//! case that cited it); to its uploader, its own citations count too. An unfinished upload belongs to
//! the device and user whose chunk arrived first (`blob_owners`): another caller's `PUT` gets 409 and
//! appends nothing, except that a device whose own sealed record cites the blob takes over an upload
//! started by one whose record does not (what that caller sent is discarded).
//!
//! Several platform processes may serve one deployment: an upload's state is in the database and its
//! bytes in the blob store (`store`), each kept chunk one part keyed by its range. Appends to one blob are
//! serialised by a lease in the database (`blob_uploads`), held while a chunk streams in and renewed as
//! it arrives, so different blobs upload in parallel and two requests for the same blob never interleave,
//! whichever process they reach. A process that dies mid-chunk leaves a lease that expires after
//! [`LEASE`]; its unrecorded part is ignored and deleted with the upload's parts.

use super::keys::state;
use super::store::{self, blob_key, part_key};
use crate::access::{Caller, Reach};
use crate::app::{App, MAX_BODY_BYTES};
use crate::db::{BlobOwnerRow, CitationRow, Db, StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::Utc;
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::organisation::Role;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_evidence::{Digest, OriginalSource};
use fieldcheck_protocol::{BlobStatus, Entity, SubmittedInspection};
use http_body_util::BodyExt;
use object_store::ObjectStore;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONFIRMED: &str = "blob_confirmed";

/// How long a chunk's body may stall before the connection counts as cut (what arrived is kept).
const STALL: Duration = Duration::from_secs(30);
/// How long an upload's lease lasts unless renewed; a process that died holding one blocks that blob no
/// longer than this.
pub const LEASE: Duration = Duration::from_secs(45);
/// How often a lease is renewed while a chunk streams in.
const RENEW: Duration = Duration::from_secs(10);
/// How long a request waits for another's lease on the same blob before it answers the status as it is.
const WAIT: Duration = Duration::from_secs(10);

fn blob_store() -> Result<Arc<dyn ObjectStore>, ApiError> {
    state()?.blobs.clone().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_blob_storage", "this platform keeps no photo blobs")
    })
}

fn storage_error(e: object_store::Error) -> ApiError {
    ApiError::from(StoreError::Io(std::io::Error::other(e.to_string())))
}

/// The right to append to one blob's upload, held in the database; released when dropped.
struct Lease {
    db: Db,
    sha: String,
    token: String,
}

impl Lease {
    /// Takes the lease on `sha`, waiting up to [`WAIT`] while another request holds it; `None` if it stays
    /// taken.
    async fn take(db: &Db, sha: &Digest) -> Result<Option<Lease>, ApiError> {
        let (sha, token) = (sha.to_hex(), uuid::Uuid::now_v7().to_string());
        let deadline = Instant::now() + WAIT;
        while !try_lease(db, &sha, &token).await? {
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Some(Lease { db: db.clone(), sha, token }))
    }

    /// Extends the lease by [`LEASE`]; `false` if it was lost to another request.
    async fn renew(&self) -> Result<bool, ApiError> {
        try_lease(&self.db, &self.sha, &self.token).await
    }
}

async fn try_lease(db: &Db, sha: &str, token: &str) -> Result<bool, ApiError> {
    let (sha, token) = (sha.to_string(), token.to_string());
    let now = Utc::now();
    db.write(move |tx| Ok(tx.lease_blob_upload(&sha, &token, now, now + LEASE)?)).await
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (db, sha, token) = (self.db.clone(), std::mem::take(&mut self.sha), std::mem::take(&mut self.token));
        crate::ops::spawn(async move {
            // If this fails the lease simply expires.
            let _ = db.write(move |tx| Ok(tx.release_blob_upload(&sha, &token)?)).await;
        });
    }
}

fn parse_sha(s: &str) -> Result<Digest, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request("a blob is named by 64 lower-case hex digits of its SHA-256"))
}

/// What a caller wants of a blob: its status or a chunk sent (`Upload`), or its bytes (`Read`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Upload,
    Read,
}

/// What the platform knows of a blob a caller may see: its length, and who uploads it.
struct Seen {
    len: u64,
    owner: Option<BlobOwnerRow>,
    /// Whether the caller's device sealed a record that cites the blob.
    caller_cites: bool,
    /// Whether the owner's device did.
    owner_cites: bool,
}

fn device_of(caller: &Caller) -> String {
    caller.device.map(|d| d.to_string()).unwrap_or_default()
}

/// The blob as `caller` may see it: through a citation of a record the caller may see, sealed by the
/// blob's uploader or of its home case (the first that cited it); for an upload, the caller's own
/// citations count too. Anything else is `404`, like a blob that does not exist.
fn visible(tx: &mut dyn Tx, caller: &Caller, sha: &Digest, purpose: Use) -> Result<Seen, ApiError> {
    let missing = || ApiError::not_found("no record you may see cites this blob");
    let hex = sha.to_hex();
    let citations = tx.blob_citations(&hex, false)?;
    let home = citations.first().ok_or_else(missing)?;
    let home = (home.case_kind.clone(), home.case_id.clone());
    let owner = tx.blob_owner(&hex)?;
    let me = device_of(caller);
    let cites = |device: &str| !device.is_empty() && citations.iter().any(|c| c.device == device);
    let caller_cites = cites(&me);
    let owner_cites = owner.as_ref().is_some_and(|o| cites(&o.device));
    let reach = Reach::of(tx, &caller.user)?;
    for c in &citations {
        let by_uploader = owner.as_ref().is_some_and(|o| o.device == c.device);
        let of_home = c.case_kind == home.0 && c.case_id == home.1;
        let own = purpose == Use::Upload && !me.is_empty() && c.device == me;
        if (by_uploader || of_home || own) && covers(tx, caller, &reach, c)? {
            return Ok(Seen { len: c.len, owner, caller_cites, owner_cites });
        }
    }
    Err(missing())
}

/// Whether `caller` may see the record of citation `c`: an inspection (never an enterprise's to see), or
/// a task or alarm in reach.
fn covers(tx: &mut dyn Tx, caller: &Caller, reach: &Reach, c: &CitationRow) -> Result<bool, ApiError> {
    Ok(match c.case_kind.as_str() {
        "inspection" if reach.role != Role::Enterprise => {
            match records::load::<SubmittedInspection>(tx, Entity::Inspection, &c.case_id)? {
                Some(sub) => {
                    sub.inspection.created_by == caller.user.id
                        || records::enterprise(tx, sub.inspection.enterprise)?
                            .is_some_and(|e| reach.covers_enterprise(&e))
                }
                None => false,
            }
        }
        "task" => {
            records::load::<RectificationTask>(tx, Entity::Task, &c.case_id)?.is_some_and(|t| reach.covers_task(&t))
        }
        "alarm" => match records::load::<Alarm>(tx, Entity::Alarm, &c.case_id)? {
            Some(alarm) => {
                let township = records::enterprise(tx, alarm.enterprise)?.map(|e| e.township);
                township.is_some_and(|t| reach.covers_alarm(&alarm, t))
            }
            None => false,
        },
        _ => false,
    })
}

/// Whether blob `sha` was received whole and checked.
pub fn is_confirmed(tx: &mut dyn Tx, sha: &Digest) -> Result<bool, StoreError> {
    Ok(tx.evidence_get(CONFIRMED, &sha.to_hex())?.is_some())
}

fn status(tx: &mut dyn Tx, sha: &Digest, len: u64) -> Result<BlobStatus, ApiError> {
    if is_confirmed(tx, sha)? {
        return Ok(BlobStatus { sha256: *sha, len, received: len, confirmed: true });
    }
    let received = tx.blob_upload(&sha.to_hex())?.map_or(0, |u| u.received).min(len);
    Ok(BlobStatus { sha256: *sha, len, received, confirmed: false })
}

/// The caller may see the blob (to upload it), with length `expected` if given: its status, and who
/// uploads it.
async fn checked_status(
    app: &App,
    caller: Caller,
    sha: Digest,
    expected: Option<u64>,
) -> Result<(BlobStatus, Seen), ApiError> {
    app.db
        .read(move |tx| {
            let seen = visible(tx, &caller, &sha, Use::Upload)?;
            if expected.is_some_and(|l| l != seen.len) {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "length",
                    "the record names another length",
                ));
            }
            Ok((status(tx, &sha, seen.len)?, seen))
        })
        .await
}

#[derive(serde::Deserialize)]
pub struct LenQuery {
    len: Option<u64>,
}

#[utoipa::path(
    get,
    path = "/v1/blobs/{sha256}",
    tag = "evidence",
    summary = "How much of a photo blob the platform holds (content-addressed, resumable upload)",
    description = "Answered only for a blob that a record the caller may see cites (an original in a verified evidence chain, or a listed rendition) through a citation sealed by the blob's uploader, of the blob's home case (the first that cited it), or, for the caller's own device, its own citation; else 404. `received` is the exact number of bytes held, contiguous from 0: the device continues from there. Waits for a chunk of the same blob still streaming in.",
    params(
        ("sha256" = String, Path, description = "the blob's SHA-256, 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$"),
        ("len" = Option<u64>, Query, description = "the length the device expects; 422 if the record names another"),
    ),
    responses(
        (status = 200, description = "what is held", body = BlobStatus),
    )
)]
/// How much of a blob the platform holds (after any chunk still streaming in for it). A blob whose
/// bytes are all in but that was not confirmed (its process died while joining them) is joined now.
pub async fn get(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
    Query(q): Query<LenQuery>,
) -> Result<Json<BlobStatus>, ApiError> {
    let sha = parse_sha(&sha)?;
    let store = blob_store()?;
    let (current, _) = checked_status(&app, caller.clone(), sha, q.len).await?;
    if current.confirmed {
        return Ok(Json(current));
    }
    let Some(lease) = Lease::take(&app.db, &sha).await? else { return Ok(Json(current)) };
    let (current, _) = checked_status(&app, caller, sha, q.len).await?;
    if !current.confirmed && current.received == current.len {
        return Ok(Json(finish(&app.db, store.as_ref(), &sha, current.len).await?));
    }
    drop(lease);
    Ok(Json(current))
}

#[utoipa::path(
    get,
    path = "/v1/blobs/{sha256}/content",
    tag = "evidence",
    summary = "The bytes of a confirmed photo blob a record the caller may see cites, through a citation sealed by the device that uploaded it or of the blob's home case (e.g. a task step's proof rendition, fetched by the officer's device to show it)",
    params(
        ("sha256" = String, Path, pattern = "^[0-9a-f]{64}$"),
    ),
    responses(
        (status = 200, description = "the blob's bytes", body = String, content_type = "application/octet-stream"),
    )
)]
/// The bytes of a confirmed blob a record the caller may see references (e.g. the officer's device
/// fetching an enterprise's proof rendition to show it).
pub async fn content(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<([(header::HeaderName, &'static str); 1], Bytes), ApiError> {
    let sha = parse_sha(&sha)?;
    let store = blob_store()?;
    let status = app
        .db
        .read(move |tx| {
            let seen = visible(tx, &caller, &sha, Use::Read)?;
            status(tx, &sha, seen.len)
        })
        .await?;
    if !status.confirmed {
        return Err(ApiError::not_found("the platform does not hold this blob whole yet"));
    }
    let bytes = store.get(&blob_key(&sha)).await.map_err(storage_error)?.bytes().await.map_err(storage_error)?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
}

fn content_range(headers: &HeaderMap) -> Result<(u64, u64, u64), ApiError> {
    let bad = || ApiError::bad_request("a chunk needs `Content-Range: bytes first-last/length`");
    let value = headers.get(header::CONTENT_RANGE).and_then(|v| v.to_str().ok()).ok_or_else(bad)?;
    let rest = value.strip_prefix("bytes ").ok_or_else(bad)?;
    let (range, total) = rest.split_once('/').ok_or_else(bad)?;
    let (first, last) = range.split_once('-').ok_or_else(bad)?;
    let parse = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
    let (first, last, total) = (parse(first)?, parse(last)?, parse(total)?);
    if last < first || last >= total {
        return Err(bad());
    }
    Ok((first, last, total))
}

/// Reads at most `declared` bytes of `body` as they arrive. If the connection is cut or stalls, or
/// the body ends early, the bytes that did arrive are returned: they are kept.
async fn receive(mut body: Body, declared: u64, lease: &Lease) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::with_capacity(declared as usize);
    let mut renewed = Instant::now();
    loop {
        if renewed.elapsed() >= RENEW {
            // A lease lost meanwhile is noticed when the part is recorded: then nothing is kept.
            lease.renew().await?;
            renewed = Instant::now();
        }
        let frame = match tokio::time::timeout(STALL, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) | Ok(Some(Err(_))) | Err(_) => return Ok(bytes),
        };
        let Ok(data) = frame.into_data() else { continue };
        if bytes.len() as u64 + data.len() as u64 > declared {
            return Err(ApiError::bad_request("the body is longer than its Content-Range says; nothing was kept"));
        }
        bytes.extend_from_slice(&data);
    }
}

#[utoipa::path(
    put,
    path = "/v1/blobs/{sha256}",
    tag = "evidence",
    summary = "Append one chunk of a photo blob",
    description = "Body: the raw bytes `first..=last` of the blob, with `Content-Range: bytes first-last/length` (at most 8 MiB). Appended only where the held bytes end; a chunk starting elsewhere (re-sent, or early) writes nothing and is answered with the status. Bytes that arrive before a connection is cut are kept (appended and fsynced), so `received` may end mid-chunk. Once all bytes are in, length and SHA-256 are checked and the blob is `confirmed`; a mismatch discards the bytes (422 `hash_mismatch`). Uploads of different blobs run in parallel; chunks of one blob are serialised. An unfinished upload belongs to the device and user whose chunk arrived first: another caller gets 409 `upload_in_progress` and appends nothing (a device whose own sealed record cites the blob takes over an upload started by one whose record does not, discarding what that one sent). Once confirmed, a blob is answered with its status to every caller who may see it (deduplicated).",
    params(
        ("sha256" = String, Path, description = "the blob's SHA-256, 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$"),
        ("Content-Range" = String, Header),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "what is held after this chunk", body = BlobStatus),
        (status = 409, description = "another device is uploading this blob (`upload_in_progress`); nothing was appended", body = crate::openapi::ErrorBody),
    )
)]
/// Appends one chunk where the held prefix ends, keeping the bytes that arrived even if the
/// connection is cut mid-chunk; confirms the blob once it is whole and checked.
pub async fn put(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BlobStatus>, ApiError> {
    // The chunk is taken in a task of its own, which runs to its end whatever becomes of the request: a
    // handler is dropped when its connection goes (or its timeout passes), and dropped between taking the
    // lease and recording the part it would lose the bytes that did arrive, which the device resumes from.
    crate::ops::spawn(put_chunk(app, caller, sha, headers, body)).await?
}

async fn put_chunk(
    app: App,
    caller: Caller,
    sha: String,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BlobStatus>, ApiError> {
    let sha = parse_sha(&sha)?;
    let (first, last, total) = content_range(&headers)?;
    let declared = last - first + 1;
    if declared > MAX_BODY_BYTES as u64 {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "chunk_too_large",
            format!("a chunk carries at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|l| l != declared) {
        return Err(ApiError::bad_request("the body is not as long as its Content-Range says"));
    }
    let store = blob_store()?;
    let (current, _) = checked_status(&app, caller.clone(), sha, Some(total)).await?;
    if current.confirmed {
        return Ok(Json(current));
    }
    let Some(lease) = Lease::take(&app.db, &sha).await? else { return Ok(Json(current)) };
    let (mut current, seen) = checked_status(&app, caller.clone(), sha, Some(total)).await?;
    if current.confirmed {
        return Ok(Json(current));
    }
    // The upload belongs to whoever sent its first chunk; nobody else appends to it.
    let me = (device_of(&caller), caller.user.id.to_string());
    let owner = BlobOwnerRow { sha256: sha.to_hex(), device: me.0.clone(), user: me.1.clone(), started_at: Utc::now() };
    let fresh = match &seen.owner {
        Some(o) if (o.device.as_str(), o.user.as_str()) == (me.0.as_str(), me.1.as_str()) => false,
        Some(_) if seen.caller_cites && !seen.owner_cites => {
            // The device that sealed a record citing the blob takes over from one that did not; what the
            // other sent is discarded.
            let (owner, token) = (owner.clone(), lease.token.clone());
            app.db
                .write(move |tx| {
                    tx.drop_blob_upload(&owner.sha256)?;
                    let now = Utc::now();
                    tx.lease_blob_upload(&owner.sha256, &token, now, now + LEASE)?;
                    Ok(tx.set_blob_owner(&owner)?)
                })
                .await?;
            store::delete_parts(store.as_ref(), &sha).await.map_err(storage_error)?;
            current.received = 0;
            false
        }
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "upload_in_progress",
                "another device is uploading this blob; only the device that started the upload may continue it",
            ));
        }
        None => true,
    };
    // All bytes are in but the blob was not confirmed (the process joining it died): join it now.
    if current.received == total {
        return Ok(Json(finish(&app.db, store.as_ref(), &sha, total).await?));
    }
    // Not where the held bytes end (a re-sent or early chunk): nothing is written; the device
    // continues from `received`.
    if first != current.received {
        return Ok(Json(current));
    }
    // The first chunk: its sender owns the upload.
    if fresh {
        app.db.write(move |tx| Ok(tx.set_blob_owner(&owner)?)).await?;
    }
    let bytes = receive(body, declared, &lease).await?;
    crate::ops::metrics::uploaded(bytes.len());
    if bytes.is_empty() {
        return Ok(Json(current));
    }
    let end = first + bytes.len() as u64;
    store.put(&part_key(&sha, first, end), bytes.into()).await.map_err(storage_error)?;
    let (hex, token) = (sha.to_hex(), lease.token.clone());
    let kept = app.db.write(move |tx| Ok(tx.add_blob_part(&hex, &token, first, end)?)).await?;
    if !kept {
        // The lease was lost (this request stalled past it): another request moved on; say where it stands.
        let hex = sha.to_hex();
        let received = app.db.read(move |tx| Ok(tx.blob_upload(&hex)?)).await?.map_or(0, |u| u.received);
        return Ok(Json(BlobStatus { sha256: sha, len: total, received, confirmed: false }));
    }
    if end < total {
        return Ok(Json(BlobStatus { sha256: sha, len: total, received: end, confirmed: false }));
    }
    Ok(Json(finish(&app.db, store.as_ref(), &sha, total).await?))
}

/// Joins a whole upload's parts into the blob and confirms it if its length and SHA-256 match; else
/// discards the upload (422 `hash_mismatch`). Called holding the blob's lease.
async fn finish(db: &Db, store: &dyn ObjectStore, sha: &Digest, total: u64) -> Result<BlobStatus, ApiError> {
    let hex = sha.to_hex();
    let parts = db.read(move |tx| Ok(tx.blob_parts(&hex)?)).await?;
    let whole = store::assemble(store, sha, total, &parts).await.map_err(storage_error)?;
    let (hex, sha_copy) = (sha.to_hex(), *sha);
    db.write(move |tx| {
        if whole {
            tx.evidence_put(CONFIRMED, &sha_copy.to_hex(), &total.to_string())?;
        }
        Ok(tx.drop_blob_upload(&hex)?)
    })
    .await?;
    store::delete_parts(store, sha).await.map_err(storage_error)?;
    if !whole {
        // Wrong bytes: start over rather than keep what can never be confirmed.
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            "the blob's bytes do not match its length and SHA-256; it was discarded, send it again",
        ));
    }
    Ok(BlobStatus { sha256: *sha, len: total, received: total, confirmed: true })
}

/// Uploads left unfinished by a platform from before schema 5 (one file per blob in the local folder's
/// `partial/`) become the first part of the same upload, so their devices resume where they were.
pub async fn adopt_partials(db: &Db, blobs: &std::path::Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(blobs.join("partial")) else { return Ok(()) };
    for entry in entries.flatten() {
        let Ok(sha) = entry.file_name().to_string_lossy().parse::<Digest>() else { continue };
        let len = entry.metadata().map_err(|e| e.to_string())?.len();
        if len > 0 {
            let part = blobs.join(part_key(&sha, 0, len).as_ref());
            std::fs::create_dir_all(part.parent().expect("a part has a folder")).map_err(|e| e.to_string())?;
            std::fs::rename(entry.path(), &part).map_err(|e| e.to_string())?;
            let (hex, token) = (sha.to_hex(), uuid::Uuid::now_v7().to_string());
            db.write(move |tx| {
                let now = Utc::now();
                if tx.lease_blob_upload(&hex, &token, now, now + LEASE)? {
                    tx.add_blob_part(&hex, &token, 0, len)?;
                    tx.release_blob_upload(&hex, &token)?;
                }
                Ok(())
            })
            .await
            .map_err(|e| e.message)?;
        } else {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let _ = std::fs::remove_dir(blobs.join("partial"));
    Ok(())
}

/// Originals fetched from the blob store, for bundles.
pub struct FetchedOriginals(pub HashMap<Digest, Vec<u8>>);

impl FetchedOriginals {
    /// Fetches each of `shas` that the store holds.
    pub async fn fetch(shas: impl IntoIterator<Item = Digest>) -> Result<Self, ApiError> {
        let store = blob_store()?;
        let mut out = HashMap::new();
        for sha in shas {
            match store.get(&blob_key(&sha)).await {
                Ok(got) => {
                    out.insert(sha, got.bytes().await.map_err(storage_error)?.to_vec());
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(storage_error(e)),
            }
        }
        Ok(FetchedOriginals(out))
    }
}

impl OriginalSource for FetchedOriginals {
    fn original(&self, sha256: &Digest) -> Option<Vec<u8>> {
        self.0.get(sha256).filter(|bytes| Digest::of(bytes) == *sha256).cloned()
    }
}
