//! Watermarks in Chinese: drawn with a real CJK font (Debian's `fonts-wqy-microhei`, installed by
//! scripts/test.sh; `FIELDCHECK_TEST_CJK_FONT` may name another font file), with the built-in font as
//! fallback, and every character no font has reported, never dropped. The original is never touched.
//!
//! Without a CJK font these tests fail (they do not skip): the font is part of the test setup.

use crate::evidence_common;

use chrono::FixedOffset;
use evidence_common::*;
use fieldcheck_core::evidence::pixels::Rgb;
use fieldcheck_core::evidence::watermark::{Caption, GlyphBox, draw};
use fieldcheck_core::evidence::{EvidenceError, Watermark, WatermarkFont};
use std::path::PathBuf;

/// Where Debian's CJK font packages put their fonts.
const KNOWN_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

fn cjk_font_path() -> PathBuf {
    if let Some(path) = std::env::var_os("FIELDCHECK_TEST_CJK_FONT") {
        return PathBuf::from(path);
    }
    KNOWN_FONTS.iter().map(PathBuf::from).find(|p| p.exists()).unwrap_or_else(|| {
        panic!(
            "no CJK font found (looked for {KNOWN_FONTS:?}): install Debian's fonts-wqy-microhei \
             (scripts/test.sh does) or set FIELDCHECK_TEST_CJK_FONT to a font file"
        )
    })
}

fn cjk_font() -> WatermarkFont {
    let path = cjk_font_path();
    WatermarkFont::from_file(&path, 0).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mark(enterprise: &str) -> Watermark {
    Watermark {
        time: t0().with_timezone(&FixedOffset::east_opt(8 * 3600).expect("offset")),
        fix: None,
        place: String::new(),
        enterprise: enterprise.into(),
        officer: String::new(),
    }
}

/// A bright (or dark) image with a little texture.
fn canvas(width: u32, height: u32, base: u8) -> Rgb {
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            let t = ((x * 7 + y * 3) % 16) as u8;
            data.extend_from_slice(&[base.saturating_sub(t), base.saturating_sub(t / 2), base.saturating_sub(t)]);
        }
    }
    Rgb { width, height, data }
}

/// Pixels inside `b` brighter than any the darkened band can have: white text.
fn ink(img: &Rgb, b: &GlyphBox) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for y in b.top..b.bottom {
        for x in b.x0..b.x1 {
            if img.get(x, y).iter().all(|&v| v > 160) {
                out.push((x - b.x0, y - b.top));
            }
        }
    }
    out
}

fn boxes<'a>(caption: &'a Caption, text: &str) -> Vec<&'a GlyphBox> {
    let chars: Vec<char> = text.chars().collect();
    let all = &caption.glyphs;
    let start = all
        .windows(chars.len())
        .position(|w| w.iter().map(|g| g.c).eq(chars.iter().copied()))
        .unwrap_or_else(|| panic!("{text} was not laid out"));
    all[start..start + chars.len()].iter().collect()
}

#[test]
fn chinese_enterprise_name_is_drawn_with_the_apps_font() {
    let font = cjk_font();
    assert!(font.has_glyph('企') && font.has_glyph('称'));
    let before = canvas(1600, 1200, 250);
    let mut img = before.clone();
    let caption = draw(&mut img, &mark("企业名称"), Some(&font));
    assert!(caption.gaps.is_empty(), "every character had a glyph: {:?}", caption.gaps);
    let cells = boxes(&caption, "企业名称");
    let mut shapes = Vec::new();
    for cell in &cells {
        let dots = ink(&img, cell);
        let area = (cell.x1 - cell.x0) * (cell.bottom - cell.top);
        assert!(dots.len() as u32 > area / 20, "{} has ink where it is drawn: {} of {area}", cell.c, dots.len());
        shapes.push(dots);
    }
    // Four different characters, four different shapes (a '?' fallback would draw one shape four times).
    for i in 0..shapes.len() {
        for j in i + 1..shapes.len() {
            assert_ne!(shapes[i], shapes[j], "{} and {} look alike", cells[i].c, cells[j].c);
        }
    }
    // No ink to the right of the text on its line, and none above the band.
    let last = cells[3];
    let after = GlyphBox { x0: last.x1 + 4, x1: img.width, ..*last };
    assert!(ink(&img, &after).is_empty(), "ink only where the text is");
    assert_eq!(img.data[..caption.band_top as usize * 1600 * 3], before.data[..caption.band_top as usize * 1600 * 3]);
    // Legible on a bright photo: the band behind the text is dark.
    let gap = GlyphBox { x0: last.x1 + 4, x1: img.width - 4, ..*last };
    let band: Vec<u32> = (gap.top..gap.bottom)
        .flat_map(|y| (gap.x0..gap.x1).map(move |x| (x, y)))
        .map(|(x, y)| img.get(x, y).iter().map(|&v| u32::from(v)).sum::<u32>() / 3)
        .collect();
    assert!(band.iter().all(|&v| v < 100), "the band darkens a white sky");
}

#[test]
fn text_is_legible_on_a_dark_photo_too() {
    let font = cjk_font();
    let mut img = canvas(1200, 900, 12);
    let caption = draw(&mut img, &mark("企业名称"), Some(&font));
    for cell in boxes(&caption, "企业名称") {
        assert!(!ink(&img, cell).is_empty(), "{} shows white on a dark photo", cell.c);
    }
}

#[test]
fn without_a_font_chinese_is_reported_and_drawn_as_question_marks() {
    let mut img = canvas(1600, 1200, 250);
    let caption = draw(&mut img, &mark("企业名称 ABC"), None);
    assert_eq!(caption.gaps.missing_glyphs, vec!['企', '业', '名', '称']);
    for cell in boxes(&caption, "企业名称 ABC") {
        if cell.c != ' ' {
            assert!(!ink(&img, cell).is_empty(), "{} is drawn, not dropped", cell.c);
        }
    }
}

#[test]
fn a_character_the_font_lacks_falls_back_and_is_reported() {
    let font = cjk_font();
    let crab = '\u{1F980}';
    assert!(!font.has_glyph(crab), "the test needs a character the font lacks");
    let mut img = canvas(1600, 1200, 128);
    let caption = draw(&mut img, &mark(&format!("企业{crab}名称")), Some(&font));
    assert_eq!(caption.gaps.missing_glyphs, vec![crab]);
    let cells = boxes(&caption, &format!("企业{crab}名称"));
    assert!(!ink(&img, cells[2]).is_empty(), "the missing character is marked, not dropped");
}

#[test]
fn long_lines_wrap_and_nothing_is_cut() {
    let font = cjk_font();
    let name = "浙江省金华市永康市经济开发区示例化工有限公司第二分厂危险废物贮存库";
    let mut img = canvas(320, 240, 200);
    let caption = draw(&mut img, &mark(name), Some(&font));
    assert!(caption.gaps.is_empty(), "{:?}", caption.gaps);
    let cells = boxes(&caption, name);
    assert!(cells.last().map(|c| c.line) > cells.first().map(|c| c.line), "the name wrapped");
    assert!(cells.iter().all(|c| c.x1 <= img.width), "every character inside the image");
}

#[test]
fn text_taller_than_the_photo_is_reported_as_cut() {
    let font = cjk_font();
    let name = "企业名称".repeat(200);
    let mut img = canvas(64, 48, 200);
    let caption = draw(&mut img, &mark(&name), Some(&font));
    assert!(caption.gaps.lines_cut > 0, "lines that did not fit are reported");
}

#[test]
fn ingest_draws_chinese_on_the_rendition_and_leaves_the_original_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(dir.path());
    ing.set_font(cjk_font());
    let bytes = jpeg(&photo(1600, 1200));
    let plain = ing.ingest(&bytes, any_meta(), None).expect("plain");
    let marked = ing.ingest(&bytes, any_meta(), Some(&mark("企业名称"))).expect("marked");
    assert!(marked.watermarked && marked.watermark_gaps.is_empty(), "{:?}", marked.watermark_gaps);
    assert_eq!(marked.original, plain.original);
    let original = ing.blobs().read_verified(&marked.original.sha256).expect("original");
    assert_eq!(original, bytes, "the original is stored byte for byte");
    assert_eq!(marked.thumbnail, plain.thumbnail, "the thumbnail is made from clean pixels");
    assert_ne!(marked.rendition, plain.rendition);

    // Without the font, the record says which characters could not be drawn.
    let bare = ingestor(dir.path());
    let record = bare.ingest(&bytes, any_meta(), Some(&mark("企业名称"))).expect("bare");
    assert_eq!(record.watermark_gaps.missing_glyphs, vec!['企', '业', '名', '称']);
    let json = serde_json::to_string(&record).expect("json");
    let back: fieldcheck_core::evidence::EvidenceRecord = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back.watermark_gaps, record.watermark_gaps);
}

#[test]
fn a_bad_font_is_a_typed_error() {
    let err = WatermarkFont::from_bytes(b"not a font at all".to_vec(), 0).expect_err("refused");
    assert!(matches!(err, EvidenceError::Font { .. }), "{err}");
    let bytes = std::fs::read(cjk_font_path()).expect("font");
    let err = WatermarkFont::from_bytes(bytes[..bytes.len() / 50].to_vec(), 0);
    // A cut font may parse its header; it must then draw without panicking.
    if let Ok(font) = err {
        let mut img = canvas(200, 100, 100);
        draw(&mut img, &mark("企业名称"), Some(&font));
    }
    assert!(WatermarkFont::from_bytes(bytes, 99).is_err(), "no face 99 in the collection");
    let missing = std::env::temp_dir().join("fieldcheck-no-such-font.ttf");
    assert!(matches!(WatermarkFont::from_file(&missing, 0), Err(EvidenceError::Io { .. })));
}
