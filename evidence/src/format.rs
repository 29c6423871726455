//! Recognising an accepted image format from its first bytes.
//!
//! Accepted: JPEG, PNG, WebP. HEIC is not decoded here: the iOS app converts HEIC captures to JPEG
//! (`UIImage.jpegData` / `CGImageDestination`) before handing them to the core.

use super::metadata::MediaType;

/// The format announced by the file's magic bytes, if it is one we accept.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(MediaType::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(MediaType::Webp)
    } else {
        None
    }
}
