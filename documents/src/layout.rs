//! A small flowing layout on A4 pages: a display list of text runs, lines, filled boxes and stroke
//! paths, laid out first (so the page count is known for the footers) and then drawn with krilla.
//! Coordinates are PDF points from the top-left corner, y downwards.

use krilla::Document;
use krilla::SerializeSettings;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke};
use krilla::text::{Font, TextDirection};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
pub const TOP: f32 = 56.0;
/// Lowest y content may reach; the footer sits below.
pub const BOTTOM: f32 = PAGE_H - 60.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

#[derive(Clone, Debug)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        grey: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// Filled rectangles (x, y, w, h) as one path, so that touching ones leave no anti-aliased seam
    /// (a QR code's modules must read as connected regions).
    Rects(Vec<(f32, f32, f32, f32)>),
    /// Polylines (a signature's strokes), already in page coordinates.
    Strokes {
        lines: Vec<Vec<(f32, f32)>>,
        width: f32,
    },
    /// A JPEG drawn into the box at (x, y), `w` × `h` points.
    Jpeg {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        bytes: std::sync::Arc<Vec<u8>>,
    },
}

/// Width of `text` at `size`, estimated per character (CJK full width, Latin about half): good enough
/// for wrapping and centring with the one CJK font the documents use.
pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| char_width(c) * size).sum()
}

fn char_width(c: char) -> f32 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c == 'm' || c == 'w' || c == 'M' || c == 'W' { 0.62 } else { 0.52 }
    } else {
        1.0
    }
}

/// `text` broken into lines no wider than `width` (explicit newlines kept), where Unicode's line-breaking
/// rules allow (UAX #14): no closing punctuation such as `）。；` at the start of a line, no opening one at
/// the end of one, and a code such as `GB 18597-2023` kept whole where it fits. A run wider than a whole
/// line is cut where it must be.
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut start = 0;
        for (end, _) in unicode_linebreak::linebreaks(para) {
            let piece = &para[start..end];
            start = end;
            if !line.is_empty() && text_width(&line, size) + text_width(piece.trim_end(), size) > width {
                lines.push(line.trim_end().to_string());
                line.clear();
            }
            for c in piece.chars() {
                if !line.is_empty() && !c.is_whitespace() && text_width(&line, size) + char_width(c) * size > width {
                    lines.push(line.trim_end().to_string());
                    line.clear();
                }
                line.push(c);
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Pages being filled top to bottom.
pub struct Flow {
    pub pages: Vec<Vec<Op>>,
    pub y: f32,
}

impl Flow {
    pub fn new() -> Self {
        Flow { pages: vec![Vec::new()], y: TOP }
    }

    pub fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.push(Op::Text { x, y, size, text: text.to_string(), grey: false });
    }

    pub fn grey(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.push(Op::Text { x, y, size, text: text.to_string(), grey: true });
    }

    pub fn centred(&mut self, size: f32, text: &str) {
        let x = (PAGE_W - text_width(text, size)) / 2.0;
        self.y += size;
        self.text(x, self.y, size, text);
        self.y += size * 0.4;
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.push(Op::Line { x1, y1, x2, y2, width });
    }

    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.line(x, y, x + w, y, 0.6);
        self.line(x, y + h, x + w, y + h, 0.6);
        self.line(x, y, x, y + h, 0.6);
        self.line(x + w, y, x + w, y + h, 0.6);
    }

    /// A paragraph of wrapped text at the left margin (indented by `indent`).
    pub fn paragraph(&mut self, size: f32, indent: f32, text: &str) {
        let leading = size * 1.5;
        for line in wrap(text, size, CONTENT_W - indent) {
            self.ensure(leading);
            self.y += leading;
            self.text(MARGIN_X + indent, self.y - size * 0.35, size, &line);
        }
    }

    /// One row of a two-column form: a label cell (Chinese, English below in grey) and a value cell with
    /// wrapped text; the row grows with the value and moves whole to the next page when it does not fit
    /// (a value longer than a page is split over pages).
    pub fn form_row(&mut self, zh: &str, en: &str, value: &str) {
        const LABEL_W: f32 = 130.0;
        const SIZE: f32 = 9.5;
        const LEADING: f32 = 14.0;
        let lines = wrap(value, SIZE, CONTENT_W - LABEL_W - 10.0);
        let mut rest: &[String] = &lines;
        let mut first = true;
        while first || !rest.is_empty() {
            let max_lines = (((BOTTOM - TOP) - 12.0) / LEADING) as usize;
            let take = rest.len().min(max_lines).max(1);
            let h = (take as f32 * LEADING + 8.0).max(34.0);
            self.ensure(h);
            let (x, y) = (MARGIN_X, self.y);
            self.frame(x, y, CONTENT_W, h);
            self.line(x + LABEL_W, y, x + LABEL_W, y + h, 0.6);
            self.text(x + 5.0, y + 14.0, 9.5, zh);
            self.grey(x + 5.0, y + 26.0, 6.5, en);
            for (i, line) in rest.iter().take(take).enumerate() {
                self.text(x + LABEL_W + 5.0, y + 14.0 + i as f32 * LEADING, SIZE, line);
            }
            rest = rest.get(take..).unwrap_or(&[]);
            self.y += h;
            first = false;
        }
    }
}

/// Draws the laid-out pages into a PDF with `font`.
pub fn render(pages: &[Vec<Op>], font: &Font, metadata: krilla::metadata::Metadata) -> Result<Vec<u8>, String> {
    // PDF/A-2u: archival, fonts embedded, every glyph mapped to Unicode (so text can be read back);
    // krilla refuses to write a file that breaks it.
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .finish()
        .map_err(|e| format!("PDF/A configuration: {e:?}"))?;
    let mut document = Document::new_with(SerializeSettings { configuration, ..SerializeSettings::default() });
    document.set_metadata(metadata);
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, text, grey } => {
                    let shade = if *grey { 90 } else { 0 };
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(shade, shade, shade).into(),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    surface.set_stroke(None);
                    surface.draw_text(Point::from_xy(*x, *y), font.clone(), *size, text, false, TextDirection::Auto);
                }
                Op::Line { x1, y1, x2, y2, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { width: *width, ..Stroke::default() }));
                        surface.draw_path(&path);
                    }
                }
                Op::Rects(rects) => {
                    let mut pb = PathBuilder::new();
                    for &(x, y, w, h) in rects {
                        pb.move_to(x, y);
                        pb.line_to(x + w, y);
                        pb.line_to(x + w, y + h);
                        pb.line_to(x, y + h);
                        pb.close();
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                        surface.draw_path(&path);
                    }
                }
                Op::Strokes { lines, width } => {
                    let mut pb = PathBuilder::new();
                    for line in lines {
                        let Some((&(x0, y0), rest)) = line.split_first() else { continue };
                        pb.move_to(x0, y0);
                        if rest.is_empty() {
                            // A dot: a tiny segment so that the round cap shows it.
                            pb.line_to(x0 + 0.01, y0);
                        }
                        for &(x, y) in rest {
                            pb.line_to(x, y);
                        }
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(10, 20, 90).into(),
                            width: *width,
                            line_cap: LineCap::Round,
                            line_join: LineJoin::Round,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Jpeg { x, y, w, h, bytes } => {
                    let data: std::sync::Arc<dyn AsRef<[u8]> + Send + Sync> = bytes.clone();
                    // PDF/A forbids asking the viewer to interpolate.
                    let image = Image::from_jpeg(data.into(), false)?;
                    if let Some(size) = Size::from_wh(*w, *h) {
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image, size);
                        surface.pop();
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::{text_width, wrap};

    const TEXT: &str = "1. [HW-01] 贮存设施/场所设置危险废物贮存设施标志：否（现场发现贮存间地面有渗漏痕迹）。依据：GB \
                        18597-2023 §4.6；HJ 1276-2022；固废法 art.77, art.112(一)\n问题1（一般）：HW-01：贮存设施。\
                        违反：GB 18597-2023 §4.6；标签尺寸符合容积分档(≤50L 100×100mm；50–450L 150×150mm；≥450L \
                        200×200mm，>450L相对两面设置)";

    #[test]
    fn lines_fit_and_break_only_where_chinese_and_latin_text_may_break() {
        for width in (120..=480).step_by(7).map(|w| w as f32) {
            let lines = wrap(TEXT, 10.0, width);
            for line in &lines {
                assert!(text_width(line, 10.0) <= width, "{width}: {line:?} is too wide");
                let first = line.chars().next();
                assert!(!matches!(first, Some('）' | '。' | '；' | '，' | '：' | '、' | ')')), "{width}: {line:?}");
                assert!(!matches!(line.chars().last(), Some('（' | '(')), "{width}: {line:?}");
            }
            let joined: String = lines.concat().split_whitespace().collect();
            assert_eq!(joined, TEXT.split_whitespace().collect::<String>(), "{width}: nothing is lost or added");
            assert!(lines.iter().any(|l| l.contains("18597-2023")), "{width}: the standard's number stays whole");
        }
    }

    #[test]
    fn a_run_wider_than_a_line_is_cut_to_fit() {
        let code = "96b8186aa8c7fce5c47b516facb3cb1c97a83d6f209355010d648c4e925d4d98";
        let lines = wrap(code, 10.0, 100.0);
        assert!(lines.len() > 1 && lines.iter().all(|l| text_width(l, 10.0) <= 100.0), "{lines:?}");
        assert_eq!(lines.concat(), code);
    }
}
