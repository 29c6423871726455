//! Content-addressed blob folder: every file is named by the SHA-256 of its bytes.
//!
//! Layout: `<root>/sha256/<first two hex digits>/<64 hex digits>`, plus `<root>/tmp/` for writes in
//! progress. A blob is written to a temporary file, fsynced, then renamed into place, so a crash leaves
//! either the whole blob or nothing; writing the same bytes twice is a no-op.

use super::digest::Digest;
use super::error::EvidenceError;
use super::metadata::BlobRef;
use super::upload::{BlobRole, may_free};
use crate::upload::BlobStatus;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A folder of blobs keyed by content.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl BlobStore {
    /// Opens (creating if needed) a blob folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, EvidenceError> {
        let root = root.into();
        for dir in [root.join("sha256"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(|e| EvidenceError::io(&dir, e))?;
        }
        Ok(Self { root })
    }

    /// Where the blob with this digest lives (whether or not it exists).
    pub fn path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.to_hex();
        self.root.join("sha256").join(&hex[..2]).join(hex)
    }

    /// Whether the blob is present with the expected length.
    pub fn contains(&self, digest: &Digest, len: u64) -> bool {
        fs::metadata(self.path(digest)).map(|m| m.is_file() && m.len() == len).unwrap_or(false)
    }

    /// Stores `bytes` whose digest the caller already computed; idempotent.
    pub fn put_with_digest(&self, digest: &Digest, bytes: &[u8]) -> Result<PathBuf, EvidenceError> {
        let path = self.path(digest);
        if self.contains(digest, bytes.len() as u64) {
            return Ok(path);
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        fs::create_dir_all(&dir).map_err(|e| EvidenceError::io(&dir, e))?;
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.root.join("tmp").join(format!("{}.{}.{n}.part", digest.to_hex(), std::process::id()));
        let written = (|| {
            let mut file = File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(EvidenceError::io(&tmp, e));
        }
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(EvidenceError::io(&path, e));
        }
        // The rename is durable only once the directory entry is.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    }

    /// Hashes and stores `bytes`; idempotent.
    pub fn put(&self, bytes: &[u8]) -> Result<Digest, EvidenceError> {
        let digest = Digest::of(bytes);
        self.put_with_digest(&digest, bytes)?;
        Ok(digest)
    }

    /// Reads a blob back, checking that its bytes still match their name.
    pub fn read_verified(&self, digest: &Digest) -> Result<Vec<u8>, EvidenceError> {
        let path = self.path(digest);
        let bytes = fs::read(&path).map_err(|e| EvidenceError::io(&path, e))?;
        if Digest::of(&bytes) != *digest {
            return Err(EvidenceError::Corrupt {
                format: "stored blob",
                reason: format!("{} no longer matches its hash", path.display()),
            });
        }
        Ok(bytes)
    }

    /// Deletes the local copy of `blob` if, and only if, `upload::may_free` allows it (the server
    /// confirmed exactly this blob); returns whether it was deleted.
    pub fn free(&self, blob: &BlobRef, role: BlobRole, server: Option<&BlobStatus>) -> Result<bool, EvidenceError> {
        if !may_free(blob, role, server) {
            return Ok(false);
        }
        let path = self.path(&blob.sha256);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(EvidenceError::io(&path, e)),
        }
    }

    /// Removes temporary files left by a crash mid-write.
    pub fn sweep_tmp(&self) -> Result<usize, EvidenceError> {
        let dir = self.root.join("tmp");
        let mut removed = 0;
        for entry in fs::read_dir(&dir).map_err(|e| EvidenceError::io(&dir, e))? {
            let entry = entry.map_err(|e| EvidenceError::io(&dir, e))?;
            if fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
