//! A [`Document`] as a PDF (krilla): A4, portrait or landscape, margins of
//! Nghị định 30/2020 (left 30 mm, the others 20 mm), the header block, the title,
//! the body tables (each table's heading repeated on every page it runs onto), notes,
//! Nơi nhận and the signature block, then each annex from a new page, and "Trang n/N"
//! at the foot of each page.
//!
//! The text is set in DejaVu Serif (shipped in `shared/fonts`, licence beside it),
//! which has every Vietnamese letter; krilla embeds only the glyphs used and writes
//! a ToUnicode map, so the text can be searched and copied out of the PDF. Layout is
//! computed first (pages of drawing operations), then drawn, because a page's
//! footer needs the number of pages.

use krilla::Document as Pdf;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use unicode_normalization::UnicodeNormalization;

use super::{Document, MOTTO, NATIONAL_TITLE, Section, Table};
use crate::error::ApiError;

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSerif.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSerif-Bold.ttf");

/// A4 in points.
pub const A4_SHORT: f32 = 595.28;
pub const A4_LONG: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;

const BODY: f32 = 12.0;
const SMALL: f32 = 10.0;
const TABLE: f32 = 9.0;
const PAD: f32 = 3.0;

fn internal(what: &str) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("PDF: {what}"))
}

/// The PDF's bytes.
pub fn document(doc: &Document) -> Result<Vec<u8>, ApiError> {
    let fonts = Fonts::load()?;
    let (width, height) = if doc.landscape {
        (A4_LONG, A4_SHORT)
    } else {
        (A4_SHORT, A4_LONG)
    };
    let mut l = Layout {
        cell: TABLE,
        pages: vec![Vec::new()],
        y: 20.0 * MM,
        left: 30.0 * MM,
        right: width - 20.0 * MM,
        top: 20.0 * MM,
        bottom: height - 20.0 * MM,
    };
    l.header(doc);
    for s in &doc.body {
        l.section(s, true);
    }
    l.notes(&doc.notes);
    l.signature(doc);
    let subject = doc.subject.join(" – ");
    for (n, annex) in (1u32..).zip(&doc.annexes) {
        l.new_page();
        l.centred(&format!("Phụ lục {n}: {}", annex.title), BODY, true);
        l.centred(&subject, SMALL, false);
        l.y += BODY;
        l.section(annex, false);
    }
    draw(doc, &fonts, &l.pages, width, height)
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn load() -> Result<Self, ApiError> {
        Ok(Self {
            regular: Font::new(REGULAR.into(), 0).ok_or_else(|| internal("regular font"))?,
            bold: Font::new(BOLD.into(), 0).ok_or_else(|| internal("bold font"))?,
        })
    }

    fn get(&self, bold: bool) -> &Font {
        if bold { &self.bold } else { &self.regular }
    }
}

/// The advance width of `text` in points (without kerning: a line is laid out a
/// little wider than drawn, never narrower).
fn measure(text: &str, size: f32, bold: bool) -> f32 {
    let Ok(font) = FontRef::new(if bold { BOLD } else { REGULAR }) else {
        return 0.0;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .filter_map(|c| charmap.map(c))
        .filter_map(|g| metrics.advance_width(g))
        .sum()
}

/// Breaks `text` into lines no wider than `width`; a word wider than a line is
/// broken between letters.
fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if measure(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if measure(&line, size, bold) > width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    Rect(f32, f32, f32, f32),
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Centre,
    Right,
}

struct Layout {
    /// The font size of the table being laid out.
    cell: f32,
    pages: Vec<Vec<Op>>,
    /// The top of the next line.
    y: f32,
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
}

impl Layout {
    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    /// Starts a new page unless `height` fits under the current line.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height > self.bottom {
            self.new_page();
            return true;
        }
        false
    }

    /// One line of text between `x0` and `x1`, its top at `y`.
    #[allow(clippy::too_many_arguments)]
    fn text_at(&mut self, text: &str, size: f32, bold: bool, x0: f32, x1: f32, y: f32, a: Align) {
        let w = measure(text, size, bold);
        let x = match a {
            Align::Left => x0,
            Align::Centre => x0 + (x1 - x0 - w) / 2.0,
            Align::Right => x1 - w,
        };
        self.push(Op::Text {
            x,
            y: y + size * 0.95,
            size,
            bold,
            text: text.to_owned(),
        });
    }

    /// A wrapped paragraph between `x0` and `x1` from `y`; returns its height.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &mut self,
        text: &str,
        size: f32,
        bold: bool,
        x0: f32,
        x1: f32,
        y: f32,
        a: Align,
    ) -> f32 {
        let mut h = 0.0;
        for line in wrap(text, size, bold, x1 - x0) {
            self.text_at(&line, size, bold, x0, x1, y + h, a);
            h += size * 1.3;
        }
        h
    }

    /// A wrapped paragraph across the page, moving down.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, a: Align) {
        for line in wrap(text, size, bold, self.right - self.left) {
            self.room(size * 1.3);
            let (x0, x1, y) = (self.left, self.right, self.y);
            self.text_at(&line, size, bold, x0, x1, y, a);
            self.y += size * 1.3;
        }
    }

    fn centred(&mut self, text: &str, size: f32, bold: bool) {
        self.paragraph(text, size, bold, Align::Centre);
    }

    /// A font size at most `size` at which `text` fits `width`.
    fn fit(text: &str, size: f32, bold: bool, width: f32) -> f32 {
        let w = measure(text, size, bold);
        if w <= width { size } else { size * width / w }
    }

    /// Issuing body left, Quốc hiệu right, each underlined; number and date under
    /// them; the title and the subject centred under the block.
    fn header(&mut self, doc: &Document) {
        let s = &doc.settings;
        let split = self.left + (self.right - self.left) * 0.4;
        let (l0, l1, r0, r1) = (self.left, split, split, self.right);
        let y = self.y;
        let lh = BODY * 1.3;
        let sup = Self::fit(&s.superior_body, BODY, false, l1 - l0);
        self.text_at(&s.superior_body, sup, false, l0, l1, y, Align::Centre);
        let body = Self::fit(&s.issuing_body, BODY, true, l1 - l0);
        self.text_at(&s.issuing_body, body, true, l0, l1, y + lh, Align::Centre);
        let mid = (l0 + l1) / 2.0;
        let under = y + 2.0 * lh + 1.0;
        self.push(Op::Line {
            x1: mid - 15.0 * MM,
            y1: under,
            x2: mid + 15.0 * MM,
            y2: under,
        });
        let nat = Self::fit(NATIONAL_TITLE, BODY, true, r1 - r0);
        self.text_at(NATIONAL_TITLE, nat, true, r0, r1, y, Align::Centre);
        let motto = Self::fit(MOTTO, BODY + 1.0, true, r1 - r0);
        self.text_at(MOTTO, motto, true, r0, r1, y + lh, Align::Centre);
        let w = measure(MOTTO, motto, true);
        let mid = (r0 + r1) / 2.0;
        self.push(Op::Line {
            x1: mid - w / 2.0,
            y1: under,
            x2: mid + w / 2.0,
            y2: under,
        });
        let row = y + 2.0 * lh + 8.0;
        self.text_at(
            &s.number_line(&doc.kind),
            BODY,
            false,
            l0,
            l1,
            row,
            Align::Centre,
        );
        let date = s.date_line(doc.drawn_up);
        let size = Self::fit(&date, BODY, false, r1 - r0);
        self.text_at(&date, size, false, r0, r1, row, Align::Centre);
        self.y = row + lh + 18.0;
        self.centred(&doc.title, BODY + 2.0, true);
        for line in &doc.subject {
            self.centred(line, BODY, true);
        }
        self.y += BODY;
    }

    /// A section; an annex's title is already its page's heading.
    fn section(&mut self, s: &Section, titled: bool) {
        self.room(BODY * 1.3 + 4.0 * TABLE * 1.3);
        if titled {
            self.paragraph(&s.title, BODY, true, Align::Left);
            self.y += 3.0;
        }
        self.table(&s.table);
        if let Some(r) = &s.remark {
            self.y += 3.0;
            self.paragraph(r, SMALL, false, Align::Left);
        }
        self.y += BODY;
    }

    /// The column edges: the widths shared out in proportion across the page.
    fn edges(&self, t: &Table) -> Vec<f32> {
        let total: f64 = t.columns.iter().map(|c| c.width).sum();
        let page = self.right - self.left;
        let mut edges = vec![self.left];
        let mut x = self.left;
        for c in &t.columns {
            #[allow(clippy::cast_possible_truncation)] // a share of the page
            let w = (c.width / total.max(1.0)) as f32 * page;
            x += w;
            edges.push(x);
        }
        edges
    }

    /// One row of cells: wraps each, draws the borders; returns nothing, moves down.
    fn row(&mut self, edges: &[f32], cells: &[(String, bool, Align)]) {
        let lines: Vec<Vec<String>> = cells
            .iter()
            .zip(edges.windows(2))
            .map(|((text, bold, _), e)| match e {
                [a, b] => wrap(text, self.cell, *bold, b - a - 2.0 * PAD),
                _ => Vec::new(),
            })
            .collect();
        let most = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        #[allow(clippy::cast_precision_loss)] // a few lines
        let h = most as f32 * self.cell * 1.3 + 2.0 * PAD;
        let y = self.y;
        for ((ls, (_, bold, align)), e) in lines.iter().zip(cells).zip(edges.windows(2)) {
            let [a, b] = e else { continue };
            self.push(Op::Rect(*a, y, b - a, h));
            for (i, line) in (0u16..).zip(ls) {
                let top = y + PAD + f32::from(i) * self.cell * 1.3;
                self.text_at(line, self.cell, *bold, a + PAD, b - PAD, top, *align);
            }
        }
        self.y += h;
    }

    fn table_heading(&mut self, edges: &[f32], t: &Table) {
        let cells: Vec<(String, bool, Align)> = t
            .columns
            .iter()
            .map(|c| (c.title.clone(), true, Align::Centre))
            .collect();
        self.row(edges, &cells);
    }

    fn table(&mut self, t: &Table) {
        if t.columns.is_empty() {
            return;
        }
        // Wide tables in a smaller size, so figures stay on one line.
        self.cell = if t.columns.len() > 10 {
            TABLE - 1.5
        } else {
            TABLE
        };
        let edges = self.edges(t);
        self.table_heading(&edges, t);
        for cells in &t.rows {
            let cells: Vec<(String, bool, Align)> = cells
                .iter()
                .map(|c| {
                    let align = if c.is_figure() {
                        Align::Right
                    } else {
                        Align::Left
                    };
                    (c.shown(), false, align)
                })
                .collect();
            // A row that does not fit goes to the next page, under the heading again.
            let longest = cells
                .iter()
                .zip(edges.windows(2))
                .map(|((text, _, _), e)| match e {
                    [a, b] => wrap(text, self.cell, false, b - a - 2.0 * PAD).len(),
                    _ => 1,
                })
                .max()
                .unwrap_or(1);
            #[allow(clippy::cast_precision_loss)] // a few lines
            let h = longest as f32 * self.cell * 1.3 + 2.0 * PAD;
            if self.room(h) {
                self.table_heading(&edges, t);
            }
            self.row(&edges, &cells);
        }
    }

    fn notes(&mut self, notes: &[String]) {
        if notes.is_empty() {
            return;
        }
        self.room(3.0 * SMALL * 1.3);
        self.paragraph("Ghi chú về phương pháp:", SMALL, true, Align::Left);
        for n in notes {
            self.paragraph(&format!("- {n}"), SMALL, false, Align::Left);
        }
        self.y += BODY;
    }

    /// Nơi nhận on the left, the signer's titles, room to sign and the name on the
    /// right, kept on one page.
    fn signature(&mut self, doc: &Document) {
        let s = &doc.settings;
        let split = self.left + (self.right - self.left) * 0.45;
        let mut recipients: Vec<String> =
            doc.recipients.iter().map(|r| format!("- {r};")).collect();
        recipients.push("- Lưu: VT.".to_owned());
        #[allow(clippy::cast_precision_loss)] // a few lines
        let left_h = (recipients.len() + 1) as f32 * SMALL * 1.4;
        #[allow(clippy::cast_precision_loss)]
        let right_h = (s.signer_titles.len() + 1) as f32 * BODY * 1.3 + 60.0;
        self.room(left_h.max(right_h));
        let y = self.y;
        let (x0, x1) = (self.left, split - 5.0);
        self.text_at("Nơi nhận:", SMALL + 1.0, true, x0, x1, y, Align::Left);
        let mut ly = y + (SMALL + 1.0) * 1.4;
        for r in &recipients {
            ly += self.block(r, SMALL, false, x0, x1, ly, Align::Left);
        }
        let (r0, r1) = (split, self.right);
        let mut ry = y;
        for t in &s.signer_titles {
            self.text_at(t, BODY, true, r0, r1, ry, Align::Centre);
            ry += BODY * 1.3;
        }
        ry += 60.0;
        self.text_at(&s.signer_name, BODY, true, r0, r1, ry, Align::Centre);
        self.y = ly.max(ry + BODY * 1.3);
    }
}

fn draw(
    doc: &Document,
    fonts: &Fonts,
    pages: &[Vec<Op>],
    width: f32,
    height: f32,
) -> Result<Vec<u8>, ApiError> {
    let mut pdf = Pdf::new();
    pdf.set_metadata(
        Metadata::new()
            .title(format!("{} {}", doc.title, doc.subject.join(" ")))
            .language("vi".to_owned())
            .creator(doc.settings.issuing_body.clone()),
    );
    let count = pages.len();
    for (n, ops) in (1usize..).zip(pages) {
        let settings = PageSettings::from_wh(width, height).ok_or_else(|| internal("page size"))?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            draw_op(&mut surface, fonts, op);
        }
        let footer = format!("Trang {n}/{count}");
        let w = measure(&footer, SMALL, false);
        draw_op(
            &mut surface,
            fonts,
            &Op::Text {
                x: (width - w) / 2.0,
                y: height - 10.0 * MM,
                size: SMALL,
                bold: false,
                text: footer,
            },
        );
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| internal(&e.to_string()))
}

fn draw_op(surface: &mut Surface<'_>, fonts: &Fonts, op: &Op) {
    let stroke = || Stroke {
        width: 0.5,
        ..Stroke::default()
    };
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            text,
        } => {
            if text.is_empty() {
                return;
            }
            surface.set_stroke(None);
            surface.set_fill(Some(Fill::default()));
            let text: String = text.nfc().collect();
            surface.draw_text(
                Point::from_xy(*x, *y),
                fonts.get(*bold).clone(),
                *size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line { x1, y1, x2, y2 } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke()));
                surface.draw_path(&path);
            }
        }
        Op::Rect(x, y, w, h) => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke()));
                surface.draw_path(&path);
            }
        }
    }
}
