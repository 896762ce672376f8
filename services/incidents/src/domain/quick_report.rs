//! What the Phụ lục XIII quick report (báo cáo nhanh tai nạn lao động) of a grave
//! accident says (docs/domain.md, "The province's statutory reports"). The items are
//! reconstructed [M]; the report says so (`unverified`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accident::{InvestigationLevel, Sector, Severity};
use super::statutory_report::Note;

/// The employer where the accident happened, as registered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuickReportEmployer {
    pub tax_code: String,
    pub name: String,
    /// VSIC 2018 section (ngành kinh tế).
    pub vsic_section: String,
    /// Ownership type (loại hình cơ sở).
    pub ownership_type: String,
    pub commune_code: String,
}

/// One casualty as the quick report names them (no identity document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuickReportCasualty {
    pub full_name: String,
    pub gender: String,
    pub birth_year: i64,
    pub occupation_code: Option<String>,
    pub contract_type: String,
    pub severity: Severity,
}

/// The accident as the quick report tells it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuickReportAccident {
    pub sector: Sector,
    pub occurred_at: DateTime<Utc>,
    /// When the authority was first told (`notified_at`).
    pub notified_at: DateTime<Utc>,
    pub commune_code: String,
    pub place: String,
    /// What happened (tóm tắt diễn biến).
    pub description: String,
    /// The causes as first declared (nguyên nhân ban đầu), codes 1–9.
    pub cause_codes: Vec<String>,
    pub injury_factor_code: Option<String>,
    pub police_notified_at: Option<DateTime<Utc>>,
    pub investigation_level: InvestigationLevel,
    pub investigation_deadline: DateTime<Utc>,
}

/// Counts of the casualties, from the statistics' own count of one accident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuickReportCounts {
    pub casualties: i64,
    pub fatal: i64,
    pub serious: i64,
    pub female: i64,
}

/// The Phụ lục XIII quick report of one grave accident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuickReport {
    /// `Phụ lục XIII`.
    pub annex: String,
    pub title: String,
    pub title_en: String,
    pub legal_source: String,
    pub issuing_body: String,
    pub recipient: String,
    pub accident: QuickReportAccident,
    /// `null` for an accident of workers without a labour contract.
    pub employer: Option<QuickReportEmployer>,
    pub counts: QuickReportCounts,
    pub casualties: Vec<QuickReportCasualty>,
    /// What of the form is not verified against the decree's text.
    pub unverified: Vec<Note>,
}

pub const ANNEX: &str = "Phụ lục XIII";
pub const TITLE: (&str, &str) = (
    "Báo cáo nhanh tai nạn lao động",
    "Quick report of an occupational accident",
);

/// The status of a prepared report: the suite prepares, Sở Nội vụ sends.
pub const DRAFT: &str = "draft";
