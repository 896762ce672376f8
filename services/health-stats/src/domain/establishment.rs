//! The establishment fields every report carries, and their checks.

use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use shared::refdata;
use utoipa::ToSchema;

/// The reporting establishment, as the report states it (thông tin cơ sở).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstablishmentFacts {
    /// Tax code (mã số thuế): 10 digits, 13 for a branch, or a 12-digit personal ID.
    #[schema(example = "0100047516")]
    pub tax_code: String,
    pub name: String,
    /// Commune or ward in force today.
    pub commune_code: Option<String>,
    /// VSIC 2018 code (2–5 digits); its section is derived.
    pub vsic_code: Option<String>,
    /// Ownership type code (the `ownership-types` code list).
    pub ownership_type: Option<String>,
}

/// The facts once checked: the normalised tax code and the VSIC section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidEstablishment {
    pub tax_code: String,
    pub name: String,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
}

fn at(prefix: &str, field: &str) -> String {
    format!("{prefix}/{field}")
}

/// Checks the establishment fields found at `prefix` (e.g. `/establishment`).
pub fn validate(
    facts: &EstablishmentFacts,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) -> Option<ValidEstablishment> {
    let before = errors.len();
    let tax_code = match shared::validate::parse_tax_code(&facts.tax_code) {
        Ok(t) => t.as_str().to_owned(),
        Err(e) => {
            errors.push(FieldError::body(
                at(prefix, "tax_code"),
                e.code,
                Text::new(e.message_vi, e.message_en),
            ));
            String::new()
        }
    };
    let name = facts.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        errors.push(FieldError::body(
            at(prefix, "name"),
            "invalid_name",
            Text::new(
                "Tên cơ sở không được để trống (tối đa 255 ký tự).",
                "The name is required (at most 255 characters).",
            ),
        ));
    }
    if let Some(code) = &facts.commune_code
        && refdata::admin_unit(code, shared::time::today()).is_none()
    {
        errors.push(FieldError::body(
            at(prefix, "commune_code"),
            "unknown_commune_code",
            Text::new(
                "Mã xã/phường không có trong danh mục đơn vị hành chính đang có hiệu lực của tỉnh Cao Bằng.",
                "The commune code is not a Cao Bằng unit in force today.",
            ),
        ));
    }
    let vsic_section = match &facts.vsic_code {
        Some(code) => {
            let section = (2..=5)
                .contains(&code.len())
                .then_some(code)
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.get(..2))
                .and_then(|d| d.parse::<u8>().ok())
                .and_then(refdata::vsic_section_of_division)
                .map(|s| s.code.clone());
            if section.is_none() {
                errors.push(FieldError::body(
                    at(prefix, "vsic_code"),
                    "invalid_vsic_code",
                    Text::new(
                        "Mã ngành VSIC 2018 không hợp lệ.",
                        "Invalid VSIC 2018 code.",
                    ),
                ));
            }
            section
        }
        None => None,
    };
    if facts
        .ownership_type
        .as_deref()
        .is_some_and(|o| refdata::ownership_type(o).is_none())
    {
        errors.push(FieldError::body(
            at(prefix, "ownership_type"),
            "unknown_ownership_type",
            Text::new(
                "Loại hình cơ sở không có trong danh mục.",
                "Unknown ownership type.",
            ),
        ));
    }
    (errors.len() == before).then(|| ValidEstablishment {
        tax_code,
        name,
        commune_code: facts.commune_code.clone(),
        vsic_section,
        ownership_type: facts.ownership_type.clone(),
    })
}
