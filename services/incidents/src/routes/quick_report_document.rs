//! The Phụ lục XIII quick report as a document to sign (`?format=xlsx|pdf`): the
//! stored revision laid out by `shared::documents`, so the document says what the
//! JSON says. Codes are shown with their names where the suite has the code list.

use chrono::{DateTime, Utc};
use shared::documents::{Cell, Column, Document, DocumentSettings, Section, Table};
use shared::refdata;

use crate::domain::accident::{InvestigationLevel, Sector, Severity};
use crate::domain::quick_report::{self as form, QuickReport};

/// The line under the title while the report is a draft: the suite prepares it,
/// Sở Nội vụ checks and signs it.
pub const DRAFT_LINE: &str = "DỰ THẢO";

fn moment(at: DateTime<Utc>) -> String {
    Cell::Moment(at.with_timezone(&shared::time::vietnam()).naive_local()).shown()
}

/// "code – name", or the code alone when the list does not know it.
fn named(code: &str, name: Option<&str>) -> String {
    name.map_or_else(|| code.to_owned(), |n| format!("{code} – {n}"))
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Fatal => "Chết",
        Severity::Serious => "Bị thương nặng",
        Severity::Minor => "Bị thương nhẹ",
    }
}

fn gender(stored: &str) -> String {
    match stored {
        "male" => "Nam".to_owned(),
        "female" => "Nữ".to_owned(),
        other => other.to_owned(),
    }
}

fn contract(stored: &str) -> String {
    match stored {
        "indefinite" => "Không xác định thời hạn".to_owned(),
        "fixed_term" => "Xác định thời hạn".to_owned(),
        "probation" => "Thử việc".to_owned(),
        "apprentice" => "Học nghề, tập nghề".to_owned(),
        "none" => "Không có hợp đồng lao động".to_owned(),
        other => other.to_owned(),
    }
}

fn sector(s: Sector) -> &'static str {
    match s {
        Sector::WithLabourRelation => "Khu vực có quan hệ lao động",
        Sector::WithoutLabourContract => {
            "Khu vực người lao động làm việc không theo hợp đồng lao động"
        }
    }
}

fn level(l: InvestigationLevel) -> &'static str {
    match l {
        InvestigationLevel::Employer => "Đoàn điều tra tai nạn lao động cấp cơ sở",
        InvestigationLevel::Provincial => "Đoàn điều tra tai nạn lao động cấp tỉnh",
        InvestigationLevel::Commune => "Ủy ban nhân dân cấp xã",
    }
}

/// A two-column table: what the form asks, what the report answers.
fn items(rows: Vec<(&str, String)>) -> Table {
    Table {
        columns: vec![
            Column::new("Nội dung", 36.0),
            Column::new("Thông tin", 90.0),
        ],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![Cell::text(k), Cell::Text(v)])
            .collect(),
    }
}

fn accident(r: &QuickReport) -> Table {
    let a = &r.accident;
    let commune =
        refdata::admin_unit(&a.commune_code, a.occurred_at.date_naive()).map(|u| u.name.as_str());
    let causes: Vec<String> = a
        .cause_codes
        .iter()
        .map(|c| named(c, refdata::accident_cause(c).map(|x| x.name_vi.as_str())))
        .collect();
    let factor = a
        .injury_factor_code
        .as_deref()
        .map(|c| named(c, refdata::injury_factor(c).map(|x| x.name_vi.as_str())));
    items(vec![
        ("Khu vực", sector(a.sector).to_owned()),
        ("Thời gian xảy ra tai nạn", moment(a.occurred_at)),
        (
            "Nơi xảy ra tai nạn",
            format!("{}; {}", a.place, named(&a.commune_code, commune)),
        ),
        ("Thời gian nhận được tin báo", moment(a.notified_at)),
        ("Tóm tắt diễn biến vụ tai nạn", a.description.clone()),
        ("Nguyên nhân ban đầu", causes.join("; ")),
        ("Yếu tố gây chấn thương", factor.unwrap_or_default()),
    ])
}

fn employer(r: &QuickReport) -> Table {
    let Some(e) = &r.employer else {
        return items(vec![(
            "Người sử dụng lao động",
            "Không có (người lao động làm việc không theo hợp đồng lao động)".to_owned(),
        )]);
    };
    let vsic = refdata::vsic_section(&e.vsic_section).map(|v| v.name_vi.as_str());
    let ownership = refdata::ownership_type(&e.ownership_type).map(|o| o.name_vi.as_str());
    items(vec![
        ("Tên cơ sở", e.name.clone()),
        ("Mã số thuế", e.tax_code.clone()),
        ("Ngành kinh tế", named(&e.vsic_section, vsic)),
        ("Loại hình cơ sở", named(&e.ownership_type, ownership)),
    ])
}

fn casualties(r: &QuickReport) -> Table {
    let rows = (1i64..)
        .zip(&r.casualties)
        .map(|(n, c)| {
            vec![
                Cell::Int(n),
                Cell::text(&c.full_name),
                Cell::text(gender(&c.gender)),
                Cell::Int(c.birth_year),
                Cell::text(c.occupation_code.clone().unwrap_or_default()),
                Cell::text(contract(&c.contract_type)),
                Cell::text(severity(c.severity)),
            ]
        })
        .collect();
    Table {
        columns: vec![
            Column::new("STT", 6.0),
            Column::new("Họ và tên", 28.0),
            Column::new("Giới tính", 10.0),
            Column::new("Năm sinh", 10.0),
            Column::new("Nghề nghiệp (mã)", 14.0),
            Column::new("Hợp đồng lao động", 24.0),
            Column::new("Tình trạng thương tích", 20.0),
        ],
        rows,
    }
}

/// What has been done so far, as the suite knows it: the police told and the
/// investigation under way.
fn measures(r: &QuickReport) -> Table {
    let a = &r.accident;
    items(vec![
        (
            "Báo cơ quan công an",
            a.police_notified_at.map_or_else(
                || "Chưa ghi nhận".to_owned(),
                |t| format!("Đã báo lúc {}", moment(t)),
            ),
        ),
        ("Cấp điều tra", level(a.investigation_level).to_owned()),
        ("Hạn điều tra", moment(a.investigation_deadline)),
    ])
}

/// The document of a quick report in `status` (`draft` while the suite prepares it).
pub fn document(
    r: &QuickReport,
    accident_id: &str,
    status: &str,
    revision: i64,
    settings: &DocumentSettings,
) -> Document {
    let section = |title: &str, table: Table, remark: Option<String>| Section {
        title: title.to_owned(),
        sheet: "Báo cáo".to_owned(),
        table,
        remark,
    };
    let c = &r.counts;
    let counts = Table {
        columns: vec![Column::new("Nội dung", 36.0), Column::new("Số người", 90.0)],
        rows: [
            ("Tổng số người bị nạn", c.casualties),
            ("Số người chết", c.fatal),
            ("Số người bị thương nặng", c.serious),
            ("Số lao động nữ bị nạn", c.female),
        ]
        .into_iter()
        .map(|(k, n)| vec![Cell::text(k), Cell::Int(n)])
        .collect(),
    };
    let mut subject = vec![
        r.title.clone(),
        format!("({}, {})", r.annex, "Nghị định 39/2016/NĐ-CP"),
    ];
    if status == form::DRAFT {
        subject.push(DRAFT_LINE.to_owned());
    }
    let day = r
        .accident
        .occurred_at
        .with_timezone(&shared::time::vietnam())
        .format("%Y-%m-%d");
    Document {
        settings: settings.clone(),
        kind: "BC".to_owned(),
        drawn_up: shared::time::today(),
        title: "BÁO CÁO NHANH".to_owned(),
        subject,
        sheet: "Báo cáo".to_owned(),
        body: vec![
            section("I. Thông tin về vụ tai nạn", accident(r), None),
            section("II. Người sử dụng lao động", employer(r), None),
            section(
                "III. Người bị nạn",
                counts,
                Some("Họ tên, năm sinh, nghề nghiệp và thương tích của từng người: xem Phụ lục kèm theo.".to_owned()),
            ),
            section("IV. Các biện pháp đã thực hiện", measures(r), None),
        ],
        notes: std::iter::once(format!(
            "Báo cáo do hệ thống lập từ hồ sơ vụ tai nạn (lần sửa {revision}); thời gian theo giờ Việt Nam."
        ))
        .chain(r.unverified.iter().map(|n| n.vi.clone()))
        .collect(),
        recipients: vec![r.recipient.clone()],
        // The casualties' own columns would widen the body's sheet: they get one.
        annexes: vec![Section {
            title: "Danh sách người bị nạn".to_owned(),
            sheet: "Người bị nạn".to_owned(),
            table: casualties(r),
            remark: None,
        }],
        landscape: false,
        file_stem: format!(
            "phu-luc-XIII-{day}-{}",
            accident_id.split('-').next().unwrap_or(accident_id)
        ),
    }
}
