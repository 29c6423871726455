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
    // The whole page first; then the corner the documents print the code in, and larger parts of the page
    // (other dark squares on a page, a photo's thumbnail, can pair up with the code's finder patterns).
    let (w, h) = luma.dimensions();
    let regions = [(0, 0, w, h), (w / 2, 0, w - w / 2, h / 3), (w / 2, 0, w - w / 2, h / 2), (0, 0, w, h / 2)];
    let mut found = 0;
    for (x, y, cw, ch) in regions {
        let part = image::imageops::crop_imm(&luma, x, y, cw, ch).to_image();
        let (pw, ph) = (part.width() as usize, part.height() as usize);
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(pw, ph, |x, y| part.as_raw()[y * pw + x]);
        let grids = prepared.detect_grids();
        found = found.max(grids.len());
        for grid in &grids {
            if let Some(payload) = grid.decode().ok().and_then(|(_, text)| Payload::parse(&text)) {
                return Ok(payload);
            }
        }
    }
    if found == 0 {
        return Err("no QR code found in the image (scan the page's top right corner at 200 dpi or more)".into());
    }
    Err(format!("{found} QR code(s) found, none of them a Fieldcheck document's"))
}
