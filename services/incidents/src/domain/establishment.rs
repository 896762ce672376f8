//! What makes an establishment record valid, and who may see or change one.

use chrono::NaiveDate;
use shared::error::{FieldError, Text};
use shared::refdata;
use shared::validate::{self, TaxCode};

/// The editable facts of an establishment, as sent by a caller.
#[derive(Clone, Debug, Default)]
pub struct EstablishmentInput {
    pub name: String,
    pub vsic_code: String,
    pub ownership_type: String,
    pub commune_code: String,
    pub address: Option<String>,
    pub workers_total: u32,
    pub workers_female: u32,
    pub workers_hazardous: u32,
    pub bhxh_unit_code: Option<String>,
}

/// The same facts once every rule holds, with what follows from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidEstablishment {
    pub name: String,
    pub vsic_code: String,
    pub vsic_section: String,
    pub ownership_type: String,
    pub commune_code: String,
    pub address: Option<String>,
    pub workers_total: u32,
    pub workers_female: u32,
    pub workers_hazardous: u32,
    pub bhxh_unit_code: Option<String>,
}

const MAX_NAME: usize = 255;
const MAX_ADDRESS: usize = 500;
const MAX_WORKERS: u32 = 1_000_000;

/// A tax code, or the reason it is not one, pointed at `pointer`.
pub fn check_tax_code(raw: &str, pointer: &str) -> Result<TaxCode, FieldError> {
    validate::parse_tax_code(raw)
        .map_err(|e| FieldError::body(pointer, e.code, Text::new(e.message_vi, e.message_en)))
}

/// Checks every rule and reports every broken one, each with its pointer.
pub fn validate(
    input: &EstablishmentInput,
    today: NaiveDate,
) -> Result<ValidEstablishment, Vec<FieldError>> {
    let mut errors = Vec::new();

    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        errors.push(FieldError::body(
            "/name",
            "invalid_name",
            Text::new(
                format!("Tên cơ sở không được để trống và dài tối đa {MAX_NAME} ký tự."),
                format!("The name must be non-empty and at most {MAX_NAME} characters."),
            ),
        ));
    }

    let vsic_section = match vsic_section_of(&input.vsic_code) {
        Some(section) => section,
        None => {
            errors.push(FieldError::body(
                "/vsic_code",
                "invalid_vsic_code",
                Text::new(
                    "Mã ngành VSIC 2018 phải gồm 2 đến 5 chữ số, bắt đầu bằng một mã ngành cấp 2 có thật (ví dụ 41 hoặc 41000).",
                    "The VSIC 2018 code must be 2 to 5 digits starting with an existing division (e.g. 41 or 41000).",
                ),
            ));
            String::new()
        }
    };

    if refdata::ownership_type(&input.ownership_type).is_none() {
        let known = refdata::ownership_types()
            .iter()
            .map(|t| t.code.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        errors.push(FieldError::body(
            "/ownership_type",
            "unknown_ownership_type",
            Text::new(
                format!("Loại hình cơ sở không có trong danh mục ({known})."),
                format!("Unknown ownership type; expected one of {known}."),
            ),
        ));
    }

    if let Err(e) = check_commune(&input.commune_code, today) {
        errors.push(e);
    }

    let address = input
        .address
        .as_ref()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    if address
        .as_ref()
        .is_some_and(|a| a.chars().count() > MAX_ADDRESS)
    {
        errors.push(FieldError::body(
            "/address",
            "invalid_address",
            Text::new(
                format!("Địa chỉ dài tối đa {MAX_ADDRESS} ký tự."),
                format!("The address is at most {MAX_ADDRESS} characters."),
            ),
        ));
    }

    if input.workers_total > MAX_WORKERS {
        errors.push(FieldError::body(
            "/headcount/total",
            "implausible_headcount",
            Text::new(
                format!("Tổng số lao động vượt quá {MAX_WORKERS}."),
                format!("The total headcount exceeds {MAX_WORKERS}."),
            ),
        ));
    }
    for (value, pointer, vi, en) in [
        (
            input.workers_female,
            "/headcount/female",
            "Số lao động nữ",
            "The number of women",
        ),
        (
            input.workers_hazardous,
            "/headcount/hazardous",
            "Số lao động làm nghề nặng nhọc, độc hại",
            "The number in hazardous jobs",
        ),
    ] {
        if value > input.workers_total {
            errors.push(FieldError::body(
                pointer,
                "exceeds_total_headcount",
                Text::new(
                    format!("{vi} không thể lớn hơn tổng số lao động."),
                    format!("{en} cannot exceed the total headcount."),
                ),
            ));
        }
    }

    let bhxh_unit_code = input
        .bhxh_unit_code
        .as_ref()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    if bhxh_unit_code
        .as_ref()
        .is_some_and(|c| c.len() > 20 || !c.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        // No official format is published for BHXH unit codes: only the shape is checked.
        errors.push(FieldError::body(
            "/bhxh_unit_code",
            "invalid_bhxh_unit_code",
            Text::new(
                "Mã đơn vị BHXH gồm tối đa 20 chữ cái hoặc chữ số.",
                "The BHXH unit code is at most 20 letters or digits.",
            ),
        ));
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidEstablishment {
        name,
        vsic_code: input.vsic_code.clone(),
        vsic_section,
        ownership_type: input.ownership_type.clone(),
        commune_code: input.commune_code.clone(),
        address,
        workers_total: input.workers_total,
        workers_female: input.workers_female,
        workers_hazardous: input.workers_hazardous,
        bhxh_unit_code,
    })
}

/// The VSIC section letter of a 2–5 digit code whose first two digits are a division.
pub fn vsic_section_of(code: &str) -> Option<String> {
    if !(2..=5).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let division = code.get(..2)?.parse::<u8>().ok()?;
    refdata::vsic_section_of_division(division).map(|s| s.code.clone())
}

/// A commune code must name a unit in force today. A unit abolished in the 2025
/// reform is refused with the name of the unit it became part of.
pub fn check_commune(code: &str, today: NaiveDate) -> Result<(), FieldError> {
    if refdata::admin_unit(code, today).is_some() {
        return Ok(());
    }
    let former = refdata::admin_unit_any_period(code)
        .into_iter()
        .rfind(|u| u.valid_to.is_some_and(|to| to < today));
    match former {
        Some(unit) => {
            let successors = unit
                .successors
                .iter()
                .map(|s| format!("{} ({})", s.name, s.code))
                .collect::<Vec<_>>()
                .join(", ");
            Err(FieldError::body(
                "/commune_code",
                "former_commune_code",
                Text::new(
                    format!(
                        "Mã {code} là của {} (đã giải thể từ 01/07/2025); hãy dùng mã đơn vị mới: {successors}.",
                        unit.name
                    ),
                    format!(
                        "Code {code} belonged to {}, abolished on 1 July 2025; use the new unit: {successors}.",
                        unit.name
                    ),
                ),
            ))
        }
        None => Err(FieldError::body(
            "/commune_code",
            "unknown_commune_code",
            Text::new(
                "Mã xã/phường không có trong danh mục đơn vị hành chính của tỉnh Cao Bằng.",
                "The commune code is not a Cao Bằng administrative unit.",
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn input() -> EstablishmentInput {
        EstablishmentInput {
            name: "Công ty TNHH Khai khoáng Cao Bằng".into(),
            vsic_code: "07100".into(),
            ownership_type: "2".into(),
            commune_code: "01273".into(),
            address: Some("Phường Thục Phán".into()),
            workers_total: 120,
            workers_female: 30,
            workers_hazardous: 80,
            bhxh_unit_code: Some("ta0001a".into()),
        }
    }

    fn codes(result: Result<ValidEstablishment, Vec<FieldError>>) -> Vec<(String, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (format!("{:?}", e.location), e.code.into_owned()))
            .collect()
    }

    #[test]
    fn a_valid_establishment_gets_its_section() {
        let valid = validate(&input(), day(2026, 1, 1));
        assert_eq!(
            valid.as_ref().map(|v| v.vsic_section.as_str()).ok(),
            Some("B")
        );
        assert_eq!(
            valid.map(|v| v.bhxh_unit_code).ok().flatten().as_deref(),
            Some("TA0001A")
        );
    }

    #[test]
    fn every_broken_rule_is_reported_with_its_pointer() {
        let bad = EstablishmentInput {
            name: "  ".into(),
            vsic_code: "04".into(),
            ownership_type: "8".into(),
            commune_code: "99999".into(),
            workers_female: 200,
            workers_hazardous: 121,
            ..input()
        };
        let codes = codes(validate(&bad, day(2026, 1, 1)));
        let got: Vec<&str> = codes.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(
            got,
            [
                "invalid_name",
                "invalid_vsic_code",
                "unknown_ownership_type",
                "unknown_commune_code",
                "exceeds_total_headcount",
                "exceeds_total_headcount"
            ]
        );
        assert!(codes.iter().any(|(p, _)| p.contains("/headcount/female")));
    }

    #[test]
    fn vsic_codes_must_start_with_a_real_division() {
        assert_eq!(vsic_section_of("41").as_deref(), Some("F"));
        assert_eq!(vsic_section_of("86101").as_deref(), Some("Q"));
        assert_eq!(vsic_section_of("04"), None);
        assert_eq!(vsic_section_of("4"), None);
        assert_eq!(vsic_section_of("410000"), None);
        assert_eq!(vsic_section_of("4a"), None);
    }

    #[test]
    fn a_commune_abolished_in_2025_names_its_successor() {
        // 01267 Phường Sông Hiến became part of Phường Thục Phán (01273).
        let err = check_commune("01267", day(2026, 1, 1)).err();
        assert_eq!(
            err.as_ref().map(|e| e.code.as_ref()),
            Some("former_commune_code")
        );
        assert!(err.is_some_and(|e| e.message.vi.contains("01273")));
        // Before the reform it was valid.
        assert!(check_commune("01267", day(2025, 6, 30)).is_ok());
    }
}
