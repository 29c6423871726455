//! Photo files sealed at rest on the phone: XChaCha20-Poly1305 over 64 KiB segments, so a chunk of an
//! upload is read back by opening only the segments it spans (a 50 MB original is never decrypted whole
//! for one chunk).
//!
//! Layout: `FCS1` | 16 random bytes (nonce prefix) | plaintext length (u64 LE) | segments, each its
//! ciphertext and 16-byte tag. Segment `i`'s nonce is the prefix followed by `i` (u64 BE); every segment's
//! associated data is the header and the caller's label (the blob's name), so a segment cannot be moved,
//! dropped, swapped between files or the length changed without opening failing. A new random prefix
//! per file keeps nonces unique under one key.

use super::error::EvidenceError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::{Read, Seek, SeekFrom};

const MAGIC: &[u8; 4] = b"FCS1";
const PREFIX: usize = 16;
const HEADER: usize = MAGIC.len() + PREFIX + 8;
const TAG: usize = 16;
/// Plaintext bytes per segment.
pub const SEGMENT: usize = 64 << 10;

/// The key photo files are sealed with (kept by the phone's secure storage).
#[derive(Clone)]
pub struct FileKey(XChaCha20Poly1305);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(..)")
    }
}

impl FileKey {
    /// Length of a key in bytes.
    pub const LEN: usize = 32;

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EvidenceError> {
        XChaCha20Poly1305::new_from_slice(bytes)
            .map(Self)
            .map_err(|_| invalid(format!("a photo key is {} bytes, not {}", Self::LEN, bytes.len())))
    }

    /// Fresh random key bytes.
    pub fn generate() -> Result<[u8; 32], EvidenceError> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).map_err(|e| invalid(format!("no randomness for a photo key: {e}")))?;
        Ok(bytes)
    }

    /// Seals `plain`, bound to `label`.
    pub fn seal(&self, label: &[u8], plain: &[u8]) -> Result<Vec<u8>, EvidenceError> {
        let mut header = [0; HEADER];
        header[..4].copy_from_slice(MAGIC);
        getrandom::fill(&mut header[4..4 + PREFIX]).map_err(|e| invalid(format!("no randomness: {e}")))?;
        header[4 + PREFIX..].copy_from_slice(&(plain.len() as u64).to_le_bytes());
        let aad = [&header[..], label].concat();
        let mut out = Vec::with_capacity(sealed_len(plain.len() as u64) as usize);
        out.extend_from_slice(&header);
        for (i, segment) in segments(plain).enumerate() {
            let nonce = nonce(&header, i as u64);
            let sealed = self.0.encrypt(&nonce, Payload { msg: segment, aad: &aad }).map_err(|_| invalid("sealing"))?;
            out.extend_from_slice(&sealed);
        }
        Ok(out)
    }

    /// Opens a whole sealed file; fails on a wrong key or label, or any changed or missing byte.
    pub fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Vec<u8>, EvidenceError> {
        self.open_range(label, &mut std::io::Cursor::new(sealed), 0, u64::MAX)
    }

    /// Reads plaintext bytes `offset..offset + len` (cut at the end) of a sealed file, opening only the
    /// segments they span.
    pub fn open_range(
        &self,
        label: &[u8],
        file: &mut (impl Read + Seek),
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, EvidenceError> {
        let mut header = [0; HEADER];
        file.seek(SeekFrom::Start(0)).and_then(|_| file.read_exact(&mut header)).map_err(|_| corrupt("no header"))?;
        if &header[..4] != MAGIC {
            return Err(corrupt("not a sealed photo file"));
        }
        let total = u64::from_le_bytes(header[4 + PREFIX..].try_into().unwrap_or_default());
        let size = file.seek(SeekFrom::End(0)).map_err(|_| corrupt("unreadable"))?;
        if size != sealed_len(total) {
            return Err(corrupt("cut short or extended"));
        }
        let end = offset.saturating_add(len).min(total);
        let aad = [&header[..], label].concat();
        let mut out = Vec::new();
        let seg = SEGMENT as u64;
        let first = offset.min(end) / seg;
        let last = if end == 0 { 0 } else { (end - 1) / seg };
        for i in first..=last {
            let plain_len = (total - (i * seg).min(total)).min(seg) as usize;
            let mut sealed = vec![0; plain_len + TAG];
            file.seek(SeekFrom::Start(HEADER as u64 + i * (seg + TAG as u64)))
                .and_then(|_| file.read_exact(&mut sealed))
                .map_err(|_| corrupt("cut short"))?;
            let plain = self
                .0
                .decrypt(&nonce(&header, i), Payload { msg: &sealed, aad: &aad })
                .map_err(|_| corrupt("wrong key, or changed"))?;
            let from = (offset.max(i * seg) - i * seg) as usize;
            let to = (end - i * seg).min(plain.len() as u64) as usize;
            if from < to {
                out.extend_from_slice(&plain[from..to]);
            }
        }
        Ok(out)
    }
}

/// Whether the file at `path` starts like a sealed file.
pub fn is_sealed(path: &std::path::Path) -> bool {
    let mut magic = [0; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == MAGIC
}

/// The size of the sealed file of `plain_len` bytes.
pub fn sealed_len(plain_len: u64) -> u64 {
    let seg = SEGMENT as u64;
    let count = plain_len.div_ceil(seg).max(1);
    HEADER as u64 + plain_len + count * TAG as u64
}

/// The plaintext's segments; an empty file has one empty segment (so its tag is still checked).
fn segments(plain: &[u8]) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    let chunks = plain.chunks(SEGMENT);
    let none = plain.is_empty();
    chunks.chain(none.then_some(empty))
}

fn nonce(header: &[u8; HEADER], index: u64) -> XNonce {
    let mut nonce = XNonce::default();
    nonce[..PREFIX].copy_from_slice(&header[4..4 + PREFIX]);
    nonce[PREFIX..].copy_from_slice(&index.to_be_bytes());
    nonce
}

fn invalid(reason: impl Into<String>) -> EvidenceError {
    EvidenceError::InvalidMetadata { field: "photo key", reason: reason.into() }
}

fn corrupt(reason: &str) -> EvidenceError {
    EvidenceError::Corrupt { format: "sealed photo file", reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn key(byte: u8) -> FileKey {
        FileKey::from_bytes(&[byte; 32]).expect("key")
    }

    #[test]
    fn opens_what_it_sealed_whole_and_by_range() {
        for len in [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 17] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let sealed = key(1).seal(b"name", &plain).expect("seal");
            assert_eq!(sealed.len() as u64, sealed_len(len as u64));
            assert_eq!(key(1).open(b"name", &sealed).expect("open"), plain);
            for (offset, n) in [(0, 10), (SEGMENT - 3, 7), (len.saturating_sub(5), 100), (len, 4)] {
                let got =
                    key(1).open_range(b"name", &mut Cursor::new(&sealed), offset as u64, n as u64).expect("range");
                let end = (offset + n).min(len);
                assert_eq!(got, plain[offset.min(end)..end], "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn refuses_a_wrong_key_label_or_any_change() {
        let plain = vec![9u8; 2 * SEGMENT + 5];
        let sealed = key(1).seal(b"name", &plain).expect("seal");
        assert!(key(2).open(b"name", &sealed).is_err());
        assert!(key(1).open(b"other", &sealed).is_err());
        let mut flipped = sealed.clone();
        flipped[HEADER + SEGMENT + 3] ^= 1;
        assert!(key(1).open(b"name", &flipped).is_err());
        assert!(key(1).open(b"name", &sealed[..sealed.len() - 1]).is_err());
        let mut longer = sealed.clone();
        longer[4 + PREFIX] = 1; // a claimed length that does not match
        assert!(key(1).open(b"name", &longer).is_err());
        assert!(FileKey::from_bytes(&[0; 31]).is_err());
    }
}
