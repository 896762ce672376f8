//! Documents an officer can sign: a report laid out as a Vietnamese administrative
//! document (thể thức văn bản hành chính, Nghị định 30/2020/NĐ-CP) — issuing body and
//! Quốc hiệu / Tiêu ngữ, number and symbol, place and date, title and period, the
//! tables, notes on method, then Nơi nhận and the signature block — written once here
//! and rendered as a workbook ([`xlsx`]) or a PDF ([`pdf`]) by every service.
//!
//! A service describes its report as a [`Document`]; the layout is not repeated in
//! the services.

pub mod pdf;
pub mod xlsx;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::period::Period;

/// The media type of an `.xlsx` workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of a PDF document.
pub const PDF: &str = "application/pdf";

/// Quốc hiệu.
pub const NATIONAL_TITLE: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// Tiêu ngữ.
pub const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";

/// What a report endpoint answers with: `?format=`, else the first document media
/// type `Accept` names, else JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Json,
    /// The document as an Excel workbook.
    Xlsx,
    /// The document as a PDF, ready to print and sign.
    Pdf,
}

impl ExportFormat {
    pub fn negotiate(req: &HttpRequest, format: Option<ExportFormat>) -> ExportFormat {
        if let Some(f) = format {
            return f;
        }
        req.headers()
            .get_all(header::ACCEPT)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|t| t.split(';').next())
            .find_map(|m| match m.trim() {
                XLSX => Some(ExportFormat::Xlsx),
                PDF => Some(ExportFormat::Pdf),
                _ => None,
            })
            .unwrap_or(ExportFormat::Json)
    }
}

/// The workbook, as sent for `format=xlsx` (an OpenAPI schema only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // a schema only: the handlers send the bytes themselves
pub struct XlsxDocument(Vec<u8>);

/// The PDF, as sent for `format=pdf` (an OpenAPI schema only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // a schema only: the handlers send the bytes themselves
pub struct PdfDocument(Vec<u8>);

/// The document as an attachment: a workbook or a PDF (`None` for JSON, which the
/// endpoint writes itself).
pub fn attachment(doc: &Document, format: ExportFormat) -> Result<Option<HttpResponse>, ApiError> {
    let (bytes, media, extension) = match format {
        ExportFormat::Json => return Ok(None),
        ExportFormat::Xlsx => (xlsx::workbook(doc)?, XLSX, "xlsx"),
        ExportFormat::Pdf => (pdf::document(doc)?, PDF, "pdf"),
    };
    Ok(Some(
        HttpResponse::Ok()
            .content_type(media)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", doc.file_name(extension)),
            ))
            .body(bytes),
    ))
}

/// "Kỳ báo cáo: 6 tháng đầu năm 2025 (từ ngày 01/01/2025 đến ngày 30/06/2025)".
pub fn period_line(period: Period) -> String {
    let name = match period {
        Period::Year(y) => format!("năm {y}"),
        Period::Half(y, 1) => format!("6 tháng đầu năm {y}"),
        Period::Half(y, _) => format!("6 tháng cuối năm {y}"),
    };
    let last = period.end_day().pred_opt().unwrap_or(period.end_day());
    format!(
        "Kỳ báo cáo: {name} (từ ngày {} đến ngày {})",
        period.first_day().format("%d/%m/%Y"),
        last.format("%d/%m/%Y")
    )
}

/// Who issues the documents and who signs them (`[documents]` in the settings).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentSettings {
    /// Tên cơ quan chủ quản, upper case.
    pub superior_body: String,
    /// Tên cơ quan ban hành, upper case.
    pub issuing_body: String,
    /// The issuing body's abbreviation in the symbol: `SNV` gives `Số:   /BC-SNV`.
    pub symbol: String,
    /// The place in "Cao Bằng, ngày ... tháng ... năm ...".
    pub place: String,
    /// Quyền hạn, chức vụ người ký: `GIÁM ĐỐC`, or `KT. GIÁM ĐỐC` over `PHÓ GIÁM ĐỐC`.
    pub signer_titles: Vec<String>,
    /// Họ và tên người ký; empty leaves the line to be written by hand.
    pub signer_name: String,
}

impl Default for DocumentSettings {
    fn default() -> Self {
        Self {
            superior_body: "UBND TỈNH CAO BẰNG".to_owned(),
            issuing_body: "SỞ NỘI VỤ".to_owned(),
            symbol: "SNV".to_owned(),
            place: "Cao Bằng".to_owned(),
            signer_titles: vec!["GIÁM ĐỐC".to_owned()],
            signer_name: String::new(),
        }
    }
}

impl DocumentSettings {
    /// "Số:      /BC-SNV": the clerk writes the number when the document is signed
    /// and registered, so the suite leaves it blank.
    pub fn number_line(&self, kind: &str) -> String {
        format!("Số:        /{kind}-{}", self.symbol)
    }

    /// "Cao Bằng, ngày      tháng      năm 2026": day and month are written when
    /// signed; the year is the one the document is drawn up in.
    pub fn date_line(&self, drawn_up: NaiveDate) -> String {
        format!(
            "{}, ngày      tháng      năm {}",
            self.place,
            drawn_up.year()
        )
    }
}

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A count: shown with thousands separators (4.415).
    Int(i64),
    /// A rate or percentage: shown with two decimals (1,25).
    Decimal(f64),
    Date(NaiveDate),
    /// A moment in Viet Nam time.
    Moment(NaiveDateTime),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    /// An integer figure, or an empty cell.
    pub fn int(n: Option<i64>) -> Self {
        n.map_or(Self::Empty, Self::Int)
    }

    /// A decimal figure, or an empty cell.
    pub fn decimal(n: Option<f64>) -> Self {
        n.map_or(Self::Empty, Self::Decimal)
    }

    /// The cell as the PDF prints it.
    pub fn shown(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(s) => s.clone(),
            Self::Int(n) => format_int(*n),
            Self::Decimal(x) => format_decimal(*x),
            Self::Date(d) => d.format("%d/%m/%Y").to_string(),
            Self::Moment(t) => t.format("%d/%m/%Y %H:%M").to_string(),
        }
    }

    fn is_figure(&self) -> bool {
        matches!(self, Self::Int(_) | Self::Decimal(_))
    }
}

/// A column: its heading and its width in characters (the workbook's unit; the PDF
/// shares the page width out in the same proportions).
#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    pub width: f64,
}

impl Column {
    pub fn new(title: impl Into<String>, width: f64) -> Self {
        Self {
            title: title.into(),
            width,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// A titled table: in the body of the document, or an annex of its own (a sheet of
/// the workbook, new pages of the PDF).
#[derive(Clone, Debug)]
pub struct Section {
    pub title: String,
    /// The workbook sheet's name (at most 31 characters).
    pub sheet: String,
    pub table: Table,
    /// A sentence under the table (for example why it is empty).
    pub remark: Option<String>,
}

/// A report as an administrative document.
#[derive(Clone, Debug)]
pub struct Document {
    pub settings: DocumentSettings,
    /// The symbol of the kind of document: `BC` (báo cáo).
    pub kind: String,
    pub drawn_up: NaiveDate,
    /// `BÁO CÁO`.
    pub title: String,
    /// The lines under the title: what is reported and for which period.
    pub subject: Vec<String>,
    /// The main sheet's name in the workbook.
    pub sheet: String,
    pub body: Vec<Section>,
    /// Ghi chú về phương pháp: where the figures come from and how they are counted.
    pub notes: Vec<String>,
    /// Nơi nhận.
    pub recipients: Vec<String>,
    /// Phụ lục kèm theo.
    pub annexes: Vec<Section>,
    /// Landscape pages for wide tables.
    pub landscape: bool,
    /// The file name without its extension, ASCII only.
    pub file_stem: String,
}

impl Document {
    /// The attachment's file name with the extension.
    pub fn file_name(&self, extension: &str) -> String {
        format!("{}.{extension}", ascii_file_stem(&self.file_stem))
    }
}

/// A file name stem of ASCII letters, digits and dashes, so every client saves it
/// under the same name (Vietnamese letters lose their marks: `Bằng` → `Bang`).
pub fn ascii_file_stem(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in s.nfd() {
        let c = match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_ascii() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// A count as Vietnamese writes it: `.` between thousands (4.415; -1.234.567).
pub fn format_int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A decimal figure as Vietnamese writes it, to two places: `,` before the
/// decimals, `.` between thousands (1.234,50).
pub fn format_decimal(x: f64) -> String {
    let cents = (x * 100.0).round();
    #[allow(clippy::cast_possible_truncation)] // figures far below i64::MAX
    let cents = cents as i64;
    let whole = format_int((cents / 100).abs());
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{whole},{:02}", (cents % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_dots_between_thousands() {
        assert_eq!(format_int(0), "0");
        assert_eq!(format_int(999), "999");
        assert_eq!(format_int(4415), "4.415");
        assert_eq!(format_int(1_234_567), "1.234.567");
        assert_eq!(format_int(-1234), "-1.234");
    }

    #[test]
    fn decimals_have_a_comma() {
        assert_eq!(format_decimal(1.25), "1,25");
        assert_eq!(format_decimal(1234.5), "1.234,50");
        assert_eq!(format_decimal(-0.5), "-0,50");
        assert_eq!(format_decimal(3.0), "3,00");
    }

    #[test]
    fn file_names_are_ascii() {
        assert_eq!(
            ascii_file_stem("Phụ lục XIV – Cao Bằng 2025-H1"),
            "Phu-luc-XIV-Cao-Bang-2025-H1"
        );
        assert_eq!(ascii_file_stem("báo cáo đúng hạn"), "bao-cao-dung-han");
    }

    #[test]
    fn periods_are_named_in_vietnamese() {
        assert_eq!(
            period_line(Period::Half(2025, 1)),
            "Kỳ báo cáo: 6 tháng đầu năm 2025 (từ ngày 01/01/2025 đến ngày 30/06/2025)"
        );
        assert_eq!(
            period_line(Period::Year(2025)),
            "Kỳ báo cáo: năm 2025 (từ ngày 01/01/2025 đến ngày 31/12/2025)"
        );
    }

    #[test]
    fn the_number_and_the_date_are_left_for_the_signing() {
        let s = DocumentSettings::default();
        assert_eq!(s.number_line("BC"), "Số:        /BC-SNV");
        let day = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap_or_default();
        assert_eq!(s.date_line(day), "Cao Bằng, ngày      tháng      năm 2026");
    }
}
