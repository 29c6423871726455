//! `GET /v1/blobs/{sha256}?len=N` and `PUT /v1/blobs/{sha256}` (`Content-Range: bytes a-b/len`):
//! resumable, content-addressed upload. The server holds a contiguous prefix of each blob; a chunk is
//! appended only where that prefix ends (a re-sent chunk is answered with the status, never appended
//! twice). The body is read as it arrives: when the connection is cut mid-chunk, the bytes that did
//! arrive are kept (appended and fsynced), and the status reports that exact offset, so the device
//! continues from the byte where it was cut. When all bytes are in, length and SHA-256 are checked
//! before the blob is confirmed. A blob is accepted only when a record the caller may see references
//! it, with that length.
//!
//! Appends to one blob are serialised by a lock per blob (held while its chunk streams in), so
//! different blobs upload in parallel and two devices sending the same blob never interleave. The
//! locks are in-process: one platform process serves one data folder.

use super::keys::state;
use super::receipt::blob_refs;
use crate::access::{Caller, Reach};
use crate::app::{App, MAX_BODY_BYTES};
use crate::db::{StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::organisation::Role;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_evidence::{Digest, OriginalSource};
use fieldcheck_protocol::{BlobStatus, Entity, SubmittedInspection};
use http_body_util::BodyExt;
use sha2::Digest as _;
use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};
use std::time::Duration;

const CONFIRMED: &str = "blob_confirmed";

/// How long a chunk's body may stall before the connection counts as cut (what arrived is kept).
const STALL: Duration = Duration::from_secs(30);

/// One lock per blob being uploaded; entries whose lock nobody holds are dropped as the map grows.
static LOCKS: LazyLock<Mutex<HashMap<Digest, Weak<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);

/// The lock that serialises appends to (and status reads of) blob `sha`.
fn blob_lock(sha: &Digest) -> Arc<tokio::sync::Mutex<()>> {
    let mut locks = LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lock) = locks.get(sha).and_then(Weak::upgrade) {
        return lock;
    }
    if locks.len() >= 64 {
        locks.retain(|_, weak| weak.strong_count() > 0);
    }
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    locks.insert(*sha, Arc::downgrade(&lock));
    lock
}

fn root() -> Result<PathBuf, ApiError> {
    let dir = state()?.dir.clone().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_blob_storage", "this platform keeps no photo blobs")
    })?;
    Ok(dir.join("blobs"))
}

/// Where a confirmed blob lives.
pub fn final_path(root: &std::path::Path, sha: &Digest) -> PathBuf {
    let hex = sha.to_hex();
    root.join("sha256").join(&hex[..2]).join(hex)
}

fn partial_path(root: &std::path::Path, sha: &Digest) -> PathBuf {
    root.join("partial").join(sha.to_hex())
}

fn parse_sha(s: &str) -> Result<Digest, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request("a blob is named by 64 lower-case hex digits of its SHA-256"))
}

/// The length the blob must have, if a record `caller` may see references it: an inspection (never an
/// enterprise's to see), or a task or alarm whose photos cite it.
fn visible_len(tx: &mut dyn Tx, caller: &Caller, sha: &Digest) -> Result<u64, ApiError> {
    let missing = || ApiError::not_found("no record you may see references this blob");
    let refs = blob_refs(tx, &sha.to_hex())?.ok_or_else(missing)?;
    let reach = Reach::of(tx, &caller.user)?;
    if reach.role != Role::Enterprise {
        for id in &refs.inspections {
            let Some(sub) = records::load::<SubmittedInspection>(tx, Entity::Inspection, id)? else { continue };
            let own = sub.inspection.created_by == caller.user.id;
            if own || records::enterprise(tx, sub.inspection.enterprise)?.is_some_and(|e| reach.covers_enterprise(&e)) {
                return Ok(refs.len);
            }
        }
    }
    for id in &refs.tasks {
        let task: Option<RectificationTask> = records::load(tx, Entity::Task, id)?;
        if task.is_some_and(|t| reach.covers_task(&t)) {
            return Ok(refs.len);
        }
    }
    for id in &refs.alarms {
        let Some(alarm) = records::load::<Alarm>(tx, Entity::Alarm, id)? else { continue };
        let township = records::enterprise(tx, alarm.enterprise)?.map(|e| e.township);
        if township.is_some_and(|t| reach.covers_alarm(&alarm, t)) {
            return Ok(refs.len);
        }
    }
    Err(missing())
}

/// Whether blob `sha` was received whole and checked.
pub fn is_confirmed(tx: &mut dyn Tx, sha: &Digest) -> Result<bool, StoreError> {
    Ok(tx.evidence_get(CONFIRMED, &sha.to_hex())?.is_some())
}

fn status(tx: &mut dyn Tx, root: &std::path::Path, sha: &Digest, len: u64) -> Result<BlobStatus, ApiError> {
    if is_confirmed(tx, sha)? && final_path(root, sha).exists() {
        return Ok(BlobStatus { sha256: *sha, len, received: len, confirmed: true });
    }
    let received = fs::metadata(partial_path(root, sha)).map(|m| m.len()).unwrap_or(0).min(len);
    Ok(BlobStatus { sha256: *sha, len, received, confirmed: false })
}

/// The caller may see the blob, with length `expected` if given: its status.
async fn checked_status(
    app: &App,
    caller: Caller,
    root: PathBuf,
    sha: Digest,
    expected: Option<u64>,
) -> Result<BlobStatus, ApiError> {
    app.db
        .read(move |tx| {
            let len = visible_len(tx, &caller, &sha)?;
            if expected.is_some_and(|l| l != len) {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "length",
                    "the record names another length",
                ));
            }
            status(tx, &root, &sha, len)
        })
        .await
}

#[derive(serde::Deserialize)]
pub struct LenQuery {
    len: Option<u64>,
}

/// How much of a blob the platform holds (after any chunk still streaming in for it).
pub async fn get(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
    Query(q): Query<LenQuery>,
) -> Result<Json<BlobStatus>, ApiError> {
    let sha = parse_sha(&sha)?;
    let root = root()?;
    let lock = blob_lock(&sha);
    let _guard = lock.lock().await;
    Ok(Json(checked_status(&app, caller, root, sha, q.len).await?))
}

/// The bytes of a confirmed blob a record the caller may see references (e.g. the officer's device
/// fetching an enterprise's proof rendition to show it).
pub async fn content(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
) -> Result<([(header::HeaderName, &'static str); 1], Bytes), ApiError> {
    let sha = parse_sha(&sha)?;
    let root = root()?;
    let db_root = root.clone();
    let status = app
        .db
        .read(move |tx| {
            let len = visible_len(tx, &caller, &sha)?;
            status(tx, &db_root, &sha, len)
        })
        .await?;
    if !status.confirmed {
        return Err(ApiError::not_found("the platform does not hold this blob whole yet"));
    }
    let path = final_path(&root, &sha);
    let bytes = tokio::task::spawn_blocking(move || fs::read(path))
        .await
        .map_err(|e| ApiError::from(StoreError::Join(e.to_string())))?
        .map_err(StoreError::from)?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], Bytes::from(bytes)))
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
async fn receive(mut body: Body, declared: u64) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::with_capacity(declared as usize);
    loop {
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

/// Appends one chunk where the held prefix ends, keeping the bytes that arrived even if the
/// connection is cut mid-chunk; confirms the blob once it is whole and checked.
pub async fn put(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
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
    let root = root()?;
    let lock = blob_lock(&sha);
    let _guard = lock.lock().await;
    let current = checked_status(&app, caller, root.clone(), sha, Some(total)).await?;
    // Not where the held bytes end (a re-sent or early chunk): nothing is written; the device
    // continues from `received`.
    if current.confirmed || first != current.received {
        return Ok(Json(current));
    }
    let bytes = receive(body, declared).await?;
    if bytes.is_empty() {
        return Ok(Json(current));
    }
    let file_root = root.clone();
    let held = tokio::task::spawn_blocking(move || append_and_check(&file_root, &sha, &bytes, total))
        .await
        .map_err(|e| ApiError::from(StoreError::Join(e.to_string())))??;
    if held < total {
        return Ok(Json(BlobStatus { sha256: sha, len: total, received: held, confirmed: false }));
    }
    app.db.write(move |tx| Ok(tx.evidence_put(CONFIRMED, &sha.to_hex(), &total.to_string())?)).await?;
    Ok(Json(BlobStatus { sha256: sha, len: total, received: total, confirmed: true }))
}

/// Appends `chunk` and fsyncs it; when the blob is whole, checks its hash and moves it into place.
/// Returns how many bytes are held (`total` once the blob is complete and checked).
fn append_and_check(root: &std::path::Path, sha: &Digest, chunk: &[u8], total: u64) -> Result<u64, ApiError> {
    let partial = partial_path(root, sha);
    if let Some(dir) = partial.parent() {
        fs::create_dir_all(dir).map_err(StoreError::from)?;
    }
    let mut file = fs::OpenOptions::new().create(true).append(true).open(&partial).map_err(StoreError::from)?;
    file.write_all(chunk).and_then(|_| file.sync_all()).map_err(StoreError::from)?;
    let held = file.metadata().map_err(StoreError::from)?.len();
    if held < total {
        return Ok(held);
    }
    if held != total || hash_file(&partial)? != *sha {
        // Wrong bytes: start over rather than keep what can never be confirmed.
        let _ = fs::remove_file(&partial);
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            "the blob's bytes do not match its length and SHA-256; it was discarded, send it again",
        ));
    }
    let target = final_path(root, sha);
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir).map_err(StoreError::from)?;
    }
    fs::rename(&partial, &target).map_err(StoreError::from)?;
    Ok(total)
}

fn hash_file(path: &std::path::Path) -> Result<Digest, ApiError> {
    let mut file = fs::File::open(path).map_err(StoreError::from)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(StoreError::from)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(Digest(hasher.finalize().into()))
}

/// Confirmed originals in the platform's blob folder, for bundles.
pub struct PlatformBlobs {
    pub root: PathBuf,
}

impl OriginalSource for PlatformBlobs {
    fn original(&self, sha256: &Digest) -> Option<Vec<u8>> {
        let bytes = fs::read(final_path(&self.root, sha256)).ok()?;
        (Digest::of(&bytes) == *sha256).then_some(bytes)
    }
}
