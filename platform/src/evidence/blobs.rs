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
//! Appends to one blob are serialised by a lock per blob (held while its chunk streams in), so
//! different blobs upload in parallel and two devices sending the same blob never interleave. The
//! locks are in-process: one platform process serves one data folder.

use super::keys::state;
use crate::access::{Caller, Reach};
use crate::app::{App, MAX_BODY_BYTES};
use crate::db::{BlobOwnerRow, CitationRow, StoreError, Tx};
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

fn status(tx: &mut dyn Tx, root: &std::path::Path, sha: &Digest, len: u64) -> Result<BlobStatus, ApiError> {
    if is_confirmed(tx, sha)? && final_path(root, sha).exists() {
        return Ok(BlobStatus { sha256: *sha, len, received: len, confirmed: true });
    }
    let received = fs::metadata(partial_path(root, sha)).map(|m| m.len()).unwrap_or(0).min(len);
    Ok(BlobStatus { sha256: *sha, len, received, confirmed: false })
}

/// The caller may see the blob (to upload it), with length `expected` if given: its status, and who
/// uploads it.
async fn checked_status(
    app: &App,
    caller: Caller,
    root: PathBuf,
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
            Ok((status(tx, &root, &sha, seen.len)?, seen))
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
    Ok(Json(checked_status(&app, caller, root, sha, q.len).await?.0))
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
            let seen = visible(tx, &caller, &sha, Use::Read)?;
            status(tx, &db_root, &sha, seen.len)
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
    let (mut current, seen) = checked_status(&app, caller.clone(), root.clone(), sha, Some(total)).await?;
    if current.confirmed {
        return Ok(Json(current));
    }
    // The upload belongs to whoever sent its first chunk; nobody else appends to it.
    let me = (device_of(&caller), caller.user.id.to_string());
    let owner =
        BlobOwnerRow { sha256: sha.to_hex(), device: me.0.clone(), user: me.1.clone(), started_at: chrono::Utc::now() };
    let fresh = match &seen.owner {
        Some(o) if (o.device.as_str(), o.user.as_str()) == (me.0.as_str(), me.1.as_str()) => false,
        Some(_) if seen.caller_cites && !seen.owner_cites => {
            // The device that sealed a record citing the blob takes over from one that did not; what the
            // other sent is discarded.
            let partial = partial_path(&root, &sha);
            tokio::task::spawn_blocking(move || match fs::remove_file(partial) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::from(e)),
                _ => Ok(()),
            })
            .await
            .map_err(|e| ApiError::from(StoreError::Join(e.to_string())))??;
            current.received = 0;
            let owner = owner.clone();
            app.db.write(move |tx| Ok(tx.set_blob_owner(&owner)?)).await?;
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
    // Not where the held bytes end (a re-sent or early chunk): nothing is written; the device
    // continues from `received`.
    if first != current.received {
        return Ok(Json(current));
    }
    // The first chunk: its sender owns the upload.
    if fresh {
        app.db.write(move |tx| Ok(tx.set_blob_owner(&owner)?)).await?;
    }
    let bytes = receive(body, declared).await?;
    crate::ops::metrics::uploaded(bytes.len());
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
