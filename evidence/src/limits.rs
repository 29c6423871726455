//! Limits checked from an image's header before any pixel is decoded.

use super::error::EvidenceError;

/// Upper bounds for one photo. The defaults fit any phone camera and stay far below a phone's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file.
    pub max_bytes: u64,
    /// Width x height of the full-size image, as its header claims.
    pub max_pixels: u64,
    /// Memory the decoder may allocate for pixel and coefficient buffers (JPEGs are decoded at
    /// reduced scale, so a large JPEG needs much less than its full size).
    pub max_decode_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 50 << 20, max_pixels: 120_000_000, max_decode_bytes: 256 << 20 }
    }
}

impl Limits {
    /// Checks the file length.
    pub fn check_bytes(&self, len: u64) -> Result<(), EvidenceError> {
        if len == 0 {
            return Err(EvidenceError::Empty);
        }
        if len > self.max_bytes {
            return Err(EvidenceError::TooLarge { len, max: self.max_bytes });
        }
        Ok(())
    }

    /// Checks the header's claimed size.
    pub fn check_pixels(&self, width: u32, height: u32) -> Result<(), EvidenceError> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels == 0 {
            return Err(EvidenceError::Corrupt {
                format: "image",
                reason: format!("the header says {width} x {height}"),
            });
        }
        if pixels > self.max_pixels {
            return Err(EvidenceError::TooManyPixels { width, height, max_pixels: self.max_pixels });
        }
        Ok(())
    }

    /// Checks the decoder's estimated allocation.
    pub fn check_decode(&self, needed: u64) -> Result<(), EvidenceError> {
        if needed > self.max_decode_bytes {
            return Err(EvidenceError::DecodeMemory { needed, max: self.max_decode_bytes });
        }
        Ok(())
    }
}
