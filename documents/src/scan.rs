//! Reading a document's payload back from paper: the QR code in a scanned or photographed page (PNG or
//! JPEG; a PDF without an embedded payload is first rendered to such an image by the caller).

use super::Payload;

/// Decoded pixels past which an image is refused (an A4 page at 600 dpi is about 35 MP).
const MAX_PIXELS: u64 = 64_000_000;

/// The payload of the first Fieldcheck QR code found in `bytes` (a PNG or JPEG image).
pub fn payload_from_image(bytes: &[u8]) -> Result<Payload, String> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("the image cannot be read: {e}"))?;
    let (w, h) = reader.into_dimensions().map_err(|e| format!("the image cannot be read: {e}"))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!("the image is {w} × {h} pixels, more than {MAX_PIXELS} (scan at 300 dpi)"));
    }
    let luma = image::load_from_memory(bytes).map_err(|e| format!("the image cannot be decoded: {e}"))?.to_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma.as_raw()[y * w + x]);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err("no QR code found in the image (scan the page's top right corner at 200 dpi or more)".into());
    }
    for grid in &grids {
        if let Some(payload) = grid.decode().ok().and_then(|(_, text)| Payload::parse(&text)) {
            return Ok(payload);
        }
    }
    Err(format!("{} QR code(s) found, none of them a Fieldcheck document's", grids.len()))
}
