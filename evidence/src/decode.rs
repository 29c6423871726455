//! Decoding to RGB within the limits, at reduced scale where the format allows.
//!
//! JPEG goes through `jpeg-decoder`, whose IDCT can produce 1/2, 1/4 or 1/8 scale directly, so a
//! 12-megapixel photo is never held at full size. PNG and WebP have no such scaling and are decoded
//! at full size by the `image` crate, under the same pixel and memory limits.

use super::error::EvidenceError;
use super::format::sniff;
use super::limits::Limits;
use super::metadata::MediaType;
use super::orientation::exif_orientation;
use super::pixels::Rgb;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A decoded image, not yet turned upright.
pub struct Decoded {
    pub media_type: MediaType,
    pub rgb: Rgb,
    /// Size of the full image as stored (before orientation).
    pub full_width: u32,
    pub full_height: u32,
    /// EXIF orientation, 1..=8.
    pub orientation: u8,
}

/// Decodes `bytes` for a rendition whose long edge is at most `target_long_edge`.
pub fn decode(bytes: &[u8], limits: &Limits, target_long_edge: u32) -> Result<Decoded, EvidenceError> {
    limits.check_bytes(bytes.len() as u64)?;
    let media_type = sniff(bytes).ok_or(EvidenceError::UnsupportedFormat)?;
    // Decoders are third-party code fed untrusted bytes: a panic in one becomes a refused photo.
    let result = catch_unwind(AssertUnwindSafe(|| match media_type {
        MediaType::Jpeg => decode_jpeg(bytes, limits, target_long_edge),
        MediaType::Png | MediaType::Webp => decode_with_image(bytes, media_type, limits),
    }));
    result.unwrap_or_else(|_| {
        Err(EvidenceError::Corrupt { format: name(media_type), reason: "the decoder could not read it".into() })
    })
}

fn name(media_type: MediaType) -> &'static str {
    match media_type {
        MediaType::Jpeg => "JPEG",
        MediaType::Png => "PNG",
        MediaType::Webp => "WebP",
    }
}

/// The DCT scale denominator (1, 2, 4 or 8) for a JPEG whose long edge is `long`.
///
/// The largest reduction whose output still has a long edge of at least 3/4 of the target, so that
/// e.g. a 4000 px photo decodes straight to 2000 px with no resampling, while a 3000 px one is decoded
/// whole and resized to 2048 rather than shrunk to 1500.
pub fn jpeg_scale(long: u32, target_long_edge: u32) -> u32 {
    if long <= target_long_edge {
        return 1;
    }
    let floor = (target_long_edge * 3).div_ceil(4);
    [8, 4, 2].into_iter().find(|k| long.div_ceil(*k) >= floor).unwrap_or(1)
}

fn decode_jpeg(bytes: &[u8], limits: &Limits, target: u32) -> Result<Decoded, EvidenceError> {
    let corrupt = |e: jpeg_decoder::Error| EvidenceError::Corrupt { format: "JPEG", reason: e.to_string() };
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(corrupt)?;
    let info = decoder.info().ok_or(EvidenceError::Corrupt { format: "JPEG", reason: "no frame header".into() })?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    limits.check_pixels(w, h)?;

    let k = jpeg_scale(w.max(h), target);
    let (sw, sh) = (w.div_ceil(k), h.div_ceil(k));
    let comps = info.pixel_format.pixel_bytes() as u64;
    // Component planes plus the interleaved output at the reduced size; a progressive JPEG also keeps
    // every coefficient (2 bytes each, whole MCUs) at full size until the last scan.
    let mut needed = u64::from(sw) * u64::from(sh) * (comps * 2 + 3);
    if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive {
        needed += u64::from(w.next_multiple_of(16)) * u64::from(h.next_multiple_of(16)) * comps * 2;
    }
    limits.check_decode(needed)?;
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX));

    let (ow, oh) = decoder.scale(sw as u16, sh as u16).map_err(corrupt)?;
    let data = decoder.decode().map_err(corrupt)?;
    let (ow, oh) = (u32::from(ow), u32::from(oh));
    let pixels = ow as usize * oh as usize;
    let format = decoder.info().map(|i| i.pixel_format).unwrap_or(info.pixel_format);
    if data.len() != pixels * format.pixel_bytes() {
        return Err(EvidenceError::Corrupt { format: "JPEG", reason: "decoded size does not match the header".into() });
    }
    let rgb = match format {
        jpeg_decoder::PixelFormat::RGB24 => data,
        jpeg_decoder::PixelFormat::L8 => data.iter().flat_map(|&l| [l, l, l]).collect(),
        // Big-endian 16-bit grey: keep the high byte.
        jpeg_decoder::PixelFormat::L16 => data.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect(),
        jpeg_decoder::PixelFormat::CMYK32 => data
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                let c = |v: u8| ((255 - u16::from(v)) * k / 255) as u8;
                [c(p[0]), c(p[1]), c(p[2])]
            })
            .collect(),
    };
    let orientation = decoder.exif_data().map(exif_orientation).unwrap_or(1);
    Ok(Decoded {
        media_type: MediaType::Jpeg,
        rgb: Rgb { width: ow, height: oh, data: rgb },
        full_width: w,
        full_height: h,
        orientation,
    })
}

fn decode_with_image(bytes: &[u8], media_type: MediaType, limits: &Limits) -> Result<Decoded, EvidenceError> {
    use image::ImageDecoder;
    let format = name(media_type);
    let corrupt = |e: image::ImageError| EvidenceError::Corrupt { format, reason: e.to_string() };
    let image_format = if media_type == MediaType::Png { image::ImageFormat::Png } else { image::ImageFormat::WebP };
    let reader = image::ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
    limits.check_pixels(w, h)?;
    // The decoder's own buffer plus our RGB copy.
    let needed = decoder.total_bytes().saturating_add(u64::from(w) * u64::from(h) * 3);
    limits.check_decode(needed)?;
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_decode_bytes);
    decoder.set_limits(image_limits).map_err(corrupt)?;
    let orientation = decoder.exif_metadata().ok().flatten().map(|e| exif_orientation(&e)).unwrap_or(1);
    let image = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let rgb = if image.color().has_alpha() { over_white(image.into_rgba8()) } else { image.into_rgb8() };
    Ok(Decoded {
        media_type,
        rgb: Rgb { width: w, height: h, data: rgb.into_raw() },
        full_width: w,
        full_height: h,
        orientation,
    })
}

/// Flattens transparency onto white, as the photo would be shown.
fn over_white(rgba: image::RgbaImage) -> image::RgbImage {
    let (w, h) = rgba.dimensions();
    let data = rgba
        .as_raw()
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
            [mix(p[0]), mix(p[1]), mix(p[2])]
        })
        .collect();
    image::RgbImage::from_raw(w, h, data).unwrap_or_else(|| image::RgbImage::new(w, h))
}
