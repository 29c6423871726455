//! Photo ingest: bad inputs refused with typed errors and nothing stored; good photos kept byte for
//! byte with an upright, metadata-free rendition and a thumbnail.

use crate::evidence_common;

use chrono::FixedOffset;
use evidence_common::*;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::evidence::{
    BlobStore, Digest, EvidenceError, Ingestor, Limits, MediaType, Watermark, decode::jpeg_scale,
};
use image::ImageFormat;

fn refuse(bytes: &[u8]) -> EvidenceError {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let err = ing.ingest(bytes, any_meta(), None).expect_err("must be refused");
    assert!(stored_files(dir.path()).is_empty(), "a refused photo left files behind: {err}");
    err
}

#[test]
fn empty_file_is_refused() {
    assert!(matches!(refuse(&[]), EvidenceError::Empty));
}

#[test]
fn non_images_are_refused() {
    assert!(matches!(refuse(b"this is a text file, not a photo"), EvidenceError::UnsupportedFormat));
    // HEIC must be converted by the iOS app before ingest.
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    assert!(matches!(refuse(heic), EvidenceError::UnsupportedFormat));
    let gif = b"GIF89a\x08\x00\x08\x00\x80\x00\x00";
    assert!(matches!(refuse(gif), EvidenceError::UnsupportedFormat));
}

#[test]
fn truncated_files_are_refused_as_corrupt() {
    let image = photo(320, 240);
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let bytes = encode(&image, format);
        for cut in [bytes.len() / 2, 40, 12] {
            let err = refuse(&bytes[..cut]);
            assert!(
                matches!(err, EvidenceError::Corrupt { .. } | EvidenceError::UnsupportedFormat),
                "{format:?} cut at {cut}: {err}"
            );
        }
    }
}

#[test]
fn a_50000_by_50000_png_is_refused_from_its_header() {
    let bomb = png_bomb(50_000, 50_000);
    assert!(bomb.len() < 4 << 20, "the bomb is small compressed: {} bytes", bomb.len());
    match refuse(&bomb) {
        EvidenceError::TooManyPixels { width: 50_000, height: 50_000, .. } => {}
        other => panic!("expected TooManyPixels, got {other}"),
    }
}

#[test]
fn decode_memory_limit_is_checked_before_decoding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = Limits { max_bytes: 50 << 20, max_pixels: u64::MAX, max_decode_bytes: 64 << 20 };
    let ing = Ingestor::new(BlobStore::open(dir.path()).expect("blobs"), limits);
    let err = ing.ingest(&png_bomb(50_000, 50_000), any_meta(), None).expect_err("refused");
    assert!(matches!(err, EvidenceError::DecodeMemory { .. }), "{err}");
    assert!(stored_files(dir.path()).is_empty());
}

#[test]
fn jpeg_header_claiming_huge_size_is_refused() {
    let mut bytes = jpeg(&photo(64, 48));
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline SOF0");
    bytes[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]); // 60000 x 60000
    assert!(matches!(refuse(&bytes), EvidenceError::TooManyPixels { width: 60_000, height: 60_000, .. }));
    bytes[sof + 5..sof + 9].copy_from_slice(&[0, 0, 0, 64]); // 64 wide, 0 high
    assert!(matches!(refuse(&bytes), EvidenceError::Corrupt { .. }));
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = Limits { max_bytes: 1_000, ..Limits::default() };
    let ing = Ingestor::new(BlobStore::open(dir.path()).expect("blobs"), limits);
    let path = dir.path().join("big.jpg");
    std::fs::write(&path, jpeg(&photo(256, 256))).expect("write");
    let err = ing.ingest_file(&path, any_meta(), None).expect_err("refused");
    assert!(matches!(err, EvidenceError::TooLarge { max: 1_000, .. }), "{err}");
    assert!(stored_files(dir.path()).is_empty());
}

#[test]
fn a_refused_photo_does_not_affect_the_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    assert!(ing.ingest(&png_bomb(50_000, 50_000), any_meta(), None).is_err());
    assert!(ing.ingest(b"garbage", any_meta(), None).is_err());
    let good = jpeg(&photo(640, 480));
    let record = ing.ingest(&good, any_meta(), None).expect("good photo");
    assert_eq!(stored_files(dir.path()).len(), 3);
    assert_eq!(ing.blobs().read_verified(&record.original.sha256).expect("original"), good);
}

#[test]
fn original_is_kept_byte_for_byte_under_its_hash_and_ingest_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let bytes = jpeg(&photo(1200, 900));
    let record = ing.ingest(&bytes, any_meta(), None).expect("ingest");
    assert_eq!(record.original.sha256, Digest::of(&bytes));
    assert_eq!(record.original.len, bytes.len() as u64);
    assert_eq!(record.original.media_type, MediaType::Jpeg);
    let path = ing.blobs().path(&record.original.sha256);
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(record.original.sha256.to_hex().as_str()));
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    let files = stored_files(dir.path());
    let again = ing.ingest(&bytes, any_meta(), None).expect("ingest again");
    assert_eq!(again.original, record.original);
    assert_eq!(again.rendition, record.rendition);
    assert_eq!(stored_files(dir.path()), files);
    assert_eq!((record.width, record.height), (1200, 900));
}

fn decode_jpeg(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).expect("derived JPEG decodes").into_rgb8()
}

#[test]
fn renditions_and_thumbnails_fit_their_sizes_for_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    // 4096 wide decodes at 1/2 scale straight to 2048; 3000 wide decodes whole and is resized.
    for (w, h, format) in [
        (4096, 512, ImageFormat::Jpeg),
        (3000, 400, ImageFormat::Jpeg),
        (300, 2600, ImageFormat::Png),
        (2500, 300, ImageFormat::WebP),
        (200, 100, ImageFormat::Jpeg),
    ] {
        let record = ing.ingest(&encode(&photo(w, h), format), any_meta(), None).expect("ingest");
        let rendition = decode_jpeg(&ing.blobs().read_verified(&record.rendition.sha256).expect("rendition"));
        let thumb = decode_jpeg(&ing.blobs().read_verified(&record.thumbnail.sha256).expect("thumbnail"));
        let long = rendition.width().max(rendition.height());
        assert!(long <= 2048, "{w}x{h} {format:?}: rendition {long}");
        assert!(long >= 1536.min(w.max(h)), "{w}x{h} {format:?}: rendition too small ({long})");
        assert!(thumb.width().max(thumb.height()) <= 320);
        assert_eq!((rendition.width(), rendition.height()), (record.rendition_width, record.rendition_height));
        // Aspect ratio kept (within rounding).
        let ratio = |a: u32, b: u32| f64::from(a) / f64::from(b);
        assert!((ratio(rendition.width(), rendition.height()) - ratio(w, h)).abs() / ratio(w, h) < 0.02);
        assert_eq!(record.rendition.media_type, MediaType::Jpeg);
    }
    assert_eq!(jpeg_scale(4000, 2048), 2);
    assert_eq!(jpeg_scale(3000, 2048), 1);
    assert_eq!(jpeg_scale(12_000, 2048), 4);
}

#[test]
fn exif_orientation_6_is_applied_to_the_rendition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    // Stored landscape, left half red; orientation 6 means "rotate 90 degrees clockwise to view".
    let bytes = with_exif(&jpeg(&halves(64, 32)), &exif_orientation(6, b"test"));
    let record = ing.ingest(&bytes, any_meta(), None).expect("ingest");
    assert_eq!((record.width, record.height), (32, 64));
    let r = decode_jpeg(&ing.blobs().read_verified(&record.rendition.sha256).expect("rendition"));
    assert_eq!((r.width(), r.height()), (32, 64));
    let top = r.get_pixel(16, 8).0;
    let bottom = r.get_pixel(16, 56).0;
    assert!(top[0] > 180 && top[2] < 80, "top should be red after rotation: {top:?}");
    assert!(bottom[2] > 180 && bottom[0] < 80, "bottom should be blue after rotation: {bottom:?}");
    let t = decode_jpeg(&ing.blobs().read_verified(&record.thumbnail.sha256).expect("thumbnail"));
    assert_eq!((t.width(), t.height()), (32, 64));
}

#[test]
fn derived_files_carry_no_exif_or_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let bytes = with_exif(&jpeg(&photo(800, 600)), &exif_orientation(1, b"GPS 30.2741N 120.1551E SECRET"));
    let record = ing.ingest(&bytes, any_meta(), None).expect("ingest");
    let original = ing.blobs().read_verified(&record.original.sha256).expect("original");
    assert!(contains(&original, b"SECRET"), "the original keeps its EXIF untouched");
    for blob in [record.rendition.sha256, record.thumbnail.sha256] {
        let derived = ing.blobs().read_verified(&blob).expect("derived");
        assert!(!contains(&derived, b"Exif") && !contains(&derived, b"SECRET"));
        assert!(!derived.windows(2).any(|w| w == [0xFF, 0xE1]), "no APP1 segment");
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn huge_or_broken_exif_is_tolerated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let base = jpeg(&halves(64, 32));
    // An IFD claiming 65,535 entries, padded to the largest APP1 segment possible.
    let mut huge = b"II*\0".to_vec();
    huge.extend_from_slice(&8u32.to_le_bytes());
    huge.extend_from_slice(&0xFFFFu16.to_le_bytes());
    huge.resize(65_000, 0xAB);
    // Orientation pointing outside the block, and a TIFF header that lies about its byte order.
    let mut bad_offset = exif_orientation(6, b"x");
    bad_offset[4..8].copy_from_slice(&60_000u32.to_le_bytes());
    let wrong_order = b"XX*\0\x08\0\0\0".to_vec();
    for tiff in [huge, bad_offset, wrong_order, Vec::new()] {
        let record = ing.ingest(&with_exif(&base, &tiff), any_meta(), None).expect("EXIF problems cost nothing");
        assert_eq!((record.width, record.height), (64, 32), "unreadable orientation means upright");
    }
}

#[test]
fn watermark_goes_on_the_rendition_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let bytes = jpeg(&photo(1600, 1200));
    let plain = ing.ingest(&bytes, any_meta(), None).expect("plain");
    let mark = Watermark {
        time: t0().with_timezone(&FixedOffset::east_opt(8 * 3600).expect("offset")),
        fix: Some(GeoFix { lat: 30.2741, lon: 120.1551, accuracy_m: 8.0 }),
        place: "No. 8 Binjiang Road".into(),
        enterprise: "Hangzhou Example Chemical Co".into(),
        officer: "Officer 0042".into(),
    };
    assert_eq!(mark.lines()[0], "2026-11-29 06:30:00 +08:00");
    let marked = ing.ingest(&bytes, any_meta(), Some(&mark)).expect("marked");
    assert!(marked.watermarked && !plain.watermarked);
    assert_eq!(marked.original, plain.original, "the original is never touched");
    assert_eq!(marked.thumbnail, plain.thumbnail, "the thumbnail is made from clean pixels");
    assert_ne!(marked.rendition, plain.rendition);
    let a = decode_jpeg(&ing.blobs().read_verified(&plain.rendition.sha256).expect("plain rendition"));
    let b = decode_jpeg(&ing.blobs().read_verified(&marked.rendition.sha256).expect("marked rendition"));
    let diff = |y0: u32, y1: u32| -> u64 {
        (y0..y1)
            .flat_map(|y| (0..a.width()).map(move |x| (x, y)))
            .map(|(x, y)| {
                let (p, q) = (a.get_pixel(x, y).0, b.get_pixel(x, y).0);
                (0..3).map(|c| u64::from(p[c].abs_diff(q[c]))).sum::<u64>()
            })
            .sum()
    };
    let h = a.height();
    assert!(diff(h - 40, h) > 100_000, "caption band differs");
    assert!(diff(0, h / 2) < 2_000, "top half untouched");
}

#[test]
fn invalid_fix_is_refused() {
    let mut meta = any_meta();
    meta.fix = Some(GeoFix { lat: 123.0, lon: 0.0, accuracy_m: 5.0 });
    let dir = tempfile::tempdir().expect("tempdir");
    let err = ingestor(dir.path()).ingest(&jpeg(&photo(64, 64)), meta, None).expect_err("refused");
    assert!(matches!(err, EvidenceError::InvalidMetadata { field: "fix", .. }));
}

#[test]
fn png_transparency_and_webp_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let rgba = image::RgbaImage::from_fn(100, 50, |x, _| image::Rgba([0, 0, 0, if x < 50 { 0 } else { 255 }]));
    let mut png = std::io::Cursor::new(Vec::new());
    rgba.write_to(&mut png, ImageFormat::Png).expect("png");
    let record = ing.ingest(png.get_ref(), any_meta(), None).expect("png");
    assert_eq!(record.original.media_type, MediaType::Png);
    let r = decode_jpeg(&ing.blobs().read_verified(&record.rendition.sha256).expect("rendition"));
    assert!(r.get_pixel(10, 25).0[0] > 240, "transparent shows as white");
    assert!(r.get_pixel(90, 25).0[0] < 20);
    let webp = ing.ingest(&encode(&photo(120, 80), ImageFormat::WebP), any_meta(), None).expect("webp");
    assert_eq!(webp.original.media_type, MediaType::Webp);
}

#[test]
fn photo_files_are_ingested_and_crash_leftovers_swept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(&dir.path().join("blobs"));
    let path = dir.path().join("camera.jpg");
    let bytes = jpeg(&photo(300, 200));
    std::fs::write(&path, &bytes).expect("write");
    let record = ing.ingest_file(&path, any_meta(), None).expect("ingest file");
    assert_eq!(record.original.sha256, Digest::of(&bytes));
    // A write cut short by a crash leaves only a temporary file, never a blob under a wrong name.
    std::fs::write(dir.path().join("blobs").join("tmp").join("x.part"), b"half a photo").expect("write");
    assert_eq!(ing.blobs().sweep_tmp().expect("sweep"), 1);
    assert_eq!(stored_files(&dir.path().join("blobs")).len(), 3);
}

#[test]
fn progressive_and_greyscale_jpegs_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    let image = photo(2200, 300);
    let mut progressive = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 85);
    encoder.set_progressive(true);
    encoder.encode(image.as_raw(), 2200, 300, jpeg_encoder::ColorType::Rgb).expect("encode");
    let record = ing.ingest(&progressive, any_meta(), None).expect("progressive");
    assert_eq!((record.rendition_width, record.rendition_height), (2048, 279));
    let grey = image::DynamicImage::ImageRgb8(photo(300, 200)).into_luma8();
    let mut bytes = std::io::Cursor::new(Vec::new());
    grey.write_to(&mut bytes, ImageFormat::Jpeg).expect("grey jpeg");
    let record = ing.ingest(bytes.get_ref(), any_meta(), None).expect("greyscale");
    assert_eq!((record.width, record.height), (300, 200));
}
