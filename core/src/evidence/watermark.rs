//! The on-photo caption enforcement photo apps show (time, place, enterprise, officer), drawn on the
//! rendition only; the original is never touched.

use super::font::{GLYPH_H, GLYPH_W, glyph};
use super::pixels::Rgb;
use crate::domain::geo::GeoFix;
use chrono::{DateTime, FixedOffset};

/// What to write on the rendition.
#[derive(Clone, Debug, PartialEq)]
pub struct Watermark {
    /// Capture time in the officer's local offset.
    pub time: DateTime<FixedOffset>,
    pub fix: Option<GeoFix>,
    /// Free-text place (e.g. an address); non-ASCII characters show as '?' (no CJK glyphs yet).
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

/// Draws the caption in white on a darkened band along the bottom edge.
pub fn draw(image: &mut Rgb, mark: &Watermark) {
    let lines = mark.lines();
    // Text about 1/80 of the long edge high, at least one font pixel per image pixel.
    let s = (image.long_edge() / 600).max(1);
    let (cell_w, line_h, pad) = ((GLYPH_W + 1) * s, (GLYPH_H + 2) * s, 2 * s);
    let band_h = (lines.len() as u32 * line_h + 2 * pad).min(image.height);
    let top = image.height - band_h;
    let width = image.width as usize;
    for y in top..image.height {
        let row = &mut image.data[y as usize * width * 3..(y as usize + 1) * width * 3];
        for v in row.iter_mut() {
            *v = (u16::from(*v) * 2 / 5) as u8;
        }
    }
    let max_chars = (image.width.saturating_sub(2 * pad) / cell_w) as usize;
    for (i, line) in lines.iter().enumerate() {
        let y0 = top + pad + i as u32 * line_h;
        for (j, c) in line.chars().take(max_chars).enumerate() {
            let x0 = pad + j as u32 * cell_w;
            for (gy, bits) in glyph(c).iter().enumerate() {
                for gx in 0..GLYPH_W {
                    if bits & (0x10 >> gx) != 0 {
                        fill(image, x0 + gx * s, y0 + gy as u32 * s, s);
                    }
                }
            }
        }
    }
}

fn fill(image: &mut Rgb, x0: u32, y0: u32, s: u32) {
    for y in y0..(y0 + s).min(image.height) {
        for x in x0..(x0 + s).min(image.width) {
            let i = (y as usize * image.width as usize + x as usize) * 3;
            image.data[i..i + 3].copy_from_slice(&[255, 255, 255]);
        }
    }
}
