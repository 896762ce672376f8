//! The consolidated report as an Excel workbook (rust_xlsxwriter): one sheet per
//! part, Vietnamese headings and labels, the same figures as the JSON answer;
//! moments in Viet Nam time as Excel date-times.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use shared::error::ApiError;

use crate::domain::data_set::Unit;
use crate::domain::kpi::Direction;
use crate::domain::seed::AgencyKind;
use crate::domain::status::{FilingStatus, ReportStatus, TaskStatus};
use shared::http_client::UnavailableReason;

use super::ConsolidatedReport;

/// The sheets, in order.
pub const SHEETS: [&str; 6] = [
    "Tổng hợp",
    "Tình hình báo cáo",
    "Nhiệm vụ",
    "Báo cáo các cơ quan",
    "Chỉ tiêu",
    "Chỉ tiêu hoạt động",
];

pub fn filing_status_label(s: FilingStatus) -> &'static str {
    match s {
        FilingStatus::OnTime => "Đúng hạn",
        FilingStatus::Late => "Muộn hạn",
        FilingStatus::Returned => "Bị trả lại, chưa nộp lại",
        FilingStatus::Missing => "Chưa nộp (quá hạn)",
        FilingStatus::NotYetDue => "Chưa đến hạn",
    }
}

pub fn report_status_label(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Submitted => "Chờ xem xét",
        ReportStatus::Accepted => "Đã chấp nhận",
        ReportStatus::Returned => "Bị trả lại",
    }
}

pub fn task_status_label(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Untracked => "Không theo dõi qua báo cáo",
        TaskStatus::Accepted => "Đã chấp nhận",
        TaskStatus::Submitted => "Đã báo cáo",
        TaskStatus::InProgress => "Đang thực hiện",
        TaskStatus::Assigned => "Đã giao",
        TaskStatus::Returned => "Bị trả lại",
        TaskStatus::Overdue => "Quá hạn",
    }
}

pub fn agency_kind_label(k: AgencyKind) -> &'static str {
    match k {
        AgencyKind::Department => "Sở, ngành",
        AgencyKind::ProvincialBoard => "Ban thuộc UBND tỉnh",
        AgencyKind::ArmedForce => "Lực lượng vũ trang",
        AgencyKind::Press => "Cơ quan báo chí",
        AgencyKind::Insurer => "Bảo hiểm xã hội",
        AgencyKind::Association => "Hiệp hội",
        AgencyKind::MassOrganisation => "Tổ chức chính trị – xã hội",
        AgencyKind::DistrictCommittee => "UBND cấp huyện",
        AgencyKind::CommuneCommittee => "UBND cấp xã",
        AgencyKind::EnterpriseGroup => "Doanh nghiệp, hợp tác xã",
    }
}

pub fn direction_label(d: Direction) -> &'static str {
    match d {
        Direction::Decrease => "Giảm",
        Direction::Increase => "Tăng",
    }
}

pub fn unavailable_label(r: UnavailableReason) -> &'static str {
    match r {
        UnavailableReason::NotConfigured => "Chưa cấu hình địa chỉ dịch vụ nguồn",
        UnavailableReason::ConnectionFailed => "Không kết nối được dịch vụ nguồn",
        UnavailableReason::Timeout => "Dịch vụ nguồn không trả lời kịp",
        UnavailableReason::UpstreamError => "Dịch vụ nguồn báo lỗi",
        UnavailableReason::UnexpectedResponse => "Câu trả lời thiếu số liệu",
        UnavailableReason::UnknownSource => "Không rõ nguồn số liệu",
        UnavailableReason::NotApplicable => "Không có số liệu cho kỳ này",
    }
}

/// "Có" or "Không".
pub fn yes_no(b: bool) -> &'static str {
    if b { "Có" } else { "Không" }
}

/// The file name: `bao-cao-tong-hop-664-KH-UBND-2025.xlsx`.
pub fn file_name(r: &ConsolidatedReport) -> String {
    let number: String = r
        .plan
        .number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("bao-cao-tong-hop-{number}-{}.xlsx", r.period)
}

fn err(e: XlsxError) -> ApiError {
    ApiError::Internal(anyhow::Error::from(e))
}

/// A sheet being written row by row.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    bold: Format,
    date: Format,
    moment: Format,
    decimal: Format,
}

impl<'a> Sheet<'a> {
    fn new(workbook: &'a mut Workbook, name: &str, widths: &[f64]) -> Result<Self, XlsxError> {
        let ws = workbook.add_worksheet();
        ws.set_name(name)?;
        for (col, width) in (0u16..).zip(widths) {
            ws.set_column_width(col, *width)?;
        }
        Ok(Self {
            ws,
            row: 0,
            bold: Format::new().set_bold().set_text_wrap(),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            moment: Format::new().set_num_format("dd/mm/yyyy hh:mm:ss"),
            decimal: Format::new().set_num_format("0.00"),
        })
    }

    fn heading(&mut self, titles: &[&str]) -> Result<(), XlsxError> {
        for (col, t) in (0u16..).zip(titles) {
            self.ws
                .write_string_with_format(self.row, col, *t, &self.bold)?;
        }
        self.ws.set_freeze_panes(self.row + 1, 0)?;
        self.row += 1;
        Ok(())
    }

    fn next(&mut self) {
        self.row += 1;
    }

    fn text(&mut self, col: u16, s: &str) -> Result<(), XlsxError> {
        if !s.is_empty() {
            self.ws.write_string(self.row, col, s)?;
        }
        Ok(())
    }

    fn count<N: Into<f64>>(&mut self, col: u16, n: N) -> Result<(), XlsxError> {
        self.ws.write_number(self.row, col, n.into())?;
        Ok(())
    }

    /// A figure that may be missing: an empty cell then.
    fn figure(&mut self, col: u16, n: Option<f64>) -> Result<(), XlsxError> {
        if let Some(n) = n {
            self.ws
                .write_number_with_format(self.row, col, n, &self.decimal)?;
        }
        Ok(())
    }

    fn date(&mut self, col: u16, d: NaiveDate) -> Result<(), XlsxError> {
        let excel = ExcelDateTime::from_ymd(
            u16::try_from(d.year()).unwrap_or_default(),
            u8::try_from(d.month()).unwrap_or_default(),
            u8::try_from(d.day()).unwrap_or_default(),
        )?;
        self.ws
            .write_datetime_with_format(self.row, col, &excel, &self.date)?;
        Ok(())
    }

    /// A moment, in Viet Nam time.
    fn moment(&mut self, col: u16, at: DateTime<Utc>) -> Result<(), XlsxError> {
        let local = at.with_timezone(&shared::time::vietnam()).naive_local();
        let excel = ExcelDateTime::from_timestamp(local.and_utc().timestamp())?;
        self.ws
            .write_datetime_with_format(self.row, col, &excel, &self.moment)?;
        Ok(())
    }
}

fn usize_f64(n: usize) -> f64 {
    u32::try_from(n).map_or(f64::MAX, f64::from)
}

fn summary(wb: &mut Workbook, r: &ConsolidatedReport) -> Result<(), XlsxError> {
    let mut s = Sheet::new(wb, SHEETS[0], &[42.0, 60.0])?;
    s.heading(&["Nội dung", "Giá trị"])?;
    let c = &r.compliance.summary;
    let texts = [
        ("Kế hoạch", r.plan.number.as_str()),
        ("Tên kế hoạch", r.plan.title.as_str()),
        ("Kỳ báo cáo", r.period.as_str()),
    ];
    for (label, value) in texts {
        s.text(0, label)?;
        s.text(1, value)?;
        s.next();
    }
    s.text(0, "Hạn báo cáo")?;
    s.date(1, r.compliance.due_on)?;
    s.next();
    s.text(0, "Lập lúc (giờ Việt Nam)")?;
    s.moment(1, r.generated_at)?;
    s.next();
    let counts = [
        ("Số cơ quan phải báo cáo", c.expected),
        ("Nộp đúng hạn", c.on_time),
        ("Nộp muộn hạn", c.late),
        ("Bị trả lại, chưa nộp lại", c.returned),
        ("Chưa nộp (quá hạn)", c.missing),
        ("Chưa đến hạn", c.not_yet_due),
    ];
    for (label, n) in counts {
        s.text(0, label)?;
        s.count(1, usize_f64(n))?;
        s.next();
    }
    for (label, p) in [
        ("Tỷ lệ nộp đúng hạn (%)", c.on_time_percent),
        ("Tỷ lệ đã nộp (%)", c.filed_percent),
    ] {
        s.text(0, label)?;
        s.figure(1, p)?;
        s.next();
    }
    Ok(())
}

fn agencies(wb: &mut Workbook, r: &ConsolidatedReport) -> Result<(), XlsxError> {
    let mut s = Sheet::new(wb, SHEETS[1], &[6.0, 16.0, 50.0, 24.0, 24.0, 22.0])?;
    s.heading(&[
        "STT",
        "Mã cơ quan",
        "Tên cơ quan",
        "Loại cơ quan",
        "Tình hình báo cáo",
        "Nhận lần đầu (giờ Việt Nam)",
    ])?;
    for (n, a) in (1u32..).zip(&r.compliance.agencies) {
        s.count(0, n)?;
        s.text(1, &a.agency)?;
        s.text(2, &a.name)?;
        s.text(3, agency_kind_label(a.kind))?;
        s.text(4, filing_status_label(a.status))?;
        if let Some(at) = a.first_received_at {
            s.moment(5, at)?;
        }
        s.next();
    }
    Ok(())
}

fn tasks(wb: &mut Workbook, r: &ConsolidatedReport) -> Result<(), XlsxError> {
    let mut s = Sheet::new(wb, SHEETS[2], &[6.0, 8.0, 10.0, 18.0, 70.0])?;
    s.heading(&[
        "STT",
        "Mục",
        "Phần",
        "Tình trạng",
        "Tình trạng của từng cơ quan",
    ])?;
    for (n, t) in (1u32..).zip(&r.compliance.tasks) {
        s.count(0, n)?;
        if let Some(item) = t.item {
            s.count(1, item)?;
        }
        s.text(2, &t.section)?;
        s.text(3, task_status_label(t.status))?;
        let each: Vec<String> = t
            .agencies
            .iter()
            .map(|a| format!("{}: {}", a.agency, task_status_label(a.status)))
            .collect();
        s.text(4, &each.join("; "))?;
        s.next();
    }
    Ok(())
}

fn reports(wb: &mut Workbook, r: &ConsolidatedReport) -> Result<(), XlsxError> {
    let mut s = Sheet::new(
        wb,
        SHEETS[3],
        &[6.0, 16.0, 50.0, 16.0, 10.0, 22.0, 22.0, 10.0, 50.0],
    )?;
    s.heading(&[
        "STT",
        "Mã cơ quan",
        "Tên cơ quan",
        "Trạng thái",
        "Phiên bản",
        "Nhận lần đầu (giờ Việt Nam)",
        "Nhận bản mới nhất (giờ Việt Nam)",
        "Đúng hạn",
        "Nhận xét của Sở Nội vụ",
    ])?;
    for (n, rep) in (1u32..).zip(&r.reports) {
        s.count(0, n)?;
        s.text(1, &rep.agency)?;
        s.text(2, &rep.name)?;
        s.text(3, report_status_label(rep.status))?;
        #[allow(clippy::cast_precision_loss)] // a small version number
        s.count(4, rep.version as f64)?;
        s.moment(5, rep.first_received_at)?;
        s.moment(6, rep.received_at)?;
        s.text(7, yes_no(rep.on_time))?;
        s.text(8, rep.review_comment.as_deref().unwrap_or_default())?;
        s.next();
    }
    Ok(())
}

fn kpis(wb: &mut Workbook, r: &ConsolidatedReport) -> Result<(), XlsxError> {
    let mut s = Sheet::new(
        wb,
        SHEETS[4],
        &[6.0, 50.0, 16.0, 8.0, 14.0, 14.0, 14.0, 14.0, 14.0, 50.0],
    )?;
    let year = r.kpis.year;
    let previous = format!("Năm {}", year - 1);
    let current = format!("Năm {year}");
    s.heading(&[
        "STT",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Hướng",
        "Mục tiêu (%/năm)",
        &previous,
        &current,
        "Thay đổi (%)",
        "Đạt mục tiêu",
        "Ghi chú",
    ])?;
    for (n, k) in (1u32..).zip(&r.kpis.items) {
        s.count(0, n)?;
        s.text(1, &k.target.indicator)?;
        s.text(2, &k.target.unit)?;
        s.text(3, direction_label(k.target.direction))?;
        #[allow(clippy::cast_precision_loss)] // a percentage
        s.count(4, k.target.yearly_change_percent as f64)?;
        s.figure(5, k.previous.as_ref().and_then(|f| f.value))?;
        s.figure(6, k.current.as_ref().and_then(|f| f.value))?;
        s.figure(7, k.change_percent)?;
        s.text(
            8,
            match (k.on_track, &k.trend) {
                (Some(true), _) => "Đạt",
                (Some(false), _) => "Chưa đạt",
                (None, Some(t)) if !t.complete => "Chưa đánh giá (năm chưa kết thúc)",
                (None, _) => "",
            },
        )?;
        if let Some(u) = &k.unavailable {
            s.text(
                9,
                &format!("{} ({})", unavailable_label(u.reason), u.detail),
            )?;
        }
        s.next();
    }
    Ok(())
}

pub fn unit_label(u: Unit) -> &'static str {
    match u {
        Unit::Count => "Lượt, cuộc",
        Unit::Person => "Người",
        Unit::Establishment => "Cơ sở",
        Unit::Item => "Máy, thiết bị",
        Unit::Vnd => "Đồng",
    }
}

#[allow(clippy::cast_precision_loss)] // totals far below 2^52
fn as_figure(n: Option<i64>) -> Option<f64> {
    n.map(|n| n as f64)
}

/// The activity indicators: one row per indicator, then one per option of its
/// breakdown, with the year before, the change and who has not reported.
fn indicator_totals(wb: &mut Workbook, r: &ConsolidatedReport) -> Result<(), XlsxError> {
    let mut s = Sheet::new(
        wb,
        SHEETS[5],
        &[28.0, 60.0, 14.0, 16.0, 16.0, 14.0, 12.0, 50.0],
    )?;
    let Some(t) = &r.indicators else {
        s.text(0, "Kế hoạch này không có bộ chỉ tiêu hoạt động.")?;
        return Ok(());
    };
    let previous = format!("Kỳ {}", t.previous_period);
    let current = format!("Kỳ {}", t.period);
    s.heading(&[
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Đơn vị tính",
        &previous,
        &current,
        "Thay đổi (%)",
        "Số cơ quan đã báo cáo",
        "Cơ quan chưa báo cáo",
    ])?;
    for i in &t.items {
        s.text(0, &i.indicator)?;
        let unverified = if i.unverified {
            " (chưa xác minh)"
        } else {
            ""
        };
        s.text(1, &format!("{}{unverified}", i.name_vi))?;
        s.text(2, unit_label(i.unit))?;
        s.figure(3, as_figure(i.previous_total))?;
        s.figure(4, as_figure(i.total))?;
        s.figure(5, i.change_percent)?;
        s.count(6, usize_f64(i.reported.len()))?;
        s.text(7, &i.not_reported.join(", "))?;
        s.next();
        for o in &i.breakdown {
            s.text(0, &format!("{}/{}", i.indicator, o.option))?;
            s.text(1, &format!("  – {}", o.name_vi))?;
            s.text(2, unit_label(i.unit))?;
            s.figure(3, as_figure(o.previous_total))?;
            s.figure(4, as_figure(o.total))?;
            s.figure(5, o.change_percent)?;
            s.next();
        }
    }
    Ok(())
}

/// The workbook's bytes.
pub fn workbook(r: &ConsolidatedReport) -> Result<Vec<u8>, ApiError> {
    let mut wb = Workbook::new();
    summary(&mut wb, r).map_err(err)?;
    agencies(&mut wb, r).map_err(err)?;
    tasks(&mut wb, r).map_err(err)?;
    reports(&mut wb, r).map_err(err)?;
    kpis(&mut wb, r).map_err(err)?;
    indicator_totals(&mut wb, r).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}
