//! A [`Document`] as an Excel workbook (rust_xlsxwriter): the first sheet is the
//! document itself (header block, title, the body tables, notes, Nơi nhận and the
//! signature block); each annex is a sheet of its own whose table heading starts at
//! [`ANNEX_TABLE_ROW`]. Every sheet prints on A4, fitted to the page width, with its
//! table heading repeated on each printed page.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::{Cell, Document, MOTTO, NATIONAL_TITLE, Section, Table};
use crate::error::ApiError;

/// The row (from 0) of an annex sheet's table heading: under the annex title, its
/// subject line and a blank row.
pub const ANNEX_TABLE_ROW: u32 = 3;

/// Excel's paper size code for A4.
const A4: u8 = 9;

fn err(e: XlsxError) -> ApiError {
    ApiError::Internal(anyhow::Error::from(e))
}

/// The workbook's bytes.
pub fn workbook(doc: &Document) -> Result<Vec<u8>, ApiError> {
    let mut wb = Workbook::new();
    let styles = Styles::new();
    main_sheet(&mut wb, doc, &styles).map_err(err)?;
    for (n, annex) in (1u32..).zip(&doc.annexes) {
        annex_sheet(&mut wb, doc, n, annex, &styles).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

struct Styles {
    plain: Format,
    bold: Format,
    centre: Format,
    centre_bold: Format,
    title: Format,
    wrap: Format,
    heading: Format,
    text: Format,
    int: Format,
    decimal: Format,
    date: Format,
    moment: Format,
}

impl Styles {
    fn new() -> Self {
        let font = Format::new()
            .set_font_name("Times New Roman")
            .set_font_size(12);
        let cell = font
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        Self {
            plain: font.clone(),
            bold: font.clone().set_bold(),
            centre: font.clone().set_align(FormatAlign::Center),
            centre_bold: font.clone().set_bold().set_align(FormatAlign::Center),
            title: font
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_align(FormatAlign::Center),
            wrap: font.set_text_wrap().set_align(FormatAlign::Top),
            heading: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            text: cell.clone().set_text_wrap(),
            // Excel shows the separators of the reader's locale: `.` in Vietnamese.
            int: cell.clone().set_num_format("#,##0"),
            decimal: cell.clone().set_num_format("#,##0.00"),
            date: cell.clone().set_num_format("dd/mm/yyyy"),
            moment: cell.set_num_format("dd/mm/yyyy hh:mm:ss"),
        }
    }
}

fn page_setup(ws: &mut Worksheet, doc: &Document) -> Result<(), XlsxError> {
    ws.set_paper_size(A4);
    if doc.landscape {
        ws.set_landscape();
    }
    // One page wide, as many long as needed.
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    // Left 3 cm for binding, the rest 2 cm (Nghị định 30/2020, Phụ lục I).
    ws.set_margins(1.18, 0.59, 0.79, 0.79, 0.3, 0.3);
    ws.set_footer("&CTrang &P/&N");
    for (col, width) in (0u16..).zip(column_widths(doc)) {
        ws.set_column_width(col, width)?;
    }
    Ok(())
}

/// The widest of the body tables' columns, so every body table fits the sheet.
fn column_widths(doc: &Document) -> Vec<f64> {
    let mut widths: Vec<f64> = Vec::new();
    for t in doc.body.iter().map(|s| &s.table) {
        for (i, c) in t.columns.iter().enumerate() {
            match widths.get_mut(i) {
                Some(w) => *w = w.max(c.width),
                None => widths.push(c.width),
            }
        }
    }
    while widths.len() < 4 {
        widths.push(14.0);
    }
    widths
}

/// The last column of the header block's left part: the one whose edge is nearest
/// to two fifths of the width, so Quốc hiệu has room on the right.
fn header_split(widths: &[f64]) -> u16 {
    let total: f64 = widths.iter().sum();
    let mut edge = 0.0;
    let mut best = (f64::MAX, 0u16);
    for (col, w) in (0u16..).zip(widths.iter().take(widths.len().saturating_sub(1))) {
        edge += w;
        let off = (edge / total - 0.42).abs();
        if off < best.0 {
            best = (off, col);
        }
    }
    best.1
}

/// Writes `text` across columns `first..=last` of a row.
fn span(
    ws: &mut Worksheet,
    row: u32,
    first: u16,
    last: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if last > first {
        ws.merge_range(row, first, row, last, text, format)?;
    } else {
        ws.write_string_with_format(row, first, text, format)?;
    }
    Ok(())
}

fn main_sheet(wb: &mut Workbook, doc: &Document, st: &Styles) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(&doc.sheet)?;
    page_setup(ws, doc)?;
    let widths = column_widths(doc);
    let cols = u16::try_from(widths.len()).unwrap_or(4);
    let last = cols - 1;
    // The header block: the issuing body on the left, Quốc hiệu on the right.
    let mid = header_split(&widths);
    let s = &doc.settings;
    let (number, date) = (s.number_line(&doc.kind), s.date_line(doc.drawn_up));
    let left = [
        (s.superior_body.as_str(), &st.centre),
        (s.issuing_body.as_str(), &st.centre_bold),
        ("", &st.centre),
        (number.as_str(), &st.centre),
    ];
    let right = [
        (NATIONAL_TITLE, &st.centre_bold),
        (MOTTO, &st.centre_bold),
        ("", &st.centre),
        (date.as_str(), &st.centre),
    ];
    for (row, ((l, lf), (r, rf))) in (0u32..).zip(left.iter().zip(right.iter())) {
        span(ws, row, 0, mid, l, lf)?;
        span(ws, row, mid + 1, last, r, rf)?;
    }
    let mut row = 5;
    span(ws, row, 0, last, &doc.title, &st.title)?;
    row += 1;
    for line in &doc.subject {
        span(ws, row, 0, last, line, &st.centre_bold)?;
        row += 1;
    }
    row += 1;
    for section in &doc.body {
        span(ws, row, 0, last, &section.title, &st.bold)?;
        row += 1;
        row = table(ws, row, &section.table, st)?;
        row = remark(ws, row, last, section, st)?;
        row += 1;
    }
    if !doc.notes.is_empty() {
        span(ws, row, 0, last, "Ghi chú về phương pháp:", &st.bold)?;
        row += 1;
        for note in &doc.notes {
            span(ws, row, 0, last, &format!("- {note}"), &st.wrap)?;
            ws.set_row_height(row, 15.0 * lines_needed(note, widths.iter().sum()))?;
            row += 1;
        }
        row += 1;
    }
    // Nơi nhận on the left, the signature block on the right.
    let first = row;
    ws.write_string_with_format(row, 0, "Nơi nhận:", &st.bold)?;
    for r in &doc.recipients {
        row += 1;
        span(ws, row, 0, mid, &format!("- {r};"), &st.plain)?;
    }
    row += 1;
    span(ws, row, 0, mid, "- Lưu: VT.", &st.plain)?;
    let mut sign = first;
    for t in &s.signer_titles {
        span(ws, sign, mid + 1, last, t, &st.centre_bold)?;
        sign += 1;
    }
    // Room for the signature and the seal.
    sign += 4;
    span(ws, sign, mid + 1, last, &s.signer_name, &st.centre_bold)?;
    Ok(())
}

/// Lines of a wrapped note over the sheet's width in characters (a rough count).
fn lines_needed(text: &str, width: f64) -> f64 {
    let per_line = width.max(1.0);
    let chars = f64::from(u32::try_from(text.chars().count()).unwrap_or(u32::MAX));
    (chars / per_line).ceil().max(1.0)
}

fn remark(
    ws: &mut Worksheet,
    row: u32,
    last: u16,
    section: &Section,
    st: &Styles,
) -> Result<u32, XlsxError> {
    Ok(match &section.remark {
        Some(r) => {
            span(ws, row, 0, last, r, &st.plain)?;
            row + 1
        }
        None => row,
    })
}

fn annex_sheet(
    wb: &mut Workbook,
    doc: &Document,
    n: u32,
    annex: &Section,
    st: &Styles,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(&annex.sheet)?;
    let one = Document {
        body: vec![annex.clone()],
        ..doc.clone()
    };
    page_setup(ws, &one)?;
    let last = u16::try_from(annex.table.columns.len().max(1) - 1).unwrap_or(0);
    span(
        ws,
        0,
        0,
        last,
        &format!("Phụ lục {n}: {}", annex.title),
        &st.centre_bold,
    )?;
    span(ws, 1, 0, last, &doc.subject.join(" – "), &st.centre)?;
    let end = table(ws, ANNEX_TABLE_ROW, &annex.table, st)?;
    remark(ws, end, last, annex, st)?;
    ws.set_repeat_rows(ANNEX_TABLE_ROW, ANNEX_TABLE_ROW)?;
    ws.set_freeze_panes(ANNEX_TABLE_ROW + 1, 0)?;
    Ok(())
}

/// Writes a table's heading and rows from `row`; returns the row after it.
fn table(ws: &mut Worksheet, mut row: u32, t: &Table, st: &Styles) -> Result<u32, XlsxError> {
    for (col, c) in (0u16..).zip(&t.columns) {
        ws.write_string_with_format(row, col, &c.title, &st.heading)?;
    }
    row += 1;
    for cells in &t.rows {
        for (col, cell) in (0u16..).zip(cells) {
            write_cell(ws, row, col, cell, st)?;
        }
        row += 1;
    }
    Ok(row)
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    st: &Styles,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {
            ws.write_blank(row, col, &st.text)?;
        }
        Cell::Text(s) => {
            ws.write_string_with_format(row, col, s, &st.text)?;
        }
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        Cell::Int(n) => {
            ws.write_number_with_format(row, col, *n as f64, &st.int)?;
        }
        Cell::Decimal(x) => {
            ws.write_number_with_format(row, col, *x, &st.decimal)?;
        }
        Cell::Date(d) => {
            ws.write_datetime_with_format(row, col, excel_date(*d)?, &st.date)?;
        }
        Cell::Moment(t) => {
            ws.write_datetime_with_format(row, col, excel_moment(*t)?, &st.moment)?;
        }
    }
    Ok(())
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or_default(),
        u8::try_from(d.month()).unwrap_or_default(),
        u8::try_from(d.day()).unwrap_or_default(),
    )
}

fn excel_moment(t: NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_timestamp(t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::header_split;

    #[test]
    fn the_header_splits_near_two_fifths() {
        // Phụ lục XIV: number, item, unit, two periods.
        assert_eq!(header_split(&[6.0, 46.0, 22.0, 18.0, 18.0]), 1);
        // The consolidated summary: label and value, padded.
        assert_eq!(header_split(&[42.0, 40.0, 14.0, 14.0]), 0);
    }
}
