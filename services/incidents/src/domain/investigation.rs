//! The investigation record (biên bản điều tra TNLĐ, docs/domain.md, "The investigation record") as sent and kept.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use utoipa::ToSchema;

use super::accident::InvestigationLevel;

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    pub name: String,
    /// Position (chức vụ).
    pub position: Option<String>,
    pub organisation: Option<String>,
    /// Role in the team, e.g. `head`, `member`.
    pub role: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsibleParty {
    pub name: String,
    /// The violation found (hành vi vi phạm).
    pub violation: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectiveMeasure {
    pub measure: String,
    pub owner: Option<String>,
    pub due_date: Option<NaiveDate>,
}

/// The investigation of an accident (điều tra tai nạn lao động).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "team_level": "provincial",
    "decision_number": "125/QĐ-SNV",
    "decision_date": "2026-03-03",
    "members": [{"name": "Hoàng Văn B", "position": "Phó Giám đốc", "organisation": "Sở Nội vụ", "role": "head"}],
    "conclusions": "Người lao động không được huấn luyện an toàn khi làm việc tại khai trường.",
    "is_occupational_accident": true,
    "cause_codes": ["1"],
    "responsible_parties": [{"name": "Công ty TNHH Khai khoáng Cao Bằng", "violation": "Không huấn luyện an toàn"}],
    "corrective_measures": [{"measure": "Huấn luyện lại toàn bộ công nhân khai trường", "owner": "Giám đốc", "due_date": "2026-04-30"}],
    "extension_days": null,
    "record_announced_on": null
}))]
pub struct InvestigationRecord {
    pub team_level: InvestigationLevel,
    /// Number of the decision forming the team (số quyết định thành lập đoàn).
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    #[serde(default)]
    pub members: Vec<TeamMember>,
    pub conclusions: Option<String>,
    /// Whether the team concluded it is an occupational accident (có phải TNLĐ).
    pub is_occupational_accident: Option<bool>,
    #[serde(default)]
    pub cause_codes: Vec<String>,
    #[serde(default)]
    pub responsible_parties: Vec<ResponsibleParty>,
    #[serde(default)]
    pub corrective_measures: Vec<CorrectiveMeasure>,
    /// The one extension of the deadline, in days (gia hạn); no longer than the base period.
    #[schema(maximum = 365)]
    pub extension_days: Option<i64>,
    /// When the record was announced (ngày công bố biên bản); stops the clock.
    pub record_announced_on: Option<NaiveDate>,
}

/// Shape checks; the deadline rules are checked against the case in the service.
pub fn validate(record: &InvestigationRecord, occurred_on: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, code) in record.cause_codes.iter().enumerate() {
        if !(code.len() == 1 && code.bytes().all(|b| (b'1'..=b'9').contains(&b))) {
            errors.push(FieldError::body(
                format!("/cause_codes/{i}"),
                "invalid_cause_code",
                Text::new("Mã nguyên nhân phải từ 1 đến 9.", "Cause codes are 1 to 9."),
            ));
        }
    }
    for (field, date) in [
        ("decision_date", record.decision_date),
        ("record_announced_on", record.record_announced_on),
    ] {
        if date.is_some_and(|d| d < occurred_on) {
            errors.push(FieldError::body(
                format!("/{field}"),
                "before_occurrence",
                Text::new(
                    "Ngày này không thể trước ngày xảy ra tai nạn.",
                    "This date cannot be before the accident.",
                ),
            ));
        }
    }
    if record.record_announced_on.is_some() && record.is_occupational_accident.is_none() {
        errors.push(FieldError::body(
            "/is_occupational_accident",
            "conclusion_required",
            Text::new(
                "Biên bản đã công bố phải kết luận có phải tai nạn lao động hay không.",
                "An announced record must conclude whether it is an occupational accident.",
            ),
        ));
    }
    errors
}
