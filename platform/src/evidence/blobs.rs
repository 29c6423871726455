//! `GET /v1/blobs/{sha256}?len=N` and `PUT /v1/blobs/{sha256}` (`Content-Range: bytes a-b/len`):
//! resumable, content-addressed upload. The server holds a contiguous prefix of each blob; a chunk is
//! appended only where that prefix ends (a re-sent chunk is answered with the status, never appended
//! twice); when all bytes are in, length and SHA-256 are checked before the blob is confirmed. A blob
//! is accepted only when a record the caller may see references it, with that length.

use super::keys::state;
use super::receipt::blob_refs;
use crate::access::{Caller, Reach};
use crate::app::App;
use crate::db::{StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use fieldcheck_core::domain::alarm::Alarm;
use fieldcheck_core::domain::organisation::Role;
use fieldcheck_core::domain::rectification::RectificationTask;
use fieldcheck_core::evidence::{Digest, OriginalSource};
use fieldcheck_core::protocol::{BlobStatus, Entity, SubmittedInspection};
use sha2::Digest as _;
use std::fs;
use std::io::{Read, Write};
use std::path::PathBuf;

const CONFIRMED: &str = "blob_confirmed";

/// Serialises appends: two devices sending the same blob must not interleave.
static WRITE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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

fn status(tx: &mut dyn Tx, root: &std::path::Path, sha: &Digest, len: u64) -> Result<BlobStatus, ApiError> {
    if tx.evidence_get(CONFIRMED, &sha.to_hex())?.is_some() && final_path(root, sha).exists() {
        return Ok(BlobStatus { sha256: *sha, len, received: len, confirmed: true });
    }
    let received = fs::metadata(partial_path(root, sha)).map(|m| m.len()).unwrap_or(0).min(len);
    Ok(BlobStatus { sha256: *sha, len, received, confirmed: false })
}

#[derive(serde::Deserialize)]
pub struct LenQuery {
    len: Option<u64>,
}

/// How much of a blob the platform holds.
pub async fn get(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
    Query(q): Query<LenQuery>,
) -> Result<Json<BlobStatus>, ApiError> {
    let sha = parse_sha(&sha)?;
    let root = root()?;
    let status = app
        .db
        .read(move |tx| {
            let len = visible_len(tx, &caller, &sha)?;
            if q.len.is_some_and(|l| l != len) {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "length",
                    "the record names another length",
                ));
            }
            status(tx, &root, &sha, len)
        })
        .await?;
    Ok(Json(status))
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

/// Appends one chunk where the held prefix ends; confirms the blob once it is whole and checked.
pub async fn put(
    State(app): State<App>,
    caller: Caller,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BlobStatus>, ApiError> {
    let sha = parse_sha(&sha)?;
    let (first, last, total) = content_range(&headers)?;
    if body.len() as u64 != last - first + 1 {
        return Err(ApiError::bad_request("the body is not as long as its Content-Range says"));
    }
    let root = root()?;
    let _guard = WRITE.lock().await;
    let (db_root, db_caller) = (root.clone(), caller.clone());
    let current = app
        .db
        .read(move |tx| {
            let len = visible_len(tx, &db_caller, &sha)?;
            if len != total {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "length",
                    "the record names another length",
                ));
            }
            status(tx, &db_root, &sha, len)
        })
        .await?;
    // Not where the held bytes end (a re-sent or early chunk): nothing is written; the device
    // continues from `received`.
    if current.confirmed || first != current.received {
        return Ok(Json(current));
    }
    let file_root = root.clone();
    let whole = tokio::task::spawn_blocking(move || append_and_check(&file_root, &sha, &body, total))
        .await
        .map_err(|e| ApiError::from(StoreError::Join(e.to_string())))??;
    if !whole {
        let received = last + 1;
        return Ok(Json(BlobStatus { sha256: sha, len: total, received, confirmed: false }));
    }
    app.db.write(move |tx| Ok(tx.evidence_put(CONFIRMED, &sha.to_hex(), &total.to_string())?)).await?;
    Ok(Json(BlobStatus { sha256: sha, len: total, received: total, confirmed: true }))
}

/// Appends `chunk` (fsynced); when the blob is whole, checks its hash and moves it into place.
/// Returns whether the blob is complete and checked.
fn append_and_check(root: &std::path::Path, sha: &Digest, chunk: &[u8], total: u64) -> Result<bool, ApiError> {
    let partial = partial_path(root, sha);
    if let Some(dir) = partial.parent() {
        fs::create_dir_all(dir).map_err(StoreError::from)?;
    }
    let mut file = fs::OpenOptions::new().create(true).append(true).open(&partial).map_err(StoreError::from)?;
    file.write_all(chunk).and_then(|_| file.sync_all()).map_err(StoreError::from)?;
    let held = file.metadata().map_err(StoreError::from)?.len();
    if held < total {
        return Ok(false);
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
    Ok(true)
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
