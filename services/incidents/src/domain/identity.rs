//! How a casualty is identified: the persons ND 39/2016 covers include foreign
//! workers in Viet Nam and Vietnamese still holding the 9-digit identity card (CMND),
//! so a 12-digit personal ID is one of three documents (docs/integration.md,
//! "Identifying a casualty"). Each has its own rule; the number never appears in logs
//! (`Debug` masks it).

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use shared::validate;
use utoipa::ToSchema;

/// The kind of identity document (loại giấy tờ tùy thân).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// Personal identification number, 12 digits (số định danh cá nhân / CCCD).
    PersonalId,
    /// The old identity card, 9 digits (chứng minh nhân dân, CMND), still in use.
    IdCard,
    /// A passport or another identity document issued by the holder's country (hộ chiếu
    /// / giấy tờ tùy thân nước ngoài), with its nationality.
    Passport,
}

impl IdType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PersonalId => "personal_id",
            Self::IdCard => "id_card",
            Self::Passport => "passport",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "personal_id" => Some(Self::PersonalId),
            "id_card" => Some(Self::IdCard),
            "passport" => Some(Self::Passport),
            _ => None,
        }
    }
}

/// Viet Nam, the nationality of the two Vietnamese documents.
pub const VIET_NAM: &str = "VN";

/// An identity document as sent.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "passport", "number": "E12345678", "nationality": "CN"}))]
pub struct IdentityDocument {
    #[serde(rename = "type")]
    pub id_type: IdType,
    /// The document's number: 12 digits for `personal_id`, 9 for `id_card`, 5 to 20
    /// letters or digits for `passport` (spaces and dashes are dropped, letters upper-cased).
    pub number: String,
    /// ISO 3166-1 alpha-2 code of the issuing country (`CN`, `KR`…). Required for
    /// `passport`; `VN` (or absent) for the two Vietnamese documents.
    pub nationality: Option<String>,
}

impl std::fmt::Debug for IdentityDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityDocument")
            .field("id_type", &self.id_type)
            .field("number", &"***")
            .field("nationality", &self.nationality)
            .finish()
    }
}

/// A checked identity: the type, the normalised number and the nationality.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub id_type: IdType,
    pub number: String,
    pub nationality: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("id_type", &self.id_type)
            .field("number", &"***")
            .field("nationality", &self.nationality)
            .finish()
    }
}

/// The officially assigned ISO 3166-1 codes (alpha-2 is what the API takes; alpha-3
/// is kept in the file for readers of passports' machine-readable zone).
static COUNTRIES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/countries.csv")
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .filter(|code| code.len() == 2)
        .collect()
});

/// The document types with their Vietnamese and English names: `(code, vi, en)`.
pub const TYPES: [(IdType, &str, &str); 3] = [
    (
        IdType::PersonalId,
        "Số định danh cá nhân / CCCD (12 chữ số)",
        "Personal identification number (12 digits)",
    ),
    (
        IdType::IdCard,
        "Chứng minh nhân dân (9 chữ số)",
        "Identity card, old format (9 digits)",
    ),
    (
        IdType::Passport,
        "Hộ chiếu hoặc giấy tờ tùy thân nước ngoài",
        "Passport or foreign identity document",
    ),
];

/// The ISO 3166-1 countries as `(alpha-2, English name)`, in the file's order. The file
/// holds no Vietnamese names, so the English name stands for both.
pub fn countries() -> Vec<(&'static str, &'static str)> {
    include_str!("../../data/countries.csv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.splitn(3, ',');
            let code = fields.next()?;
            let name = fields.nth(1)?.trim_matches('"');
            (code.len() == 2).then_some((code, name))
        })
        .collect()
}

/// Whether `code` is an assigned ISO 3166-1 alpha-2 country code (upper case).
pub fn is_country(code: &str) -> bool {
    COUNTRIES.contains(code)
}

fn error(pointer: &str, code: &'static str, vi: &'static str, en: &'static str) -> FieldError {
    FieldError::body(pointer.to_owned(), code, Text::new(vi, en))
}

/// Checks a document; `at` is the JSON Pointer of the `identity` object. Returns the
/// checked identity, or every broken rule with its pointer.
pub fn check(document: &IdentityDocument, at: &str) -> Result<Identity, Vec<FieldError>> {
    let number_at = format!("{at}/number");
    let nationality_at = format!("{at}/nationality");
    let mut errors = Vec::new();
    let nationality = document
        .nationality
        .as_deref()
        .map(|n| n.trim().to_ascii_uppercase());
    let number = match document.id_type {
        IdType::PersonalId => match validate::parse_personal_id(&document.number) {
            Ok(id) => Some(id.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::body(
                    number_at,
                    e.code,
                    Text::new(e.message_vi, e.message_en),
                ));
                None
            }
        },
        IdType::IdCard => {
            let n = document.number.trim();
            if n.len() == 9 && n.bytes().all(|b| b.is_ascii_digit()) {
                Some(n.to_owned())
            } else {
                errors.push(error(
                    &number_at,
                    "invalid_id_card_number",
                    "Số chứng minh nhân dân phải gồm đúng 9 chữ số.",
                    "An identity card (CMND) number has exactly 9 digits.",
                ));
                None
            }
        }
        IdType::Passport => {
            // Printed numbers are often written with spaces or dashes; the number
            // itself is letters and digits (ICAO 9303 allows up to 9 in the MRZ, other
            // foreign identity documents more).
            let n: String = document
                .number
                .chars()
                .filter(|c| !matches!(c, ' ' | '-'))
                .collect::<String>()
                .to_ascii_uppercase();
            if (5..=20).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Some(n)
            } else {
                errors.push(error(
                    &number_at,
                    "invalid_passport_number",
                    "Số hộ chiếu hoặc giấy tờ nước ngoài gồm 5 đến 20 chữ cái hoặc chữ số.",
                    "A passport or foreign document number has 5 to 20 letters or digits.",
                ));
                None
            }
        }
    };
    let nationality = match (document.id_type, nationality) {
        (IdType::Passport, None) => {
            errors.push(error(
                &nationality_at,
                "nationality_required",
                "Cần quốc tịch (mã ISO 3166-1 hai chữ cái) của hộ chiếu.",
                "A passport needs its nationality (ISO 3166-1 alpha-2 code).",
            ));
            None
        }
        (_, Some(n)) if !is_country(&n) => {
            errors.push(error(
                &nationality_at,
                "invalid_nationality",
                "Quốc tịch phải là mã quốc gia ISO 3166-1 hai chữ cái (ví dụ CN, KR).",
                "The nationality must be an ISO 3166-1 alpha-2 country code (e.g. CN, KR).",
            ));
            None
        }
        (IdType::PersonalId | IdType::IdCard, Some(n)) if n != VIET_NAM => {
            errors.push(error(
                &nationality_at,
                "nationality_mismatch",
                "Số định danh và chứng minh nhân dân là giấy tờ của Việt Nam: quốc tịch là VN.",
                "Personal IDs and identity cards are Vietnamese documents: the nationality is VN.",
            ));
            None
        }
        (IdType::PersonalId | IdType::IdCard, _) => Some(VIET_NAM.to_owned()),
        (IdType::Passport, Some(n)) => Some(n),
    };
    match (number, nationality) {
        (Some(number), Some(nationality)) if errors.is_empty() => Ok(Identity {
            id_type: document.id_type,
            number,
            nationality,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id_type: IdType, number: &str, nationality: Option<&str>) -> IdentityDocument {
        IdentityDocument {
            id_type,
            number: number.into(),
            nationality: nationality.map(str::to_owned),
        }
    }

    fn codes(r: Result<Identity, Vec<FieldError>>) -> Vec<(String, String)> {
        let Err(errors) = r else {
            panic!("accepted");
        };
        errors
            .into_iter()
            .map(|e| {
                let pointer = match e.location {
                    shared::error::Location::Body(p) => p,
                    _ => String::new(),
                };
                (pointer, e.code.to_string())
            })
            .collect()
    }

    fn accepted(r: Result<Identity, Vec<FieldError>>) -> Identity {
        match r {
            Ok(id) => id,
            Err(e) => panic!("refused: {e:?}"),
        }
    }

    #[test]
    fn each_document_has_its_own_rule() {
        let id = accepted(check(&doc(IdType::IdCard, " 012345678 ", None), "/i"));
        assert_eq!(
            (id.number.as_str(), id.nationality.as_str()),
            ("012345678", "VN")
        );
        let p = accepted(check(
            &doc(IdType::Passport, "e 1234-5678", Some("cn")),
            "/i",
        ));
        assert_eq!(
            (p.number.as_str(), p.nationality.as_str()),
            ("E12345678", "CN")
        );
        assert!(check(&doc(IdType::PersonalId, "004090012345", Some("VN")), "/i").is_ok());

        assert_eq!(
            codes(check(&doc(IdType::IdCard, "0123456789", None), "/i")),
            [("/i/number".into(), "invalid_id_card_number".into())]
        );
        assert_eq!(
            codes(check(&doc(IdType::PersonalId, "012345678", None), "/i")),
            [("/i/number".into(), "invalid_personal_id".into())]
        );
        assert_eq!(
            codes(check(&doc(IdType::Passport, "E1", None), "/i")),
            [
                ("/i/number".into(), "invalid_passport_number".into()),
                ("/i/nationality".into(), "nationality_required".into())
            ]
        );
        assert_eq!(
            codes(check(&doc(IdType::Passport, "E12345678", Some("XX")), "/i")),
            [("/i/nationality".into(), "invalid_nationality".into())]
        );
        assert_eq!(
            codes(check(
                &doc(IdType::Passport, "E12345678", Some("CHN")),
                "/i"
            )),
            [("/i/nationality".into(), "invalid_nationality".into())]
        );
        assert_eq!(
            codes(check(&doc(IdType::IdCard, "012345678", Some("CN")), "/i")),
            [("/i/nationality".into(), "nationality_mismatch".into())]
        );
    }

    #[test]
    fn numbers_stay_out_of_debug_output() {
        let d = doc(IdType::Passport, "E12345678", Some("CN"));
        assert!(!format!("{d:?}").contains("E12345678"));
        let id = accepted(check(&d, "/i"));
        assert!(!format!("{id:?}").contains("E12345678"));
    }
}
