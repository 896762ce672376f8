//! The province's statutory accident reports to the ministry (docs/domain.md, "The
//! province's statutory reports"): Phụ lục XIV and XV of ND 39/2016 for a half-year or
//! a year, and the Phụ lục XIII quick report of each grave accident.
//!
//! The figures of XIV and XV are not computed here: they are the accident statistics
//! (`service::statistics::compute`) of the form's sector, so a report and the
//! statistics endpoint never differ.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::period::Period;
use utoipa::ToSchema;

use super::accident::Sector;
use super::statistics::GroupBy;

/// A periodic form of the province.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatutoryForm {
    /// Phụ lục XIV: workers with a labour relation.
    Xiv,
    /// Phụ lục XV: workers without a labour contract.
    Xv,
}

impl StatutoryForm {
    /// The sector the form counts. Which annex is which sector is [M] (docs/domain.md).
    pub fn sector(self) -> Sector {
        match self {
            StatutoryForm::Xiv => Sector::WithLabourRelation,
            StatutoryForm::Xv => Sector::WithoutLabourContract,
        }
    }

    pub fn annex(self) -> &'static str {
        match self {
            StatutoryForm::Xiv => "Phụ lục XIV",
            StatutoryForm::Xv => "Phụ lục XV",
        }
    }

    /// The title, in Vietnamese and English.
    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            StatutoryForm::Xiv => (
                "Báo cáo tổng hợp tình hình tai nạn lao động (khu vực có quan hệ lao động)",
                "Summary report on occupational accidents (workers with a labour relation)",
            ),
            StatutoryForm::Xv => (
                "Báo cáo tổng hợp tình hình tai nạn lao động (người lao động làm việc không theo hợp đồng lao động)",
                "Summary report on occupational accidents (workers without a labour contract)",
            ),
        }
    }

    /// Whether the form has rates: only the sector with a labour relation has a
    /// known number of workers to divide by.
    pub fn has_rates(self) -> bool {
        self == StatutoryForm::Xiv
    }
}

/// A remark in Vietnamese and English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Note {
    pub vi: String,
    pub en: String,
}

/// The notes of a list of (Vietnamese, English) remarks.
pub fn notes(remarks: &[(&str, &str)]) -> Vec<Note> {
    remarks
        .iter()
        .map(|(vi, en)| Note {
            vi: (*vi).to_owned(),
            en: (*en).to_owned(),
        })
        .collect()
}

/// The legal source of the periodic forms.
pub const PERIODIC_SOURCE: &str = "Nghị định 39/2016/NĐ-CP, Điều 24 và 25; Phụ lục XIV, XV";

/// The legal source of the quick report.
pub const QUICK_REPORT_SOURCE: &str = "Nghị định 39/2016/NĐ-CP, Điều 24; Phụ lục XIII";

/// Who issues the province's reports (the `labor_authority` of the suite since 2025).
pub const ISSUING_BODY: (&str, &str) = (
    "Sở Nội vụ tỉnh Cao Bằng",
    "Department of Home Affairs of Cao Bằng province",
);

/// Who receives the periodic forms [M: the 2025 names].
pub const PERIODIC_RECIPIENTS: &[&str] = &["Bộ Nội vụ", "Thống kê tỉnh Cao Bằng"];

/// Who receives a quick report [M: the 2025 name].
pub const QUICK_REPORT_RECIPIENT: &str = "Bộ Nội vụ";

/// The breakdowns the periodic forms show, each the statistics grouped that way.
pub const BREAKDOWNS: [GroupBy; 5] = [
    GroupBy::Cause,
    GroupBy::InjuryFactor,
    GroupBy::VsicSection,
    GroupBy::OwnershipType,
    GroupBy::Commune,
];

/// What the periodic forms are known to ask that the suite cannot fill, or has not
/// checked against the annex: each says so in the report (`unverified`).
pub const PERIODIC_UNVERIFIED: &[(&str, &str)] = &[
    (
        "Bố cục và các chỉ tiêu của Phụ lục XIV, XV được dựng lại từ Phụ lục XII và phần mềm của bên thứ ba, chưa đối chiếu với văn bản.",
        "The layout and items of Phụ lục XIV and XV are reconstructed from Phụ lục XII and third-party software, not checked against the text.",
    ),
    (
        "Phụ lục nào dành cho khu vực nào (XIV: có quan hệ lao động; XV: không theo hợp đồng lao động) chưa được xác minh.",
        "Which annex is for which sector (XIV: with a labour relation; XV: without a labour contract) is not verified.",
    ),
    (
        "Chưa có: số người bị nạn không thuộc quyền quản lý, phân theo nghề nghiệp, thiệt hại tài sản.",
        "Not available: casualties not under the employer's management, the breakdown by occupation, property damage.",
    ),
];

/// What the quick report's layout is not verified against.
pub const QUICK_REPORT_UNVERIFIED: &[(&str, &str)] = &[(
    "Các mục của Phụ lục XIII được dựng lại, chưa đối chiếu với văn bản.",
    "The items of Phụ lục XIII are reconstructed, not checked against the text.",
)];

/// The periods the province reports: the first half-year and the year.
pub fn is_reporting_period(period: Period) -> bool {
    shared::calendar::is_reporting_period(period)
}

/// The first day on which the province's periodic forms for `period` are late.
pub fn due_date(period: Period) -> Option<NaiveDate> {
    super::accident_report::calendar_due_date("province", period)
}

/// A draft quick report is prepared for each grave case: the rule that also makes the
/// declaration immediate and starts the provincial investigation follow-up.
pub fn needs_quick_report(requires_immediate_declaration: bool) -> bool {
    requires_immediate_declaration
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_province_reports_before_15_july_and_25_january() {
        assert_eq!(
            due_date(Period::Half(2025, 1)),
            NaiveDate::from_ymd_opt(2025, 7, 15)
        );
        assert_eq!(
            due_date(Period::Year(2025)),
            NaiveDate::from_ymd_opt(2026, 1, 25)
        );
        assert_eq!(due_date(Period::Half(2025, 2)), None);
    }

    #[test]
    fn each_form_counts_one_sector() {
        assert_eq!(StatutoryForm::Xiv.sector(), Sector::WithLabourRelation);
        assert_eq!(StatutoryForm::Xv.sector(), Sector::WithoutLabourContract);
        assert!(StatutoryForm::Xiv.has_rates() && !StatutoryForm::Xv.has_rates());
    }
}
