//! The on-photo caption enforcement photo apps show (time, place, enterprise, officer), drawn on the
//! rendition only; the original is never touched.
//!
//! Each character is drawn with the app's outline font ([`WatermarkFont`], e.g. a CJK system font)
//! when it has a glyph, else with the built-in bitmap font (ASCII); a character neither has is drawn
//! as '?' and listed in [`WatermarkGaps`], never dropped silently. Lines wider than the photo wrap.
//! The text sits on a darkened band along the bottom edge, so white text reads on bright and dark
//! photos alike.

use super::font::{GLYPH_H, GLYPH_W, MISSING, glyph};
use super::pixels::Rgb;
use super::watermark_font::WatermarkFont;
use ab_glyph::{Font, GlyphId, PxScale, ScaleFont, point};
use chrono::{DateTime, FixedOffset};
use fieldcheck_domain::geo::GeoFix;
use serde::{Deserialize, Serialize};

/// What to write on the rendition.
#[derive(Clone, Debug, PartialEq)]
pub struct Watermark {
    /// Capture time in the officer's local offset.
    pub time: DateTime<FixedOffset>,
    pub fix: Option<GeoFix>,
    /// Free-text place (e.g. an address); Chinese needs the app's font (`Ingestor::set_font`).
    pub place: String,
    pub enterprise: String,
    pub officer: String,
}

impl Watermark {
    /// The caption, one string per line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.time.format("%Y-%m-%d %H:%M:%S %:z").to_string()];
        if let Some(fix) = &self.fix {
            let ns = if fix.lat >= 0.0 { 'N' } else { 'S' };
            let ew = if fix.lon >= 0.0 { 'E' } else { 'W' };
            lines.push(format!("{:.6}{ns} {:.6}{ew} +-{:.0}M", fix.lat.abs(), fix.lon.abs(), fix.accuracy_m));
        }
        for text in [&self.place, &self.enterprise, &self.officer] {
            if !text.trim().is_empty() {
                lines.push(text.trim().to_owned());
            }
        }
        lines
    }
}

/// What the watermark could not show as asked. Empty when every character was drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WatermarkGaps {
    /// Characters no font had a glyph for, each once, in order of appearance; drawn as '?'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_glyphs: Vec<char>,
    /// Wrapped lines left out because the photo is not tall enough for them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lines_cut: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl WatermarkGaps {
    /// Whether everything was drawn.
    pub fn is_empty(&self) -> bool {
        self.missing_glyphs.is_empty() && self.lines_cut == 0
    }
}

/// Where one drawn character landed, in rendition pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlyphBox {
    pub c: char,
    /// Index of the (wrapped) line.
    pub line: u32,
    pub x0: u32,
    pub x1: u32,
    pub top: u32,
    pub bottom: u32,
}

/// What [`draw`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Caption {
    pub gaps: WatermarkGaps,
    /// First row of the darkened band.
    pub band_top: u32,
    /// Each drawn character's cell (spaces included).
    pub glyphs: Vec<GlyphBox>,
}

/// How one character is drawn.
#[derive(Clone, Copy)]
enum Ink {
    Outline(GlyphId),
    Bitmap([u8; 7]),
    Space,
}

/// Sizes for one image.
struct Metrics<'a> {
    font: Option<&'a WatermarkFont>,
    scale: PxScale,
    /// Baseline below a line's top.
    ascent: f32,
    line_height: f32,
    /// Image pixels per bitmap-font pixel.
    dot: u32,
}

impl<'a> Metrics<'a> {
    fn new(font: Option<&'a WatermarkFont>, size: f32) -> Self {
        let dot = ((size / (GLYPH_H + 2) as f32).round() as u32).max(1);
        let (ascent, height) = match font {
            Some(f) => {
                let scaled = f.font().as_scaled(PxScale::from(size));
                (scaled.ascent(), scaled.ascent() - scaled.descent())
            }
            None => (size * 0.8, size),
        };
        // Room for the bitmap font's 7 rows above the baseline too, whichever font is used.
        let ascent = ascent.max((GLYPH_H * dot) as f32).ceil();
        let line_height = (height.max((GLYPH_H * dot) as f32) * 1.2).ceil().max(1.0);
        Metrics { font, scale: PxScale::from(size), ascent, line_height, dot }
    }

    fn bitmap_advance(&self) -> f32 {
        ((GLYPH_W + 1) * self.dot) as f32
    }

    /// How `c` is drawn and how far it advances; notes characters no font has.
    fn ink(&self, c: char, gaps: &mut WatermarkGaps) -> (Ink, f32) {
        if let Some(font) = self.font {
            let scaled = font.font().as_scaled(self.scale);
            if c.is_whitespace() {
                return (Ink::Space, scaled.h_advance(font.font().glyph_id(' ')).max(self.bitmap_advance() / 2.0));
            }
            if let Some(id) = font.glyph(c) {
                return (Ink::Outline(id), scaled.h_advance(id));
            }
        } else if c.is_whitespace() {
            return (Ink::Space, self.bitmap_advance());
        }
        match glyph(c) {
            Some(rows) => (Ink::Bitmap(rows), self.bitmap_advance()),
            None => {
                if !gaps.missing_glyphs.contains(&c) {
                    gaps.missing_glyphs.push(c);
                }
                (Ink::Bitmap(MISSING), self.bitmap_advance())
            }
        }
    }
}

/// One laid-out character.
struct Placed {
    c: char,
    ink: Ink,
    x: f32,
    advance: f32,
}

/// Draws the caption in white on a darkened band along the bottom edge, with `font` where it has the
/// glyph. Returns what could not be drawn and where each character went.
pub fn draw(image: &mut Rgb, mark: &Watermark, font: Option<&WatermarkFont>) -> Caption {
    // Text about 1/64 of the long edge high (32 px on a 2048 px rendition), never below 12 px.
    let size = (image.long_edge() as f32 / 64.0).max(12.0);
    let metrics = Metrics::new(font, size);
    let pad = (size / 3.0).ceil() as u32;
    let max_width = image.width.saturating_sub(2 * pad) as f32;
    let mut gaps = WatermarkGaps::default();
    let mut rows: Vec<Vec<Placed>> = Vec::new();
    for line in mark.lines() {
        let mut row = Vec::new();
        let mut x = 0.0;
        for c in line.chars() {
            let (ink, advance) = metrics.ink(c, &mut gaps);
            // Wrap rather than cut: a long address or enterprise name continues on the next line.
            if x + advance > max_width && !row.is_empty() {
                rows.push(std::mem::take(&mut row));
                x = 0.0;
            }
            row.push(Placed { c, ink, x, advance });
            x += advance;
        }
        rows.push(row);
    }
    let line_h = metrics.line_height as u32;
    let fit = (image.height.saturating_sub(2 * pad) / line_h.max(1)) as usize;
    if rows.len() > fit {
        gaps.lines_cut = (rows.len() - fit) as u32;
        rows.truncate(fit);
    }
    let band_h = (rows.len() as u32 * line_h + 2 * pad).min(image.height);
    let top = image.height - band_h;
    darken(image, top);
    let mut glyphs = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let line_top = top + pad + i as u32 * line_h;
        let baseline = line_top as f32 + metrics.ascent;
        for p in row {
            let x = pad as f32 + p.x;
            match p.ink {
                Ink::Outline(id) => outline(image, &metrics, id, x, baseline),
                Ink::Bitmap(rows) => bitmap(image, &rows, x.round() as u32, baseline as u32, metrics.dot),
                Ink::Space => {}
            }
            glyphs.push(GlyphBox {
                c: p.c,
                line: i as u32,
                x0: x as u32,
                x1: ((x + p.advance).ceil() as u32).min(image.width),
                top: line_top,
                bottom: (line_top + line_h).min(image.height),
            });
        }
    }
    Caption { gaps, band_top: top, glyphs }
}

/// Darkens rows `top..` to 3/8 of their brightness: white text then has a contrast of at least about
/// 6:1 even over a white sky, and stays clear over dark scenes.
fn darken(image: &mut Rgb, top: u32) {
    let start = top as usize * image.width as usize * 3;
    for v in image.data[start..].iter_mut() {
        *v = (u16::from(*v) * 3 / 8) as u8;
    }
}

fn outline(image: &mut Rgb, metrics: &Metrics<'_>, id: GlyphId, x: f32, baseline: f32) {
    let Some(font) = metrics.font else { return };
    let glyph = id.with_scale_and_position(metrics.scale, point(x, baseline));
    let Some(outlined) = font.font().outline_glyph(glyph) else { return };
    let bounds = outlined.px_bounds();
    let (left, up) = (bounds.min.x.floor() as i64, bounds.min.y.floor() as i64);
    outlined.draw(|gx, gy, coverage| {
        let (px, py) = (left + i64::from(gx), up + i64::from(gy));
        if px >= 0 && py >= 0 && (px as u32) < image.width && (py as u32) < image.height {
            blend_white(image, px as u32, py as u32, coverage);
        }
    });
}

/// Draws a bitmap glyph with its bottom row on `baseline`.
fn bitmap(image: &mut Rgb, rows: &[u8; 7], x0: u32, baseline: u32, dot: u32) {
    let y0 = baseline.saturating_sub(GLYPH_H * dot);
    for (gy, bits) in rows.iter().enumerate() {
        for gx in 0..GLYPH_W {
            if bits & (0x10 >> gx) != 0 {
                for y in y0 + gy as u32 * dot..(y0 + (gy as u32 + 1) * dot).min(image.height) {
                    for x in x0 + gx * dot..(x0 + (gx + 1) * dot).min(image.width) {
                        blend_white(image, x, y, 1.0);
                    }
                }
            }
        }
    }
}

fn blend_white(image: &mut Rgb, x: u32, y: u32, coverage: f32) {
    let a = coverage.clamp(0.0, 1.0);
    let i = (y as usize * image.width as usize + x as usize) * 3;
    for v in &mut image.data[i..i + 3] {
        *v = (f32::from(*v) + (255.0 - f32::from(*v)) * a).round() as u8;
    }
}
