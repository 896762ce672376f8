//! Bodies of the accident endpoints (the declaration itself is
//! [`crate::domain::declaration::AccidentDeclaration`]).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::db::parse_stored;
use shared::error::{ApiError, FieldError, Location};
use utoipa::{IntoParams, ToSchema};

use crate::domain::accident::{self as rules, Severity, Status};
use crate::domain::declaration::Place;
use crate::domain::identity::IdType;
use crate::domain::investigation::InvestigationRecord;
use crate::service::accidents::AccidentView;

/// Costs of one casualty, in thousands of VND.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CostsResponse {
    #[serde(rename = "medical_thousand_vnd")]
    pub medical: i64,
    #[serde(rename = "wages_thousand_vnd")]
    pub wages: i64,
    #[serde(rename = "compensation_thousand_vnd")]
    pub compensation: i64,
}

/// One raise of a casualty's severity.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SeverityChange {
    pub changed_at: DateTime<Utc>,
    pub from: Severity,
    pub to: Severity,
    /// The supporting document (văn bản căn cứ), e.g. a forensic report.
    pub document_reference: String,
}

/// A casualty (người bị nạn). Personal data: every read is audited.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CasualtyResponse {
    pub id: String,
    /// The 12-digit personal ID, when that is the casualty's document (kept for
    /// compatibility; `identity` has every kind).
    pub personal_id: Option<String>,
    pub identity: IdentityResponse,
    pub full_name: String,
    pub gender: String,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: i64,
    pub occupation_code: Option<String>,
    pub contract_type: String,
    pub severity: Severity,
    pub severity_history: Vec<SeverityChange>,
    pub injury_codes: Vec<String>,
    pub days_off: i64,
    pub costs: CostsResponse,
}

/// The casualty's identity document.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityResponse {
    #[serde(rename = "type")]
    pub id_type: IdType,
    pub number: String,
    /// ISO 3166-1 alpha-2 (`VN` for a personal ID or an identity card).
    pub nationality: String,
}

impl IdentityResponse {
    /// The document of a stored casualty; an unknown stored `id_type` is an error.
    pub fn try_of(c: &crate::db::models::CasualtyRow) -> Result<Self, ApiError> {
        Ok(Self {
            id_type: parse_stored("casualties", "id_type", &c.id_type, IdType::parse)?,
            number: c.personal_id.clone(),
            nationality: c.nationality.clone(),
        })
    }
}

/// Who investigates and by when.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvestigationClock {
    /// `employer`, `provincial` or `commune`.
    pub level: String,
    /// Base period in days (4, 7, 20, 30 or 60).
    pub base_days: i64,
    pub extension_days: Option<i64>,
    /// Counted from `notified_at`.
    pub deadline: DateTime<Utc>,
    /// The deadline passed while the investigation was still open.
    pub overdue: bool,
    pub record_announced_on: Option<NaiveDate>,
}

/// A problem that does not stop the write (cảnh báo).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    pub pointer: Option<String>,
    pub code: String,
    pub message: String,
}

pub fn warnings(list: &[FieldError]) -> Vec<Warning> {
    let lang = shared::context::current().lang;
    list.iter()
        .map(|w| Warning {
            pointer: match &w.location {
                Location::Body(p) => Some(p.clone()),
                _ => None,
            },
            code: w.code.to_string(),
            message: w.message.get(lang).to_owned(),
        })
        .collect()
}

fn csv(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An accident declaration with what follows from it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentResponse {
    pub id: String,
    pub sector: String,
    pub establishment_id: Option<String>,
    pub establishment_tax_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub place: Place,
    pub occurred_at: DateTime<Utc>,
    pub notified_at: DateTime<Utc>,
    pub description: String,
    pub injury_factor_code: Option<String>,
    pub cause_codes: Vec<String>,
    pub commute_accident: bool,
    pub police_notified_at: Option<DateTime<Utc>>,
    pub needs_examination: bool,
    pub casualties: Vec<CasualtyResponse>,
    /// The worst casualty's severity (mức độ của vụ).
    pub case_severity: Severity,
    /// Any death or two or more seriously injured: declare at once.
    pub requires_immediate_declaration: bool,
    /// Any death: tell the police.
    pub requires_police_notice: bool,
    pub investigation: InvestigationClock,
    pub status: Status,
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filing receipt of the declaration (biên nhận): keep it; `received_at` decides timeliness.
    pub receipt: Option<shared::receipts::Receipt>,
    /// Problems that did not stop this write.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

fn status_of(a: &crate::db::models::AccidentRow) -> Result<Status, ApiError> {
    parse_stored("accidents", "status", &a.status, Status::parse)
}

fn case_severity_of(a: &crate::db::models::AccidentRow) -> Result<Severity, ApiError> {
    parse_stored(
        "accidents",
        "case_severity",
        &a.case_severity,
        Severity::parse,
    )
}

fn clock(
    view_accident: &crate::db::models::AccidentRow,
    announced: Option<NaiveDate>,
) -> Result<InvestigationClock, ApiError> {
    let status = status_of(view_accident)?;
    let deadline = view_accident.deadline_at.and_utc();
    Ok(InvestigationClock {
        level: view_accident.investigation_level.clone(),
        base_days: view_accident.investigation_days,
        extension_days: view_accident.extension_days,
        deadline,
        overdue: announced.is_none() && rules::is_overdue(status, deadline, Utc::now()),
        record_announced_on: announced,
    })
}

impl AccidentResponse {
    pub fn from_view(view: &AccidentView, warning_list: &[FieldError]) -> Result<Self, ApiError> {
        let a = &view.accident;
        let severity =
            |table, column, value: &str| parse_stored(table, column, value, Severity::parse);
        let casualties = view
            .casualties
            .iter()
            .map(|c| -> Result<_, ApiError> {
                Ok(CasualtyResponse {
                    id: c.id.clone(),
                    personal_id: (c.id_type == IdType::PersonalId.as_str())
                        .then(|| c.personal_id.clone()),
                    identity: IdentityResponse::try_of(c)?,
                    full_name: c.full_name.clone(),
                    gender: c.gender.clone(),
                    birth_date: c.birth_date,
                    birth_year: c.birth_year,
                    occupation_code: c.occupation_code.clone(),
                    contract_type: c.contract_type.clone(),
                    severity: severity("casualties", "severity", &c.severity)?,
                    severity_history: view
                        .severity_changes
                        .iter()
                        .filter(|s| s.casualty_id == c.id)
                        .map(|s| {
                            Ok(SeverityChange {
                                changed_at: s.changed_at.and_utc(),
                                from: severity(
                                    "severity_changes",
                                    "from_severity",
                                    &s.from_severity,
                                )?,
                                to: severity("severity_changes", "to_severity", &s.to_severity)?,
                                document_reference: s.document_reference.clone(),
                            })
                        })
                        .collect::<Result<_, ApiError>>()?,
                    injury_codes: csv(&c.injury_codes),
                    days_off: c.days_off,
                    costs: CostsResponse {
                        medical: c.cost_medical,
                        wages: c.cost_wages,
                        compensation: c.cost_compensation,
                    },
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            id: a.id.clone(),
            sector: a.sector.clone(),
            establishment_id: a.establishment_id.clone(),
            establishment_tax_code: a.establishment_tax_code.clone(),
            vsic_section: a.vsic_section.clone(),
            ownership_type: a.ownership_type.clone(),
            place: Place {
                commune_code: a.commune_code.clone(),
                address: a.place.clone(),
            },
            occurred_at: a.occurred_at.and_utc(),
            notified_at: a.notified_at.and_utc(),
            description: a.description.clone(),
            injury_factor_code: a.injury_factor_code.clone(),
            cause_codes: csv(&a.cause_codes),
            commute_accident: a.commute_accident,
            police_notified_at: a.police_notified_at.map(|t| t.and_utc()),
            needs_examination: a.needs_examination,
            casualties,
            case_severity: case_severity_of(a)?,
            requires_immediate_declaration: a.requires_immediate_declaration,
            requires_police_notice: a.requires_police_notice,
            investigation: clock(
                a,
                view.investigation
                    .as_ref()
                    .and_then(|i| i.record_announced_on),
            )?,
            status: status_of(a)?,
            external_ref: a.external_ref.clone(),
            version: a.version,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
            receipt: view.receipt.clone(),
            warnings: warnings(warning_list),
        })
    }
}

/// An accident in a list: no personal data, the casualties counted by severity.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentSummary {
    pub id: String,
    pub sector: String,
    pub establishment_id: Option<String>,
    pub vsic_section: Option<String>,
    pub commune_code: String,
    pub occurred_at: DateTime<Utc>,
    pub notified_at: DateTime<Utc>,
    pub case_severity: Severity,
    pub casualties: i64,
    pub fatal: i64,
    pub serious: i64,
    pub requires_immediate_declaration: bool,
    pub investigation: InvestigationClock,
    pub status: Status,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl AccidentSummary {
    pub fn new(listed: &crate::service::accidents::Listed) -> Result<Self, ApiError> {
        let (a, severities) = (&listed.row, &listed.severities);
        let count = |s: Severity| {
            i64::try_from(severities.iter().filter(|v| **v == s).count()).unwrap_or_default()
        };
        Ok(Self {
            id: a.id.clone(),
            sector: a.sector.clone(),
            establishment_id: a.establishment_id.clone(),
            vsic_section: a.vsic_section.clone(),
            commune_code: a.commune_code.clone(),
            occurred_at: a.occurred_at.and_utc(),
            notified_at: a.notified_at.and_utc(),
            case_severity: case_severity_of(a)?,
            casualties: i64::try_from(severities.len()).unwrap_or_default(),
            fatal: count(Severity::Fatal),
            serious: count(Severity::Serious),
            requires_immediate_declaration: a.requires_immediate_declaration,
            investigation: clock(a, listed.record_announced_on)?,
            status: status_of(a)?,
            version: a.version,
            updated_at: a.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentList {
    pub items: Vec<AccidentSummary>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Filters of the accident list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAccidentsParams {
    /// `2025`, `2025-H1` or `2025-H2`: accidents that occurred in that period (Viet Nam time).
    pub period: Option<String>,
    /// Occurred on or after this date.
    pub from: Option<NaiveDate>,
    /// Occurred on or before this date.
    pub to: Option<NaiveDate>,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub severity: Option<Severity>,
    pub status: Option<Status>,
    pub sector: Option<crate::domain::accident::Sector>,
    /// Establishment id.
    pub establishment: Option<uuid::Uuid>,
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<DateTime<FixedOffset>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// Corrections to an accident's own facts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "occurred_at": "2026-03-02T08:30:00+07:00",
    "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
    "description": "Sạt lở đất đá tại khai trường khi đang bốc xúc; bổ sung lời khai nhân chứng.",
    "injury_factor_code": "07",
    "cause_codes": ["1", "3"],
    "commute_accident": false,
    "police_notified_at": "2026-03-02T09:30:00+07:00",
    "needs_examination": false,
    "change_reason": "Bổ sung thời điểm báo công an"
}))]
pub struct CorrectAccidentRequest {
    pub occurred_at: DateTime<FixedOffset>,
    pub place: Place,
    pub description: String,
    pub injury_factor_code: Option<String>,
    #[serde(default)]
    pub cause_codes: Vec<String>,
    #[serde(default)]
    pub commute_accident: bool,
    pub police_notified_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub needs_examination: bool,
    /// Why (lý do thay đổi).
    pub change_reason: String,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "under_investigation", "change_reason": "Thành lập đoàn điều tra cấp tỉnh"}))]
pub struct TransitionRequest {
    pub status: Status,
    pub change_reason: String,
}

/// A raise of a casualty's severity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"severity": "fatal", "document_reference": "Kết luận giám định pháp y số 12/GĐPY ngày 20/03/2026"}))]
pub struct RaiseSeverityRequest {
    pub severity: Severity,
    #[schema(max_length = 300)]
    pub document_reference: String,
}

/// One version of an accident.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentRevision {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub change_reason: String,
    /// The accident's fields and its casualties' severities at this version.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentRevisionList {
    pub items: Vec<AccidentRevision>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// The investigation, with the clock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvestigationResponse {
    pub accident_id: String,
    pub record: InvestigationRecord,
    pub clock: InvestigationClock,
    pub updated_at: DateTime<Utc>,
}

impl InvestigationResponse {
    pub fn from_view(view: &AccidentView) -> Result<Self, ApiError> {
        let row = view.investigation.as_ref().ok_or(ApiError::NotFound {
            resource: "investigation",
        })?;
        Ok(Self {
            accident_id: view.accident.id.clone(),
            record: serde_json::from_str(&row.record).map_err(anyhow::Error::from)?,
            clock: clock(&view.accident, row.record_announced_on)?,
            updated_at: row.updated_at.and_utc(),
        })
    }
}
