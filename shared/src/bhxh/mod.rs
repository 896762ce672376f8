//! The BHXH exchange of both services (docs/domain.md, "BHXH benefit rules"): the feed
//! cursor and the checks on a benefit decision BHXH sends back (here), their storage
//! ([`store`]), the use-cases ([`exchange`]) and the reconciliation's shape
//! ([`reconciliation`]). What is each service's own: why a record is in its feed
//! (`FeedReason` in its `domain::bhxh`), what a feed entry holds and which record a
//! decision names.

pub mod api;
pub mod exchange;
pub mod reconciliation;
pub mod store;

use crate::error::{ApiError, FieldError, Text};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const CURSOR_PREFIX: &str = "bhxh-v1:";

/// The opaque cursor that resumes the feed after the change `seq`.
pub fn encode_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{seq}"))
}

/// The last change a cursor has seen (0 without a cursor).
pub fn decode_cursor(cursor: Option<&str>) -> Result<i64, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    let invalid = crate::pagination::invalid_cursor;
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(CURSOR_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(invalid)
}

/// The benefit granted (chế độ hưởng, Law art. 48–53).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BenefitType {
    /// Trợ cấp một lần (loss 5–30%).
    OneTime,
    /// Trợ cấp hằng tháng (loss 31% or more).
    Monthly,
    /// Chế độ tử tuất: the worker died.
    Survivor,
}

impl BenefitType {
    pub fn as_str(self) -> &'static str {
        match self {
            BenefitType::OneTime => "one_time",
            BenefitType::Monthly => "monthly",
            BenefitType::Survivor => "survivor",
        }
    }
}

/// Where the decision stands at BHXH.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Đã ban hành.
    Issued,
    /// Đã chi trả.
    Paid,
    /// Tạm dừng.
    Suspended,
    /// Đã hủy.
    Revoked,
}

impl DecisionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Issued => "issued",
            DecisionStatus::Paid => "paid",
            DecisionStatus::Suspended => "suspended",
            DecisionStatus::Revoked => "revoked",
        }
    }
}

/// One benefit decision of BHXH (quyết định hưởng chế độ TNLĐ-BNN).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BenefitDecision {
    /// Số quyết định; a decision is identified by it.
    #[schema(example = "152/QĐ-BHXH")]
    pub decision_number: String,
    /// Ngày quyết định.
    pub decision_date: NaiveDate,
    /// Số định danh cá nhân (12 digits), also the social insurance number.
    #[schema(example = "004090001234")]
    pub personal_id: String,
    /// The record id from the feed: `casualty_id` (incidents) or `case_id` (health-stats).
    pub case_reference: String,
    /// Mức suy giảm khả năng lao động (%), as assessed by the medical council.
    pub capacity_loss_percent: Option<u8>,
    pub benefit_type: BenefitType,
    /// Số tiền (VND).
    pub amount_vnd: i64,
    pub status: DecisionStatus,
}

fn body_error(field: &str, code: &'static str, vi: &'static str, en: &'static str) -> FieldError {
    FieldError::body(format!("/{field}"), code, Text::new(vi, en))
}

/// The rules of one decision; pointers are relative to the decision (`/personal_id`).
pub fn validate(d: &BenefitDecision, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let number = d.decision_number.trim();
    if number.is_empty() || number.chars().count() > 100 {
        errors.push(body_error(
            "decision_number",
            "invalid_decision_number",
            "Số quyết định không được để trống và dài tối đa 100 ký tự.",
            "The decision number is required and at most 100 characters.",
        ));
    }
    if d.decision_date > today {
        errors.push(body_error(
            "decision_date",
            "date_in_future",
            "Ngày quyết định không thể ở tương lai.",
            "The decision date cannot be in the future.",
        ));
    }
    if crate::validate::parse_personal_id(&d.personal_id).is_err() {
        errors.push(body_error(
            "personal_id",
            "invalid_personal_id",
            "Số định danh cá nhân phải gồm 12 chữ số.",
            "The personal ID number must be 12 digits.",
        ));
    }
    let reference = d.case_reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        errors.push(body_error(
            "case_reference",
            "invalid_case_reference",
            "Mã hồ sơ không được để trống và dài tối đa 100 ký tự.",
            "The case reference is required and at most 100 characters.",
        ));
    }
    if d.amount_vnd < 0 {
        errors.push(body_error(
            "amount_vnd",
            "invalid_amount",
            "Số tiền không được âm.",
            "The amount cannot be negative.",
        ));
    }
    match (d.benefit_type, d.capacity_loss_percent) {
        (_, Some(p)) if p > 100 => errors.push(body_error(
            "capacity_loss_percent",
            "invalid_capacity_loss",
            "Mức suy giảm khả năng lao động từ 0 đến 100%.",
            "The loss of working capacity is 0 to 100%.",
        )),
        (BenefitType::OneTime | BenefitType::Monthly, None) => errors.push(body_error(
            "capacity_loss_percent",
            "capacity_loss_required",
            "Trợ cấp một lần hoặc hằng tháng cần mức suy giảm khả năng lao động đã giám định.",
            "A one-time or monthly allowance needs the assessed loss of working capacity.",
        )),
        (BenefitType::OneTime, Some(p)) if !(5..=30).contains(&p) => errors.push(body_error(
            "benefit_type",
            "benefit_type_mismatch",
            "Trợ cấp một lần chỉ dành cho mức suy giảm từ 5% đến 30%.",
            "A one-time allowance is for a loss of 5% to 30%.",
        )),
        (BenefitType::Monthly, Some(p)) if p < 31 => errors.push(body_error(
            "benefit_type",
            "benefit_type_mismatch",
            "Trợ cấp hằng tháng chỉ dành cho mức suy giảm từ 31% trở lên.",
            "A monthly allowance is for a loss of 31% or more.",
        )),
        _ => {}
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> BenefitDecision {
        BenefitDecision {
            decision_number: "1/QĐ-BHXH".into(),
            decision_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
            personal_id: "004090001234".into(),
            case_reference: "x".into(),
            capacity_loss_percent: Some(20),
            benefit_type: BenefitType::OneTime,
            amount_vnd: 10_000_000,
            status: DecisionStatus::Issued,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
    }

    #[test]
    fn a_cursor_round_trips_and_forgeries_are_refused() {
        assert_eq!(decode_cursor(Some(&encode_cursor(42))).ok(), Some(42));
        assert_eq!(decode_cursor(None).ok(), Some(0));
        assert!(decode_cursor(Some("42")).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode("bhxh-v1:-1"))).is_err());
    }

    #[test]
    fn the_benefit_type_must_fit_the_loss() {
        assert!(validate(&decision(), today()).is_empty());
        let monthly = BenefitDecision {
            benefit_type: BenefitType::Monthly,
            ..decision()
        };
        let errors = validate(&monthly, today());
        assert_eq!(
            errors.first().map(|e| e.code.as_ref()),
            Some("benefit_type_mismatch")
        );
        let survivor = BenefitDecision {
            benefit_type: BenefitType::Survivor,
            capacity_loss_percent: None,
            ..decision()
        };
        assert!(validate(&survivor, today()).is_empty());
    }
}
