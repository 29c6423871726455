//! Helpers shared by the evidence tests: generated images, crafted EXIF, capture metadata.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::{DeviceId, EvidenceId, InspectionId, UserId};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::{BlobStore, CaptureMeta, Case, Ingestor, Limits, Subject};
use image::{ImageFormat, Rgb, RgbImage};
use std::io::Cursor;
use std::path::Path;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 22, 30, 0).single().expect("valid time")
}

/// Capture metadata for a photo proving a checklist item.
pub fn meta(inspection: InspectionId, device: DeviceId, officer: UserId) -> CaptureMeta {
    CaptureMeta {
        evidence: EvidenceId::new(),
        case: Case::Inspection(inspection),
        subject: Subject::Item { item: ItemRef { template: "hazardous_waste_storage".into(), code: "HW-03".into() } },
        taken_at: t0(),
        fix: Some(GeoFix { lat: 30.274_1, lon: 120.155_1, accuracy_m: 8.0 }),
        device,
        officer,
        clock_skew_ms: Some(-1_500),
        provenance: Default::default(),
    }
}

pub fn any_meta() -> CaptureMeta {
    meta(InspectionId::new(), DeviceId::new(), UserId::new())
}

/// A photo-like image: gradients plus deterministic noise.
pub fn photo(width: u32, height: u32) -> RgbImage {
    let mut seed = 0x2545_f491_u32;
    RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 31) as u8;
        Rgb([(x * 255 / width) as u8 / 2 + n, (y * 255 / height) as u8 / 2 + n, 96 + n])
    })
}

/// Left half red, right half blue: shows which way an image was turned.
pub fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x < width / 2 { Rgb([230, 20, 20]) } else { Rgb([20, 20, 230]) })
}

pub fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

pub fn jpeg(image: &RgbImage) -> Vec<u8> {
    encode(image, ImageFormat::Jpeg)
}

/// Inserts an APP1 segment carrying `tiff` (raw EXIF) right after the JPEG's SOI marker.
pub fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    let len = u16::try_from(payload.len() + 2).expect("APP1 fits in 64 KiB");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Little-endian TIFF with one IFD holding Orientation and an ImageDescription string.
pub fn exif_orientation(orientation: u16, description: &[u8]) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes()); // IFD0 at offset 8
    t.extend_from_slice(&2u16.to_le_bytes()); // two entries
    // ImageDescription (0x010E), ASCII, value stored after the IFD.
    let desc_offset = 8 + 2 + 2 * 12 + 4;
    t.extend_from_slice(&0x010Eu16.to_le_bytes());
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&(description.len() as u32 + 1).to_le_bytes());
    t.extend_from_slice(&(desc_offset as u32).to_le_bytes());
    // Orientation (0x0112), SHORT, count 1, value inline.
    t.extend_from_slice(&0x0112u16.to_le_bytes());
    t.extend_from_slice(&3u16.to_le_bytes());
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&orientation.to_le_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    t.extend_from_slice(description);
    t.push(0);
    t
}

pub fn ingestor(dir: &Path) -> Ingestor {
    Ingestor::new(BlobStore::open(dir).expect("blob folder"), Limits::default())
}

/// Every file under `dir/sha256`, for "nothing was stored" checks.
pub fn stored_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("sha256")];
    while let Some(d) = stack.pop() {
        let Ok(listing) = std::fs::read_dir(&d) else { continue };
        for e in listing.flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    out
}

/// A real PNG of `width` x `height` 1-bit grey pixels, all black, compressed by hand (deflate with
/// 258-byte back-references), so a 50,000 x 50,000 image is about 2 MB.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let row = 1 + u64::from(width).div_ceil(8);
    let raw_len = row * u64::from(height);
    let mut bits = BitWriter::default();
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman
    let literal_zero = |b: &mut BitWriter| b.code(0x30, 8);
    literal_zero(&mut bits);
    let rest = raw_len - 1;
    for _ in 0..rest / 258 {
        bits.code(0xC5, 8); // length code 285 = 258 bytes
        bits.code(0, 5); // distance code 0 = 1 byte back
    }
    for _ in 0..rest % 258 {
        literal_zero(&mut bits);
    }
    bits.code(0, 7); // end of block
    let mut zlib = vec![0x78, 0x01];
    zlib.extend(bits.finish());
    let adler = ((raw_len % 65_521) << 16) | 1;
    zlib.extend_from_slice(&(adler as u32).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1-bit grey, deflate, no filter method, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// Appends `len` bits of `value`, least significant first (deflate's header and extra bits).
    fn put(&mut self, value: u64, len: u32) {
        self.acc |= value << self.n;
        self.n += len;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// Appends a Huffman code, most significant bit first.
    fn code(&mut self, code: u64, len: u32) {
        let mut reversed = 0;
        for i in 0..len {
            reversed |= ((code >> i) & 1) << (len - 1 - i);
        }
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}
