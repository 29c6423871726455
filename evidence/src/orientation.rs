//! EXIF orientation: read it (tolerating huge or broken EXIF) and turn pixels upright.

use super::pixels::Rgb;

/// The EXIF orientation value (1..=8) in raw EXIF (TIFF) data; 1 (upright) when absent or unreadable.
pub fn exif_orientation(tiff: &[u8]) -> u8 {
    // A broken or oversized EXIF block must not cost the photo: any parse failure means "upright".
    let parsed = exif::Reader::new().read_raw(tiff.to_vec());
    let Ok(exif) = parsed else { return 1 };
    let value = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY).and_then(|f| f.value.get_uint(0));
    match value {
        Some(v @ 1..=8) => v as u8,
        _ => 1,
    }
}

/// Whether the orientation swaps width and height.
pub fn swaps_axes(orientation: u8) -> bool {
    matches!(orientation, 5..=8)
}

/// Applies an EXIF orientation, returning upright pixels.
pub fn apply(src: Rgb, orientation: u8) -> Rgb {
    if !(2..=8).contains(&orientation) {
        return src;
    }
    let (w, h) = (src.width as usize, src.height as usize);
    let (ow, oh) = if swaps_axes(orientation) { (h, w) } else { (w, h) };
    let mut out = vec![0u8; src.data.len()];
    for y in 0..oh {
        let row = &mut out[y * ow * 3..(y + 1) * ow * 3];
        for x in 0..ow {
            // Source coordinate of the upright pixel (x, y), per the EXIF 2.3 orientation table.
            let (sx, sy) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x),
            };
            let s = (sy * w + sx) * 3;
            row[x * 3..x * 3 + 3].copy_from_slice(&src.data[s..s + 3]);
        }
    }
    Rgb { width: ow as u32, height: oh as u32, data: out }
}
