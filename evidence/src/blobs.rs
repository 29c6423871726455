//! Content-addressed blob folder: every file is named by the SHA-256 of its bytes.
//!
//! Layout: `<root>/sha256/<first two hex digits>/<64 hex digits>`, plus `<root>/tmp/` for writes in
//! progress. A blob is written to a temporary file, fsynced, then renamed into place, so a crash leaves
//! either the whole blob or nothing; writing the same bytes twice is a no-op.
//!
//! On the phone the folder is sealed ([`BlobStore::open_sealed`]): every file is written through
//! [`FileKey::seal`] (named by the SHA-256 of its *plain* bytes, which the evidence chain covers) and
//! opened on reading; without the key a file is noise.

use super::digest::Digest;
use super::error::EvidenceError;
use super::metadata::BlobRef;
use super::sealed::{FileKey, sealed_len};
use super::upload::{BlobRole, may_free};
use crate::upload::BlobStatus;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// A folder of blobs keyed by content.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    /// Seals every file at rest (the phone); `None` keeps them as they are (tools, tests). Shared by
    /// every clone, so a new key after a wipe reaches them all.
    key: Arc<RwLock<Option<FileKey>>>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl BlobStore {
    /// Opens (creating if needed) a blob folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, EvidenceError> {
        let root = root.into();
        for dir in [root.join("sha256"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(|e| EvidenceError::io(&dir, e))?;
        }
        Ok(Self { root, key: Arc::default() })
    }

    /// Opens a blob folder whose files are sealed with `key`.
    pub fn open_sealed(root: impl Into<PathBuf>, key: FileKey) -> Result<Self, EvidenceError> {
        Ok(Self { key: Arc::new(RwLock::new(Some(key))), ..Self::open(root)? })
    }

    fn key(&self) -> Option<FileKey> {
        self.key.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Seals later files with `key` (after a wipe erased everything sealed with the old one).
    pub fn rekey(&self, key: FileKey) {
        *self.key.write().unwrap_or_else(PoisonError::into_inner) = Some(key);
    }

    /// Brings files written before sealing under the key (an upgraded phone): each file still in clear is
    /// checked against its name and sealed in place. With a `fresh_key`, files sealed under a key that is
    /// gone (a wipe, a lost key) are unreadable and deleted. Returns how many files were sealed.
    pub fn seal_clear_files(&self, fresh_key: bool) -> Result<usize, EvidenceError> {
        if !self.is_sealed() {
            return Ok(0);
        }
        let mut sealed = 0;
        let top = self.root.join("sha256");
        for dir in fs::read_dir(&top).map_err(|e| EvidenceError::io(&top, e))? {
            let dir = dir.map_err(|e| EvidenceError::io(&top, e))?.path();
            let Ok(files) = fs::read_dir(&dir) else { continue };
            for file in files.flatten() {
                let path = file.path();
                let Some(digest) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<Digest>().ok())
                else {
                    continue;
                };
                if crate::sealed::is_sealed(&path) {
                    if fresh_key {
                        fs::remove_file(&path).map_err(|e| EvidenceError::io(&path, e))?;
                    }
                    continue;
                }
                let bytes = fs::read(&path).map_err(|e| EvidenceError::io(&path, e))?;
                if Digest::of(&bytes) != digest {
                    continue; // damaged: left for the upload check to report, never sealed as if whole
                }
                // The sealed copy replaces the clear file by rename: never a moment without the photo.
                self.put_with_digest(&digest, &bytes)?;
                sealed += 1;
            }
        }
        Ok(sealed)
    }

    /// Whether files are sealed at rest.
    pub fn is_sealed(&self) -> bool {
        self.key().is_some()
    }

    /// Where the blob with this digest lives (whether or not it exists).
    pub fn path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.to_hex();
        self.root.join("sha256").join(&hex[..2]).join(hex)
    }

    /// Whether the blob is present with the expected length.
    pub fn contains(&self, digest: &Digest, len: u64) -> bool {
        let stored = if self.is_sealed() { sealed_len(len) } else { len };
        fs::metadata(self.path(digest)).map(|m| m.is_file() && m.len() == stored).unwrap_or(false)
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
        let sealed = match &self.key() {
            Some(key) => Some(key.seal(&digest.0, bytes)?),
            None => None,
        };
        let written = (|| {
            let mut file = File::create(&tmp)?;
            file.write_all(sealed.as_deref().unwrap_or(bytes))?;
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
        let stored = fs::read(&path).map_err(|e| EvidenceError::io(&path, e))?;
        let bytes = match &self.key() {
            Some(key) => key.open(&digest.0, &stored)?,
            None => stored,
        };
        if Digest::of(&bytes) != *digest {
            return Err(EvidenceError::Corrupt {
                format: "stored blob",
                reason: format!("{} no longer matches its hash", path.display()),
            });
        }
        Ok(bytes)
    }

    /// Reads plain bytes `offset..offset + len` of a blob (one upload chunk).
    pub fn read_range(&self, digest: &Digest, offset: u64, len: u64) -> Result<Vec<u8>, EvidenceError> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.path(digest);
        let mut file = File::open(&path).map_err(|e| EvidenceError::io(&path, e))?;
        if let Some(key) = &self.key() {
            return key.open_range(&digest.0, &mut file, offset, len);
        }
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.take(len).read_to_end(&mut bytes))
            .map_err(|e| EvidenceError::io(&path, e))?;
        Ok(bytes)
    }

    /// Deletes every blob and temporary file (a remote wipe).
    pub fn erase_all(&self) -> Result<(), EvidenceError> {
        for dir in [self.root.join("sha256"), self.root.join("tmp")] {
            match fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(EvidenceError::io(&dir, e)),
            }
            fs::create_dir_all(&dir).map_err(|e| EvidenceError::io(&dir, e))?;
        }
        Ok(())
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
