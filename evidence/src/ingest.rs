//! Taking a photo in: check, keep the original exactly, derive the rendition and thumbnail.
//!
//! Runs on whatever thread calls it (the app calls it off the UI thread); it uses one extra thread to
//! hash while decoding and to encode the thumbnail while the rendition is encoded. Peak memory is about
//! the decoded rendition-sized image three times over plus the file itself: JPEGs are decoded at 1/2,
//! 1/4 or 1/8 scale, so a 12 MP photo never exists at full size in memory. A watermark is drawn in
//! place once the thumbnail's pixels are taken, so it adds no rendition-sized copy; the app's font is
//! held once for all ingests (about its file size).

use super::blobs::BlobStore;
use super::decode::decode;
use super::digest::Digest;
use super::error::EvidenceError;
use super::limits::Limits;
use super::metadata::{BlobRef, CaptureMeta, EvidenceRecord, MediaType};
use super::orientation;
use super::pixels::Rgb;
use super::rendition::{
    RENDITION_LONG_EDGE, RENDITION_QUALITY, THUMBNAIL_LONG_EDGE, THUMBNAIL_QUALITY, encode_jpeg, shrunk,
};
use super::watermark::{self, Watermark, WatermarkGaps};
use super::watermark_font::WatermarkFont;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

/// Files derived from one photo, in memory, before anything is stored.
#[derive(Clone, Debug)]
pub struct Derived {
    pub original_media_type: MediaType,
    pub original_sha256: Digest,
    /// Upright size of the original.
    pub width: u32,
    pub height: u32,
    pub rendition: Vec<u8>,
    pub rendition_width: u32,
    pub rendition_height: u32,
    pub thumbnail: Vec<u8>,
    /// What the watermark could not show (characters without a glyph, lines cut); empty without one.
    pub watermark_gaps: WatermarkGaps,
}

/// Checks and decodes `bytes`, hashes them, and makes the rendition (watermarked if asked, with the
/// built-in ASCII font only) and thumbnail.
pub fn derive(bytes: &[u8], limits: &Limits, mark: Option<&Watermark>) -> Result<Derived, EvidenceError> {
    derive_with(bytes, limits, mark, None)
}

/// As [`derive`], drawing the watermark with `font` where it has the glyphs.
pub fn derive_with(
    bytes: &[u8],
    limits: &Limits,
    mark: Option<&Watermark>,
    font: Option<&WatermarkFont>,
) -> Result<Derived, EvidenceError> {
    let (digest, decoded) = std::thread::scope(|s| {
        let hashing = s.spawn(|| Digest::of(bytes));
        let decoded = decode(bytes, limits, RENDITION_LONG_EDGE);
        // A panic while hashing would be a bug of ours, not bad input; hash again on this thread.
        (hashing.join().unwrap_or_else(|_| Digest::of(bytes)), decoded)
    });
    let decoded = decoded?;
    let (media_type, orientation) = (decoded.media_type, decoded.orientation);
    let (width, height) = if orientation::swaps_axes(orientation) {
        (decoded.full_height, decoded.full_width)
    } else {
        (decoded.full_width, decoded.full_height)
    };
    let rgb = decoded.rgb;
    // The decoded buffer is dropped as soon as the smaller one exists, to keep the peak low.
    let small = match shrunk(&rgb, RENDITION_LONG_EDGE)? {
        Some(small) => {
            drop(rgb);
            small
        }
        None => rgb,
    };
    let mut upright = orientation::apply(small, orientation);
    let (rendition, thumbnail, watermark_gaps) = match mark {
        None => {
            let (rendition, thumbnail) = encode_both(&upright, None);
            (rendition, thumbnail, WatermarkGaps::default())
        }
        Some(mark) => {
            // The thumbnail's (small) pixels are taken from the clean image first, so the caption is
            // then drawn in place: no second rendition-sized buffer.
            let thumb = shrunk(&upright, THUMBNAIL_LONG_EDGE)?.unwrap_or_else(|| upright.clone());
            let caption = watermark::draw(&mut upright, mark, font);
            let (rendition, thumbnail) = encode_both(&upright, Some(&thumb));
            (rendition, thumbnail, caption.gaps)
        }
    };
    Ok(Derived {
        original_media_type: media_type,
        original_sha256: digest,
        width,
        height,
        rendition: rendition?,
        rendition_width: upright.width,
        rendition_height: upright.height,
        thumbnail: thumbnail?,
        watermark_gaps,
    })
}

/// Encodes the rendition on this thread and the thumbnail on a second one, from `thumb` or else shrunk
/// from the rendition's pixels.
fn encode_both(
    rendition: &Rgb,
    thumb: Option<&Rgb>,
) -> (Result<Vec<u8>, EvidenceError>, Result<Vec<u8>, EvidenceError>) {
    std::thread::scope(|s| {
        let thumbnail = s.spawn(move || match thumb {
            Some(thumb) => encode_jpeg(thumb, THUMBNAIL_QUALITY, "thumbnail"),
            None => {
                let small = shrunk(rendition, THUMBNAIL_LONG_EDGE)?;
                encode_jpeg(small.as_ref().unwrap_or(rendition), THUMBNAIL_QUALITY, "thumbnail")
            }
        });
        let encoded = encode_jpeg(rendition, RENDITION_QUALITY, "rendition");
        let thumbnail = thumbnail
            .join()
            .unwrap_or_else(|_| Err(EvidenceError::Encode { what: "thumbnail", reason: "the encoder failed".into() }));
        (encoded, thumbnail)
    })
}

/// Takes photos in, storing every file in a content-addressed blob folder.
#[derive(Clone, Debug)]
pub struct Ingestor {
    blobs: BlobStore,
    limits: Limits,
    /// The app's watermark font, shared by every clone of this ingestor.
    font: Arc<RwLock<Option<WatermarkFont>>>,
}

impl Ingestor {
    /// An ingestor writing into `blobs` under `limits`, watermarking with the built-in ASCII font until
    /// [`set_font`](Self::set_font) is called.
    pub fn new(blobs: BlobStore, limits: Limits) -> Self {
        Self { blobs, limits, font: Arc::default() }
    }

    /// Sets the font watermarks are drawn with (for every clone of this ingestor); set it once at
    /// start-up, e.g. from `WatermarkFont::from_file` on a system CJK font.
    pub fn set_font(&self, font: WatermarkFont) {
        *self.font.write().unwrap_or_else(PoisonError::into_inner) = Some(font);
    }

    /// The watermark font, if one was set.
    pub fn font(&self) -> Option<WatermarkFont> {
        self.font.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The blob folder, e.g. to read a blob back for upload.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// Ingests a photo given as bytes. Nothing is stored unless the whole photo is accepted; the
    /// original is stored byte for byte. Ingesting the same bytes again stores nothing new.
    pub fn ingest(
        &self,
        bytes: &[u8],
        meta: CaptureMeta,
        mark: Option<&Watermark>,
    ) -> Result<EvidenceRecord, EvidenceError> {
        meta.validate()?;
        // Only a watermark needs the font; the clone is of a reference-counted handle.
        let font = mark.and_then(|_| self.font());
        let derived = derive_with(bytes, &self.limits, mark, font.as_ref())?;
        // Original first: if a later write fails, the kept original is harmless (named by its hash)
        // and a retry reuses it.
        self.blobs.put_with_digest(&derived.original_sha256, bytes)?;
        let rendition = self.blobs.put(&derived.rendition)?;
        let thumbnail = self.blobs.put(&derived.thumbnail)?;
        let jpeg = |sha256, bytes: &Vec<u8>| BlobRef { sha256, len: bytes.len() as u64, media_type: MediaType::Jpeg };
        Ok(EvidenceRecord {
            meta,
            original: BlobRef {
                sha256: derived.original_sha256,
                len: bytes.len() as u64,
                media_type: derived.original_media_type,
            },
            rendition: jpeg(rendition, &derived.rendition),
            thumbnail: jpeg(thumbnail, &derived.thumbnail),
            width: derived.width,
            height: derived.height,
            rendition_width: derived.rendition_width,
            rendition_height: derived.rendition_height,
            watermarked: mark.is_some(),
            watermark_gaps: derived.watermark_gaps,
        })
    }

    /// Ingests a photo file (e.g. the camera's output); its size is checked before it is read.
    pub fn ingest_file(
        &self,
        path: &Path,
        meta: CaptureMeta,
        mark: Option<&Watermark>,
    ) -> Result<EvidenceRecord, EvidenceError> {
        let file = File::open(path).map_err(|e| EvidenceError::io(path, e))?;
        let len = file.metadata().map_err(|e| EvidenceError::io(path, e))?.len();
        self.limits.check_bytes(len)?;
        let mut bytes = Vec::with_capacity(len as usize);
        // `take` guards against a file that grows while being read.
        file.take(self.limits.max_bytes + 1).read_to_end(&mut bytes).map_err(|e| EvidenceError::io(path, e))?;
        self.limits.check_bytes(bytes.len() as u64)?;
        self.ingest(&bytes, meta, mark)
    }
}
