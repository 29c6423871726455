//! Derived files: resizing (fast_image_resize) and fresh JPEG encoding (jpeg-encoder).
//!
//! The encoder writes a bare JFIF file: no EXIF, so no GPS or other metadata of the original
//! survives into anything derived from it.

use super::error::EvidenceError;
use super::pixels::{Rgb, fit_within};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

/// Long edge of the upload rendition, in pixels.
pub const RENDITION_LONG_EDGE: u32 = 2048;
/// Long edge of the thumbnail, in pixels.
pub const THUMBNAIL_LONG_EDGE: u32 = 320;
/// JPEG quality of the rendition.
pub const RENDITION_QUALITY: u8 = 85;
/// JPEG quality of the thumbnail.
pub const THUMBNAIL_QUALITY: u8 = 80;

/// `src` shrunk so that its long edge is at most `long_edge`; `None` if it already fits.
pub fn shrunk(src: &Rgb, long_edge: u32) -> Result<Option<Rgb>, EvidenceError> {
    let (w, h) = fit_within(src.width, src.height, long_edge);
    if (w, h) == (src.width, src.height) {
        return Ok(None);
    }
    let fail = |reason: String| EvidenceError::Encode { what: "resized image", reason };
    let from = ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3).map_err(|e| fail(e.to_string()))?;
    let mut to = Image::new(w, h, PixelType::U8x3);
    // Hamming: bicubic-like quality for downscaling at bilinear cost.
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Hamming));
    Resizer::new().resize(&from, &mut to, &options).map_err(|e| fail(e.to_string()))?;
    Ok(Some(Rgb { width: w, height: h, data: to.into_vec() }))
}

/// Encodes RGB pixels as a baseline JPEG with no metadata segments.
pub fn encode_jpeg(rgb: &Rgb, quality: u8, what: &'static str) -> Result<Vec<u8>, EvidenceError> {
    let fail = |reason: String| EvidenceError::Encode { what, reason };
    let w = u16::try_from(rgb.width).map_err(|_| fail("too wide for JPEG".into()))?;
    let h = u16::try_from(rgb.height).map_err(|_| fail("too tall for JPEG".into()))?;
    let mut out = Vec::with_capacity(rgb.data.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.encode(&rgb.data, w, h, jpeg_encoder::ColorType::Rgb).map_err(|e| fail(e.to_string()))?;
    Ok(out)
}
