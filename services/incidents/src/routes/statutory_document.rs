//! Phụ lục XIV / XV as a document to sign (`?format=xlsx|pdf`): the JSON answer laid
//! out by `shared::documents`, so the document shows exactly the JSON's figures.

use chrono::NaiveDate;
use shared::documents::{Cell, Column, Document, DocumentSettings, Section, Table, period_line};
use shared::period::Period;

use super::statistics::StatisticsRow;
use super::statutory_reports::StatutoryReport;
use crate::domain::statistics::{Counters, GroupBy};

/// The heading of a breakdown's key column.
pub fn group_label(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Cause => "Nguyên nhân",
        GroupBy::InjuryFactor => "Yếu tố gây chấn thương",
        GroupBy::VsicSection => "Ngành kinh tế (VSIC)",
        GroupBy::OwnershipType => "Loại hình sở hữu",
        GroupBy::Commune => "Đơn vị hành chính cấp xã",
        GroupBy::Month => "Tháng",
    }
}

/// An item of the form: its name, its unit and its figure.
pub type Item = (&'static str, &'static str, fn(&Counters) -> i64);

/// The counted items of the form, with their units, in the form's order.
pub const ITEMS: [Item; 12] = [
    ("Số vụ tai nạn lao động", "Vụ", |c| c.cases),
    ("Số vụ có người chết", "Vụ", |c| c.cases_fatal),
    (
        "Số vụ có từ 2 người bị nạn trở lên",
        "Vụ",
        |c| c.cases_multi,
    ),
    ("Số người bị nạn", "Người", |c| c.casualties),
    ("Số người chết", "Người", |c| c.fatal),
    ("Số người bị thương nặng", "Người", |c| {
        c.serious
    }),
    ("Số người bị thương nhẹ", "Người", |c| c.minor),
    ("Số lao động nữ bị nạn", "Người", |c| c.female),
    (
        "Tổng số ngày nghỉ vì tai nạn lao động",
        "Ngày",
        |c| c.days_off,
    ),
    ("Chi phí y tế", "Nghìn đồng", |c| c.cost_medical),
    (
        "Trả lương trong thời gian điều trị",
        "Nghìn đồng",
        |c| c.cost_wages,
    ),
    ("Bồi thường, trợ cấp", "Nghìn đồng", |c| {
        c.cost_compensation
    }),
];

/// The rates of Phụ lục XIV, with their units.
pub const WORKERS: (&str, &str) = ("Số lao động (mẫu số N)", "Người");
pub const FREQUENCY: (&str, &str) = (
    "Tần suất tai nạn lao động (K)",
    "Người bị nạn trên 1.000 lao động",
);
pub const FATAL: (&str, &str) = (
    "Tần suất tai nạn lao động chết người (Kc)",
    "Người chết trên 100.000 lao động",
);

fn figure(r: &StatisticsRow, f: fn(&Counters) -> i64) -> Cell {
    Cell::int(r.figures.as_ref().map(f))
}

fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The form's total against the same period a year before.
fn totals(r: &StatutoryReport, period: Period) -> Table {
    let previous = period.previous_year();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut item = |name: &str, unit: &str, before: Cell, now: Cell| {
        let n = i64::try_from(rows.len() + 1).unwrap_or_default();
        rows.push(vec![
            Cell::Int(n),
            Cell::text(name),
            Cell::text(unit),
            before,
            now,
        ]);
    };
    for (name, unit, f) in ITEMS {
        item(
            name,
            unit,
            figure(&r.previous_year_total, f),
            figure(&r.total, f),
        );
    }
    if r.form.has_rates() {
        let (p, t) = (&r.previous_year_total, &r.total);
        item(
            WORKERS.0,
            WORKERS.1,
            Cell::int(p.workers),
            Cell::int(t.workers),
        );
        item(
            FREQUENCY.0,
            FREQUENCY.1,
            Cell::decimal(p.frequency_rate_per_1000),
            Cell::decimal(t.frequency_rate_per_1000),
        );
        item(
            FATAL.0,
            FATAL.1,
            Cell::decimal(p.fatal_rate_per_100000),
            Cell::decimal(t.fatal_rate_per_100000),
        );
    }
    Table {
        columns: vec![
            Column::new("STT", 6.0),
            Column::new("Chỉ tiêu", 46.0),
            Column::new("Đơn vị tính", 22.0),
            Column::new(format!("Cùng kỳ năm {}", previous.year()), 18.0),
            Column::new("Kỳ báo cáo", 18.0),
        ],
        rows,
    }
}

/// One breakdown: a row per group, a column per item.
fn breakdown(r: &StatutoryReport, g: GroupBy, rows: &[StatisticsRow]) -> Table {
    let mut columns = vec![Column::new("STT", 7.0), Column::new(group_label(g), 30.0)];
    let units = |name: &str, unit: &str| format!("{name} ({})", unit.to_lowercase());
    columns.extend(
        ITEMS
            .iter()
            .map(|(name, unit, _)| Column::new(units(name, unit), 11.0)),
    );
    if r.form.has_rates() {
        for (name, unit) in [WORKERS, FREQUENCY, FATAL] {
            columns.push(Column::new(units(name, unit), 12.0));
        }
    }
    let rows = (1i64..)
        .zip(rows)
        .map(|(n, row)| {
            let mut cells = vec![Cell::Int(n), Cell::text(&row.label)];
            cells.extend(ITEMS.iter().map(|(_, _, f)| figure(row, *f)));
            if r.form.has_rates() {
                cells.push(Cell::int(row.workers));
                cells.push(Cell::decimal(row.frequency_rate_per_1000));
                cells.push(Cell::decimal(row.fatal_rate_per_100000));
            }
            cells
        })
        .collect();
    Table { columns, rows }
}

/// How the figures were made, in the words the form's reader needs.
fn notes(r: &StatutoryReport) -> Vec<String> {
    let mut notes = vec![
        "Số liệu tổng hợp từ các vụ tai nạn lao động đã khai báo trên hệ thống, theo ngày xảy ra tai nạn (giờ Việt Nam); mọi số liệu bằng số liệu thống kê tai nạn lao động của cùng kỳ và cùng khu vực.".to_owned(),
        "Chi phí tính bằng nghìn đồng.".to_owned(),
    ];
    if r.form.has_rates() {
        notes.push("K = số người bị nạn / số lao động × 1.000; Kc = số người chết / số lao động × 100.000.".to_owned());
        notes.push(match r.denominator_source.as_deref() {
            Some("periodic_reports") => "Số lao động lấy từ báo cáo định kỳ của người sử dụng lao động trong kỳ.".to_owned(),
            _ => "Số lao động lấy từ danh sách cơ sở đã đăng ký (chưa có báo cáo định kỳ của kỳ này).".to_owned(),
        });
    }
    match (r.complete, r.complete_through) {
        (false, Some(d)) => notes.push(format!(
            "Kỳ báo cáo chưa kết thúc: số liệu tính đến hết ngày {}.",
            date(d)
        )),
        (false, None) => notes.push("Kỳ báo cáo chưa bắt đầu.".to_owned()),
        (true, _) => {}
    }
    if let Some(d) = r.as_of {
        notes.push(format!("Số liệu như tại cuối ngày {}.", date(d)));
    }
    if let Some(d) = r.due_before {
        notes.push(format!("Hạn gửi báo cáo: trước ngày {}.", date(d)));
    }
    notes.extend(r.unverified.iter().map(|n| n.vi.clone()));
    notes
}

/// The document of a form.
pub fn document(r: &StatutoryReport, period: Period, settings: &DocumentSettings) -> Document {
    let annexes = r
        .breakdowns
        .iter()
        .map(|b| Section {
            title: format!("Phân theo {}", group_label(b.group_by).to_lowercase()),
            sheet: group_label(b.group_by).to_owned(),
            table: breakdown(r, b.group_by, &b.rows),
            remark: b
                .rows
                .is_empty()
                .then(|| "Không có tai nạn lao động trong kỳ.".to_owned()),
        })
        .collect();
    let form = match r.form {
        crate::domain::statutory_report::StatutoryForm::Xiv => "XIV",
        crate::domain::statutory_report::StatutoryForm::Xv => "XV",
    };
    Document {
        settings: settings.clone(),
        kind: "BC".to_owned(),
        drawn_up: shared::time::today(),
        title: "BÁO CÁO".to_owned(),
        subject: vec![
            r.title.clone(),
            period_line(period),
            format!("({}, {})", r.annex, "Nghị định 39/2016/NĐ-CP"),
        ],
        sheet: "Báo cáo".to_owned(),
        body: vec![Section {
            title: "I. Tình hình tai nạn lao động".to_owned(),
            sheet: "Báo cáo".to_owned(),
            table: totals(r, period),
            remark: None,
        }],
        notes: notes(r),
        recipients: r.recipients.clone(),
        annexes,
        landscape: true,
        file_stem: format!("phu-luc-{form}-{}", r.period),
    }
}
