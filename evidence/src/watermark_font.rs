//! The outline font the app supplies for watermarks (Android: a CJK font under `/system/fonts`, iOS:
//! PingFang), rasterised in pure Rust by `ab_glyph`. Loaded once and shared by every ingest; glyph
//! outlines are parsed lazily, so a large CJK collection costs its file size in memory and nothing
//! per photo beyond the glyphs drawn.

use super::error::EvidenceError;
use ab_glyph::{Font, FontArc, FontVec, GlyphId};
use std::io::Read;
use std::path::Path;

/// Largest font file accepted (Noto Sans CJK collections are about 20-30 MB).
pub const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// A parsed TrueType/OpenType font (or one face of a `.ttc` collection); cheap to clone.
#[derive(Clone)]
pub struct WatermarkFont {
    font: FontArc,
}

impl std::fmt::Debug for WatermarkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatermarkFont").field("glyphs", &self.font.glyph_count()).finish()
    }
}

impl WatermarkFont {
    /// Parses font bytes; `index` picks the face of a collection (`.ttc`), 0 for a single font.
    pub fn from_bytes(bytes: Vec<u8>, index: u32) -> Result<Self, EvidenceError> {
        if bytes.len() as u64 > MAX_FONT_BYTES {
            return Err(font_error(format!("{} bytes; at most {MAX_FONT_BYTES} are accepted", bytes.len())));
        }
        let font = FontVec::try_from_vec_and_index(bytes, index)
            .map_err(|e| font_error(format!("face {index} is not a usable TrueType/OpenType font: {e}")))?;
        if font.glyph_count() == 0 {
            return Err(font_error("the font has no glyphs".into()));
        }
        Ok(Self { font: FontArc::new(font) })
    }

    /// Reads and parses a font file (size checked before it is read).
    pub fn from_file(path: &Path, index: u32) -> Result<Self, EvidenceError> {
        let file = std::fs::File::open(path).map_err(|e| EvidenceError::io(path, e))?;
        let len = file.metadata().map_err(|e| EvidenceError::io(path, e))?.len();
        if len > MAX_FONT_BYTES {
            return Err(font_error(format!(
                "{} is {len} bytes; at most {MAX_FONT_BYTES} are accepted",
                path.display()
            )));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(MAX_FONT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| EvidenceError::io(path, e))?;
        Self::from_bytes(bytes, index)
    }

    /// The glyph for `c`, if the font has one (glyph 0 is the font's "missing" box).
    pub(crate) fn glyph(&self, c: char) -> Option<GlyphId> {
        let id = self.font.glyph_id(c);
        (id.0 != 0).then_some(id)
    }

    /// Whether the font can draw `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    pub(crate) fn font(&self) -> &FontArc {
        &self.font
    }
}

fn font_error(reason: String) -> EvidenceError {
    EvidenceError::Font { reason }
}
