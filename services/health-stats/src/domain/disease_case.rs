//! An occupational-disease case (trường hợp bệnh nghề nghiệp): one diagnosed worker
//! and one disease of the compensable list.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use utoipa::ToSchema;

use super::establishment::{self, EstablishmentFacts, ValidEstablishment};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Diagnosed by a licensed facility (đã chẩn đoán).
    Diagnosed,
    /// Loss of working capacity assessed (đã giám định).
    Assessed,
    /// Receiving benefits (đang hưởng chế độ).
    Compensated,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Diagnosed => "diagnosed",
            CaseStatus::Assessed => "assessed",
            CaseStatus::Compensated => "compensated",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Diagnosed,
            Self::Assessed,
            Self::Compensated,
            Self::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A new case.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_id": "004090012345", "full_name": "Hoàng Văn C", "gender": "male", "birth_date": "1990-04-12",
    "establishment": {"tax_code": "0100047516", "name": "Công ty TNHH Khai khoáng Cao Bằng", "commune_code": "01273", "vsic_code": "07100", "ownership_type": "2"},
    "disease_code": "BNN-18", "exposure_factor": "Tiếng ồn 92 dBA tại khu nghiền đá",
    "diagnosed_on": "2026-05-02", "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
}))]
pub struct NewCase {
    /// Personal identification number, 12 digits (số định danh cá nhân).
    pub personal_id: String,
    pub full_name: String,
    pub gender: Gender,
    pub birth_date: Option<NaiveDate>,
    /// The employer where the worker was exposed.
    pub establishment: EstablishmentFacts,
    /// A code of the compensable list (`BNN-01` … `BNN-35`).
    pub disease_code: String,
    /// The harmful factor of exposure (yếu tố có hại).
    pub exposure_factor: Option<String>,
    pub diagnosed_on: NaiveDate,
    /// The licensed facility that diagnosed it (cơ sở khám bệnh nghề nghiệp).
    pub diagnosis_facility: String,
    /// Assessed loss of working capacity, % (tỷ lệ suy giảm khả năng lao động), when known.
    pub capacity_loss_percent: Option<u8>,
    pub assessed_on: Option<NaiveDate>,
}

/// The case once checked.
pub struct ValidCase {
    pub case: NewCase,
    pub establishment: ValidEstablishment,
}

fn err(errors: &mut Vec<FieldError>, pointer: &str, code: &'static str, vi: &str, en: &str) {
    errors.push(FieldError::body(
        pointer,
        code,
        Text::new(vi.to_owned(), en.to_owned()),
    ));
}

/// Checks a new case; `today` bounds the dates.
pub fn validate(case: NewCase, today: NaiveDate) -> Result<ValidCase, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = shared::validate::parse_personal_id(&case.personal_id) {
        errors.push(FieldError::body(
            "/personal_id",
            e.code,
            Text::new(e.message_vi, e.message_en),
        ));
    }
    if case.full_name.trim().is_empty() || case.full_name.chars().count() > 200 {
        err(
            &mut errors,
            "/full_name",
            "invalid_full_name",
            "Họ tên không được để trống (tối đa 200 ký tự).",
            "The full name is required (at most 200 characters).",
        );
    }
    let establishment = establishment::validate(&case.establishment, "/establishment", &mut errors);
    match shared::refdata::occupational_disease(&case.disease_code) {
        None => err(
            &mut errors,
            "/disease_code",
            "unknown_disease_code",
            "Mã bệnh không có trong danh mục bệnh nghề nghiệp được bảo hiểm (BNN-01 … BNN-35).",
            "Not a code of the compensable list (BNN-01 … BNN-35).",
        ),
        // Occupational COVID-19 counts from exposures since 1 February 2020 (TT 02/2023).
        Some(d)
            if d.code == "BNN-35"
                && case.diagnosed_on < NaiveDate::from_ymd_opt(2020, 2, 1).unwrap_or(today) =>
        {
            err(
                &mut errors,
                "/diagnosed_on",
                "before_disease_listed",
                "Bệnh COVID-19 nghề nghiệp chỉ tính từ 01/02/2020.",
                "Occupational COVID-19 counts from 1 February 2020.",
            );
        }
        Some(_) => {}
    }
    if case.diagnosed_on > today {
        err(
            &mut errors,
            "/diagnosed_on",
            "in_the_future",
            "Ngày chẩn đoán ở tương lai.",
            "diagnosed_on is in the future.",
        );
    }
    if case.birth_date.is_some_and(|b| b >= case.diagnosed_on) {
        err(
            &mut errors,
            "/birth_date",
            "after_diagnosis",
            "Ngày sinh phải trước ngày chẩn đoán.",
            "birth_date must be before diagnosed_on.",
        );
    }
    if case.diagnosis_facility.trim().is_empty() {
        err(
            &mut errors,
            "/diagnosis_facility",
            "facility_required",
            "Cần nêu cơ sở chẩn đoán.",
            "The diagnosing facility is required.",
        );
    }
    check_assessment(
        case.capacity_loss_percent,
        case.assessed_on,
        case.diagnosed_on,
        &mut errors,
    );
    match establishment {
        Some(establishment) if errors.is_empty() => Ok(ValidCase {
            case,
            establishment,
        }),
        _ => Err(errors),
    }
}

/// Loss of working capacity is a percentage, assessed on or after the diagnosis.
pub fn check_assessment(
    percent: Option<u8>,
    assessed_on: Option<NaiveDate>,
    diagnosed_on: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    if percent.is_some_and(|p| p > 100) {
        err(
            errors,
            "/capacity_loss_percent",
            "invalid_percent",
            "Tỷ lệ suy giảm khả năng lao động từ 0 đến 100%.",
            "The loss of working capacity is 0 to 100 %.",
        );
    }
    if assessed_on.is_some_and(|a| a < diagnosed_on) {
        err(
            errors,
            "/assessed_on",
            "before_diagnosis",
            "Ngày giám định không thể trước ngày chẩn đoán.",
            "assessed_on cannot be before diagnosed_on.",
        );
    }
}
