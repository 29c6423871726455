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
    // The corner the documents print the code in first; then the whole page and its upper half (a scan
    // may be turned or cropped; other dark squares on a page can pair up with the code's finder patterns).
    let (w, h) = luma.dimensions();
    let corner = image::imageops::crop_imm(&luma, w / 2, 0, w - w / 2, h / 3).to_image();
    let part = |x, y, cw, ch| image::imageops::crop_imm(&luma, x, y, cw, ch).to_image();
    // Then the corner cleaned up: a low-resolution scan's modules are a few grey-edged pixels, which the
    // detector's local threshold can split or merge; enlarged and cut at one threshold they read.
    let attempts: [&dyn Fn() -> image::GrayImage; 6] = [
        &|| corner.clone(),
        &|| part(0, 0, w, h),
        &|| part(w / 2, 0, w - w / 2, h / 2),
        &|| part(0, 0, w, h / 2),
        &|| binarised(corner.clone()),
        &|| binarised(enlarged(&corner)),
    ];
    let mut found = 0;
    for attempt in attempts {
        let part = attempt();
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

/// `image` at twice its size, smoothly (module edges stay straight).
fn enlarged(image: &image::GrayImage) -> image::GrayImage {
    image::imageops::resize(image, image.width() * 2, image.height() * 2, image::imageops::FilterType::CatmullRom)
}

/// `image` cut to black and white at the threshold that best separates its two tones (Otsu's).
fn binarised(mut image: image::GrayImage) -> image::GrayImage {
    let mut histogram = [0u64; 256];
    for p in image.as_raw() {
        histogram[usize::from(*p)] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum: f64 = histogram.iter().enumerate().map(|(v, n)| v as f64 * *n as f64).sum();
    let (mut below, mut below_sum, mut best, mut threshold) = (0u64, 0f64, 0f64, 128u8);
    for (v, n) in histogram.iter().enumerate() {
        below += n;
        below_sum += v as f64 * *n as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let (m0, m1) = (below_sum / below as f64, (sum - below_sum) / above as f64);
        let between = below as f64 * above as f64 * (m0 - m1).powi(2);
        if between > best {
            (best, threshold) = (between, v as u8);
        }
    }
    for p in image.iter_mut() {
        *p = if *p <= threshold { 0 } else { 255 };
    }
    image
}
