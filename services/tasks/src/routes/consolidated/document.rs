//! The consolidated report as a document to sign (`shared::documents`, as a workbook
//! or a PDF): the summary in the body, each other part an annex, Vietnamese headings,
//! labels and units, the same figures as the JSON answer; moments in Viet Nam time.

use chrono::{DateTime, Utc};
use shared::documents::{Cell, Column, Document, DocumentSettings, Section, Table, period_line};
use shared::period::Period;

use crate::domain::data_set::Unit;
use crate::domain::kpi::Direction;
use crate::domain::seed::AgencyKind;
use crate::domain::status::{FilingStatus, ReportStatus, TaskStatus};
use shared::http_client::UnavailableReason;

use super::ConsolidatedReport;

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

pub fn unit_label(u: Unit) -> &'static str {
    match u {
        Unit::Count => "Lượt, cuộc",
        Unit::Person => "Người",
        Unit::Establishment => "Cơ sở",
        Unit::Item => "Máy, thiết bị",
        Unit::Vnd => "Đồng",
    }
}

/// The unit of a KPI target, in words (the seed stores a code).
pub fn kpi_unit_label(code: &str) -> &str {
    match code {
        "per_100000_workers" => "Người chết trên 100.000 lao động",
        "workers" => "Người",
        "establishments" => "Cơ sở",
        other => other,
    }
}

/// The sheets (the summary, then the annexes), in order.
pub const SHEETS: [&str; 6] = [
    "Tổng hợp",
    "Tình hình báo cáo",
    "Nhiệm vụ",
    "Báo cáo các cơ quan",
    "Chỉ tiêu",
    "Chỉ tiêu hoạt động",
];

fn moment(at: DateTime<Utc>) -> Cell {
    Cell::Moment(at.with_timezone(&shared::time::vietnam()).naive_local())
}

fn count(n: usize) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn columns(list: &[(&str, f64)]) -> Vec<Column> {
    list.iter().map(|(t, w)| Column::new(*t, *w)).collect()
}

fn section(sheet: usize, title: &str, table: Table) -> Section {
    Section {
        title: title.to_owned(),
        sheet: SHEETS.get(sheet).copied().unwrap_or_default().to_owned(),
        table,
        remark: None,
    }
}

fn summary(r: &ConsolidatedReport) -> Table {
    let c = &r.compliance.summary;
    let mut rows = vec![
        vec![Cell::text("Kế hoạch"), Cell::text(&r.plan.number)],
        vec![Cell::text("Tên kế hoạch"), Cell::text(&r.plan.title)],
        vec![Cell::text("Kỳ báo cáo"), Cell::text(&r.period)],
        vec![Cell::text("Hạn báo cáo"), Cell::Date(r.compliance.due_on)],
        vec![Cell::text("Lập lúc (giờ Việt Nam)"), moment(r.generated_at)],
    ];
    for (label, n) in [
        ("Số cơ quan phải báo cáo", c.expected),
        ("Nộp đúng hạn", c.on_time),
        ("Nộp muộn hạn", c.late),
        ("Bị trả lại, chưa nộp lại", c.returned),
        ("Chưa nộp (quá hạn)", c.missing),
        ("Chưa đến hạn", c.not_yet_due),
    ] {
        rows.push(vec![Cell::text(label), count(n)]);
    }
    for (label, p) in [
        ("Tỷ lệ nộp đúng hạn (%)", c.on_time_percent),
        ("Tỷ lệ đã nộp (%)", c.filed_percent),
    ] {
        rows.push(vec![Cell::text(label), Cell::decimal(p)]);
    }
    Table {
        columns: columns(&[("Nội dung", 42.0), ("Giá trị", 40.0)]),
        rows,
    }
}

fn agencies(r: &ConsolidatedReport) -> Table {
    let rows = (1..)
        .zip(&r.compliance.agencies)
        .map(|(n, a)| {
            vec![
                Cell::Int(n),
                Cell::text(&a.agency),
                Cell::text(&a.name),
                Cell::text(agency_kind_label(a.kind)),
                Cell::text(filing_status_label(a.status)),
                a.first_received_at.map_or(Cell::Empty, moment),
            ]
        })
        .collect();
    Table {
        columns: columns(&[
            ("STT", 6.0),
            ("Mã cơ quan", 20.0),
            ("Tên cơ quan", 50.0),
            ("Loại cơ quan", 24.0),
            ("Tình hình báo cáo", 24.0),
            ("Nhận lần đầu (giờ Việt Nam)", 22.0),
        ]),
        rows,
    }
}

fn tasks(r: &ConsolidatedReport) -> Table {
    let rows = (1..)
        .zip(&r.compliance.tasks)
        .map(|(n, t)| {
            let each: Vec<String> = t
                .agencies
                .iter()
                .map(|a| format!("{}: {}", a.agency, task_status_label(a.status)))
                .collect();
            vec![
                Cell::Int(n),
                Cell::int(t.item.map(i64::from)),
                Cell::text(&t.section),
                Cell::text(&t.text),
                Cell::text(task_status_label(t.status)),
                Cell::text(each.join("; ")),
            ]
        })
        .collect();
    Table {
        columns: columns(&[
            ("STT", 6.0),
            ("Mục", 8.0),
            ("Phần", 10.0),
            ("Nhiệm vụ", 60.0),
            ("Tình trạng", 18.0),
            ("Tình trạng của từng cơ quan", 50.0),
        ]),
        rows,
    }
}

fn reports(r: &ConsolidatedReport) -> Table {
    let rows = (1..)
        .zip(&r.reports)
        .map(|(n, rep)| {
            vec![
                Cell::Int(n),
                Cell::text(&rep.agency),
                Cell::text(&rep.name),
                Cell::text(report_status_label(rep.status)),
                Cell::Int(rep.version),
                moment(rep.first_received_at),
                moment(rep.received_at),
                Cell::text(yes_no(rep.on_time)),
                Cell::text(rep.review_comment.as_deref().unwrap_or_default()),
            ]
        })
        .collect();
    Table {
        columns: columns(&[
            ("STT", 6.0),
            ("Mã cơ quan", 20.0),
            ("Tên cơ quan", 40.0),
            ("Trạng thái", 16.0),
            ("Phiên bản", 10.0),
            ("Nhận lần đầu (giờ Việt Nam)", 20.0),
            ("Nhận bản mới nhất (giờ Việt Nam)", 20.0),
            ("Đúng hạn", 10.0),
            ("Nhận xét của Sở Nội vụ", 40.0),
        ]),
        rows,
    }
}

fn kpis(r: &ConsolidatedReport) -> Table {
    let year = r.kpis.year;
    let previous = format!("Năm {}", year - 1);
    let current = format!("Năm {year}");
    let rows = (1..)
        .zip(&r.kpis.items)
        .map(|(n, k)| {
            let assessed = match (k.on_track, &k.trend) {
                (Some(true), _) => "Đạt",
                (Some(false), _) => "Chưa đạt",
                (None, Some(t)) if !t.complete => "Chưa đánh giá (năm chưa kết thúc)",
                (None, _) => "",
            };
            vec![
                Cell::Int(n),
                Cell::text(&k.target.indicator),
                Cell::text(kpi_unit_label(&k.target.unit)),
                Cell::text(direction_label(k.target.direction)),
                Cell::Int(k.target.yearly_change_percent),
                Cell::decimal(k.previous.as_ref().and_then(|f| f.value)),
                Cell::decimal(k.current.as_ref().and_then(|f| f.value)),
                Cell::decimal(k.change_percent),
                Cell::text(assessed),
                k.unavailable.as_ref().map_or(Cell::Empty, |u| {
                    Cell::text(format!("{} ({})", unavailable_label(u.reason), u.detail))
                }),
            ]
        })
        .collect();
    Table {
        columns: columns(&[
            ("STT", 6.0),
            ("Chỉ tiêu", 44.0),
            ("Đơn vị tính", 18.0),
            ("Hướng", 8.0),
            ("Mục tiêu (%/năm)", 12.0),
            (&previous, 12.0),
            (&current, 12.0),
            ("Thay đổi (%)", 12.0),
            ("Đạt mục tiêu", 14.0),
            ("Ghi chú", 40.0),
        ]),
        rows,
    }
}

/// The activity indicators: one row per indicator, then one per option of its
/// breakdown, with the year before, the change and who has not reported.
fn indicator_totals(r: &ConsolidatedReport) -> Section {
    let Some(t) = &r.indicators else {
        return Section {
            remark: Some("Kế hoạch này không có bộ chỉ tiêu hoạt động.".to_owned()),
            ..section(5, "Chỉ tiêu hoạt động", Table::default())
        };
    };
    let previous = format!("Kỳ {}", t.previous_period);
    let current = format!("Kỳ {}", t.period);
    let mut rows = Vec::new();
    for i in &t.items {
        let unverified = if i.unverified {
            " (chưa xác minh)"
        } else {
            ""
        };
        rows.push(vec![
            Cell::text(&i.indicator),
            Cell::text(format!("{}{unverified}", i.name_vi)),
            Cell::text(unit_label(i.unit)),
            Cell::int(i.previous_total),
            Cell::int(i.total),
            Cell::decimal(i.change_percent),
            count(i.reported.len()),
            Cell::text(i.not_reported.join(", ")),
        ]);
        for o in &i.breakdown {
            rows.push(vec![
                Cell::text(format!("{}/{}", i.indicator, o.option)),
                Cell::text(format!("  – {}", o.name_vi)),
                Cell::text(unit_label(i.unit)),
                Cell::int(o.previous_total),
                Cell::int(o.total),
                Cell::decimal(o.change_percent),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
    }
    let table = Table {
        columns: columns(&[
            ("Mã chỉ tiêu", 28.0),
            ("Chỉ tiêu", 50.0),
            ("Đơn vị tính", 14.0),
            (&previous, 14.0),
            (&current, 14.0),
            ("Thay đổi (%)", 12.0),
            ("Số cơ quan đã báo cáo", 12.0),
            ("Cơ quan chưa báo cáo", 40.0),
        ]),
        rows,
    };
    section(5, "Tổng hợp chỉ tiêu hoạt động của các cơ quan", table)
}

/// The document of the report.
pub fn document(r: &ConsolidatedReport, period: Period, settings: &DocumentSettings) -> Document {
    let number = shared::documents::ascii_file_stem(&r.plan.number);
    Document {
        settings: settings.clone(),
        kind: "BC".to_owned(),
        drawn_up: shared::time::today(),
        title: "BÁO CÁO".to_owned(),
        subject: vec![
            format!("Tổng hợp tình hình thực hiện Kế hoạch số {}", r.plan.number),
            r.plan.title.clone(),
            period_line(period),
        ],
        sheet: SHEETS[0].to_owned(),
        body: vec![section(0, "I. Tổng hợp tình hình báo cáo", summary(r))],
        notes: vec![
            "Đúng hạn hay muộn hạn tính theo thời điểm hệ thống nhận báo cáo lần đầu (giờ Việt Nam); báo cáo bị trả lại được tính khi nộp lại.".to_owned(),
            "Tỷ lệ nộp đúng hạn và tỷ lệ đã nộp tính trên số cơ quan phải báo cáo trong kỳ.".to_owned(),
            "Chỉ tiêu của Kế hoạch lấy từ số liệu thống kê của các dịch vụ nguồn cho cả năm của kỳ; thay đổi (%) so với năm trước.".to_owned(),
            "Chỉ tiêu hoạt động là tổng số liệu các cơ quan đã báo cáo trong kỳ, so với cùng kỳ năm trước.".to_owned(),
        ],
        recipients: vec![
            "UBND tỉnh Cao Bằng".to_owned(),
            "Bộ Nội vụ".to_owned(),
            "Các cơ quan, đơn vị thực hiện Kế hoạch".to_owned(),
        ],
        annexes: vec![
            section(1, "Tình hình báo cáo của các cơ quan", agencies(r)),
            section(2, "Tình trạng thực hiện nhiệm vụ", tasks(r)),
            section(3, "Báo cáo của các cơ quan trong kỳ", reports(r)),
            section(4, "Chỉ tiêu của Kế hoạch", kpis(r)),
            indicator_totals(r),
        ],
        landscape: true,
        file_stem: format!("bao-cao-tong-hop-{number}-{}", r.period),
    }
}
