//! An accident declaration as sent (khai báo TNLĐ) and the checks it must pass.
//!
//! These types are the wire format of a declaration as well: they are the
//! unvalidated command, and [`validate`] turns one into a [`ValidDeclaration`] or
//! into every broken rule with its JSON Pointer.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Text};
use shared::validate;
use utoipa::ToSchema;

use super::accident::{Sector, Severity};
use super::establishment::check_commune;
use super::identity::{self, IdType, Identity, IdentityDocument};

/// Whose worker was hurt: an establishment by id or by tax code.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerRef {
    pub id: Option<String>,
    pub tax_code: Option<String>,
}

/// Where it happened.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Commune or ward in force on the day of the accident (mã đơn vị hành chính cấp xã).
    pub commune_code: String,
    /// Address or description of the place (nơi xảy ra tai nạn).
    pub address: String,
}

/// Costs in thousands of VND (nghìn đồng), as in the statistics forms.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Medical costs (chi phí y tế), thousand VND. The unit is in every money
    /// field's name; the names without it are still read from older declarations.
    #[serde(default, rename = "medical_thousand_vnd", alias = "medical")]
    pub medical: u32,
    /// Wages paid during treatment (trả lương trong thời gian điều trị), thousand VND.
    #[serde(default, rename = "wages_thousand_vnd", alias = "wages")]
    pub wages: u32,
    /// Compensation and allowances (bồi thường, trợ cấp), thousand VND.
    #[serde(default, rename = "compensation_thousand_vnd", alias = "compensation")]
    pub compensation: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

/// Labour contract of a casualty (loại hợp đồng lao động).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractType {
    Indefinite,
    FixedTerm,
    Probation,
    Apprentice,
    /// No labour contract (không có hợp đồng lao động).
    None,
}

/// One person hurt or killed (người bị nạn).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasualtyDeclaration {
    /// Personal identification number, 12 digits (số định danh cá nhân). Kept for
    /// compatibility: the same as `identity` `{"type": "personal_id", "number": …}`.
    /// Send exactly one of `personal_id` and `identity`.
    #[schema(example = "004090012345")]
    #[serde(default)]
    pub personal_id: Option<String>,
    /// The identity document: a personal ID, an old identity card (CMND) or, for
    /// foreign workers, a passport with its nationality.
    #[serde(default)]
    pub identity: Option<IdentityDocument>,
    /// Full name (họ và tên).
    pub full_name: String,
    pub gender: Gender,
    /// Date of birth, if known; otherwise `birth_year`.
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// Occupation code, VSCO (mã nghề nghiệp); checked for shape only.
    pub occupation_code: Option<String>,
    pub contract_type: ContractType,
    pub severity: Severity,
    /// Injury codes (Phụ lục II, ND 39); checked for shape only until the official list is loaded.
    #[serde(default)]
    pub injury_codes: Vec<String>,
    /// Days off work (số ngày nghỉ): at most ten years.
    #[serde(default)]
    #[schema(maximum = 3650)]
    pub days_off: u32,
    #[serde(default)]
    pub costs: Costs,
}

/// An accident declaration (khai báo tai nạn lao động).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "sector": "with_labour_relation",
    "employer": {"tax_code": "0100047516"},
    "occurred_at": "2026-03-02T08:30:00+07:00",
    "notified_at": "2026-03-02T09:10:00+07:00",
    "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
    "description": "Sạt lở đất đá tại khai trường khi đang bốc xúc.",
    "injury_factor_code": "07",
    "cause_codes": ["1", "3"],
    "commute_accident": false,
    "casualties": [{
        "personal_id": "004090012345", "full_name": "Nông Văn A", "gender": "male",
        "birth_year": 1990, "occupation_code": "8111", "contract_type": "indefinite",
        "severity": "fatal", "injury_codes": ["11"], "days_off": 0,
        "costs": {"medical_thousand_vnd": 15000, "wages_thousand_vnd": 0, "compensation_thousand_vnd": 200000}
    }]
}))]
pub struct AccidentDeclaration {
    pub sector: Sector,
    /// Required for `with_labour_relation`, absent for `without_labour_contract`.
    pub employer: Option<EmployerRef>,
    /// When it happened (RFC 3339 with offset).
    pub occurred_at: DateTime<FixedOffset>,
    /// When the authority was first told; investigation deadlines count from it.
    pub notified_at: DateTime<FixedOffset>,
    pub place: Place,
    /// What happened (diễn biến).
    pub description: String,
    /// Main injury-causing factor (yếu tố gây chấn thương, TT 13/2020 Phụ lục IV); checked for shape only.
    pub injury_factor_code: Option<String>,
    /// Causes (nguyên nhân), codes 1–9.
    #[serde(default)]
    pub cause_codes: Vec<String>,
    /// On the way to or from work (tai nạn trên đường đi và về).
    #[serde(default)]
    pub commute_accident: bool,
    /// When the police were told (required in practice for a death).
    pub police_notified_at: Option<DateTime<FixedOffset>>,
    /// Technical or forensic examination needed: the 60-day deadline applies.
    #[serde(default)]
    pub needs_examination: bool,
    pub casualties: Vec<CasualtyDeclaration>,
    /// Your own id for this declaration; sending it again finds the first record.
    pub external_ref: Option<String>,
}

/// A declaration that passed every rule; warnings are returned beside the result.
#[derive(Clone, Debug)]
pub struct ValidDeclaration {
    pub declaration: AccidentDeclaration,
    pub cause_codes: Vec<String>,
    pub birth_years: Vec<i32>,
    /// Each casualty's checked identity, in order.
    pub identities: Vec<Identity>,
    pub warnings: Vec<FieldError>,
}

const MAX_CASUALTIES: usize = 200;

pub(crate) fn err(
    errors: &mut Vec<FieldError>,
    pointer: String,
    code: &'static str,
    vi: impl Into<String>,
    en: impl Into<String>,
) {
    errors.push(FieldError::body(
        pointer,
        code,
        Text::new(vi.into(), en.into()),
    ));
}

/// The checks an accident and a technical incident share: the place (its commune as
/// the units stood on the day it happened, so an event of 2024 keeps its pre-reform
/// commune) and the description. `what` names the event in Vietnamese.
pub(crate) fn check_place_and_description(
    place: &Place,
    occurred_at: DateTime<FixedOffset>,
    description: &str,
    what: &str,
    errors: &mut Vec<FieldError>,
) {
    let day = occurred_at
        .with_timezone(&shared::time::vietnam())
        .date_naive();
    if let Err(mut e) = check_commune(&place.commune_code, day) {
        e.location = shared::error::Location::Body("/place/commune_code".into());
        errors.push(e);
    }
    if place.address.trim().is_empty() || place.address.chars().count() > 500 {
        err(
            errors,
            "/place/address".into(),
            "invalid_place",
            "Nơi xảy ra không được để trống (tối đa 500 ký tự).",
            "The place must be given (at most 500 characters).",
        );
    }
    if description.trim().is_empty() || description.chars().count() > 10_000 {
        err(
            errors,
            "/description".into(),
            "invalid_description",
            format!("Cần mô tả diễn biến {what} (tối đa 10.000 ký tự)."),
            "A description is required (at most 10,000 characters).",
        );
    }
}

fn is_code(value: &str, max_len: usize) -> bool {
    !value.is_empty()
        && value.len() <= max_len
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// Checks every rule of a declaration (dates, place, codes, casualties).
pub fn validate(
    declaration: AccidentDeclaration,
    now: DateTime<Utc>,
) -> Result<ValidDeclaration, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let d = &declaration;

    match (d.sector, &d.employer) {
        (Sector::WithLabourRelation, None) => err(
            &mut errors,
            "/employer".into(),
            "employer_required",
            "Tai nạn trong khu vực có quan hệ lao động phải nêu cơ sở sử dụng lao động.",
            "An accident with a labour relation must name its employer.",
        ),
        (Sector::WithLabourRelation, Some(e)) if e.id.is_none() == e.tax_code.is_none() => err(
            &mut errors,
            "/employer".into(),
            "employer_ambiguous",
            "Nêu cơ sở bằng đúng một trong hai: id hoặc tax_code.",
            "Name the employer by exactly one of id or tax_code.",
        ),
        (Sector::WithoutLabourContract, Some(_)) => err(
            &mut errors,
            "/employer".into(),
            "employer_not_allowed",
            "Tai nạn của người làm việc không theo hợp đồng lao động không có cơ sở sử dụng lao động.",
            "An accident without a labour contract has no employer.",
        ),
        _ => {}
    }

    let occurred = d.occurred_at.to_utc();
    let notified = d.notified_at.to_utc();
    if occurred > now + chrono::Duration::minutes(5) {
        err(
            &mut errors,
            "/occurred_at".into(),
            "in_the_future",
            "Thời điểm xảy ra ở tương lai.",
            "occurred_at is in the future.",
        );
    }
    if notified < occurred {
        err(
            &mut errors,
            "/notified_at".into(),
            "before_occurrence",
            "Thời điểm báo tin không thể trước thời điểm xảy ra tai nạn.",
            "notified_at cannot be before occurred_at.",
        );
    }
    if notified > now + chrono::Duration::minutes(5) {
        err(
            &mut errors,
            "/notified_at".into(),
            "in_the_future",
            "Thời điểm báo tin ở tương lai.",
            "notified_at is in the future.",
        );
    }
    if d.police_notified_at.is_some_and(|p| p.to_utc() < occurred) {
        err(
            &mut errors,
            "/police_notified_at".into(),
            "before_occurrence",
            "Thời điểm báo công an không thể trước thời điểm xảy ra tai nạn.",
            "police_notified_at cannot be before occurred_at.",
        );
    }

    check_place_and_description(
        &d.place,
        d.occurred_at,
        &d.description,
        "vụ tai nạn",
        &mut errors,
    );
    if d.injury_factor_code
        .as_deref()
        .is_some_and(|c| !is_code(c, 10))
    {
        err(
            &mut errors,
            "/injury_factor_code".into(),
            "invalid_injury_factor_code",
            "Mã yếu tố gây chấn thương không đúng định dạng.",
            "The injury factor code is malformed.",
        );
    }
    let mut cause_codes = Vec::new();
    for (i, code) in d.cause_codes.iter().enumerate() {
        let ok = code.len() == 1 && code.bytes().all(|b| (b'1'..=b'9').contains(&b));
        if !ok {
            err(
                &mut errors,
                format!("/cause_codes/{i}"),
                "invalid_cause_code",
                "Mã nguyên nhân phải từ 1 đến 9.",
                "Cause codes are 1 to 9.",
            );
        } else if cause_codes.contains(code) {
            err(
                &mut errors,
                format!("/cause_codes/{i}"),
                "duplicate_cause_code",
                "Mã nguyên nhân bị lặp.",
                "Repeated cause code.",
            );
        } else {
            cause_codes.push(code.clone());
        }
    }

    if d.casualties.is_empty() || d.casualties.len() > MAX_CASUALTIES {
        err(
            &mut errors,
            "/casualties".into(),
            "invalid_casualty_count",
            format!("Cần ít nhất một và tối đa {MAX_CASUALTIES} người bị nạn."),
            format!("Between one and {MAX_CASUALTIES} casualties are required."),
        );
    }
    let year_now = now.with_timezone(&shared::time::vietnam()).year();
    let mut birth_years = Vec::new();
    let mut identities: Vec<Identity> = Vec::new();
    for (i, c) in d.casualties.iter().enumerate() {
        let at = |field: &str| format!("/casualties/{i}/{field}");
        // The legacy `personal_id` member keeps its own pointer and rule.
        let checked = match (&c.personal_id, &c.identity) {
            (Some(number), None) => validate::parse_personal_id(number)
                .map(|pid| Identity {
                    id_type: IdType::PersonalId,
                    number: pid.as_str().to_owned(),
                    nationality: identity::VIET_NAM.to_owned(),
                })
                .map_err(|e| {
                    vec![FieldError::body(
                        at("personal_id"),
                        e.code,
                        Text::new(e.message_vi, e.message_en),
                    )]
                })
                .map(|id| (id, at("personal_id"))),
            (None, Some(document)) => {
                identity::check(document, &at("identity")).map(|id| (id, at("identity/number")))
            }
            (None, None) => Err(vec![FieldError::body(
                at("identity"),
                "identity_required",
                Text::new(
                    "Cần giấy tờ tùy thân của người bị nạn (identity hoặc personal_id).",
                    "The casualty's identity document is required (identity or personal_id).",
                ),
            )]),
            (Some(_), Some(_)) => Err(vec![FieldError::body(
                at("identity"),
                "identity_ambiguous",
                Text::new(
                    "Chỉ gửi một trong hai: identity hoặc personal_id.",
                    "Send only one of identity and personal_id.",
                ),
            )]),
        };
        let id = match checked {
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
            Ok((id, pointer)) if identities.contains(&id) => {
                err(
                    &mut errors,
                    pointer,
                    "duplicate_casualty",
                    "Một người được kê khai hai lần trong cùng vụ.",
                    "The same person is listed twice in this case.",
                );
                None
            }
            Ok((id, pointer)) => {
                identities.push(id.clone());
                Some((id, pointer))
            }
        };
        if c.full_name.trim().is_empty() || c.full_name.chars().count() > 200 {
            err(
                &mut errors,
                at("full_name"),
                "invalid_full_name",
                "Họ tên không được để trống (tối đa 200 ký tự).",
                "The full name is required (at most 200 characters).",
            );
        }
        let year = c.birth_date.map(|b| b.year()).or(c.birth_year);
        match year {
            Some(y) if (year_now - 100..=year_now - 10).contains(&y) => {
                if c.birth_year
                    .is_some_and(|by| c.birth_date.is_some_and(|bd| bd.year() != by))
                {
                    err(
                        &mut errors,
                        at("birth_year"),
                        "birth_year_mismatch",
                        "Năm sinh không khớp ngày sinh.",
                        "birth_year does not match birth_date.",
                    );
                }
                birth_years.push(y);
            }
            Some(_) => err(
                &mut errors,
                at("birth_year"),
                "implausible_birth_year",
                "Năm sinh không hợp lý cho người lao động.",
                "Implausible birth year for a worker.",
            ),
            None => err(
                &mut errors,
                at("birth_year"),
                "birth_year_required",
                "Cần ngày sinh hoặc năm sinh.",
                "A birth date or birth year is required.",
            ),
        }
        if let (Some((id, pointer)), Some(y)) = (&id, year)
            && id.id_type == IdType::PersonalId
            && let Ok(pid) = validate::parse_personal_id(&id.number)
        {
            // Structure checks are warnings: numbers issued with a mistake exist.
            for w in pid.consistency_warnings(Some(c.gender == Gender::Female), Some(y)) {
                warnings.push(FieldError::body(
                    pointer.clone(),
                    w.code,
                    Text::new(w.message_vi, w.message_en),
                ));
            }
        }
        if c.occupation_code
            .as_deref()
            .is_some_and(|o| !(1..=6).contains(&o.len()) || !o.bytes().all(|b| b.is_ascii_digit()))
        {
            err(
                &mut errors,
                at("occupation_code"),
                "invalid_occupation_code",
                "Mã nghề nghiệp gồm 1 đến 6 chữ số.",
                "Occupation codes are 1 to 6 digits.",
            );
        }
        for (j, code) in c.injury_codes.iter().enumerate() {
            if !is_code(code, 10) {
                err(
                    &mut errors,
                    format!("/casualties/{i}/injury_codes/{j}"),
                    "invalid_injury_code",
                    "Mã chấn thương không đúng định dạng.",
                    "Malformed injury code.",
                );
            }
        }
        if d.sector == Sector::WithoutLabourContract && c.contract_type != ContractType::None {
            err(
                &mut errors,
                at("contract_type"),
                "contract_in_no_contract_sector",
                "Khu vực không theo hợp đồng lao động: loại hợp đồng phải là none.",
                "In the no-contract sector the contract type must be none.",
            );
        }
        if c.severity == Severity::Fatal && c.days_off > 0 {
            warnings.push(FieldError::body(
                at("days_off"),
                "days_off_for_fatal",
                Text::new(
                    "Người chết nhưng có số ngày nghỉ.",
                    "Days off recorded for a death.",
                ),
            ));
        }
    }
    if d.casualties.iter().any(|c| c.severity == Severity::Fatal) && d.police_notified_at.is_none()
    {
        warnings.push(FieldError::body(
            "/police_notified_at",
            "police_notice_missing",
            Text::new(
                "Vụ có người chết phải báo ngay cho cơ quan công an.",
                "A fatal accident must be reported to the police at once.",
            ),
        ));
    }

    if errors.is_empty() {
        Ok(ValidDeclaration {
            cause_codes,
            birth_years,
            identities,
            warnings,
            declaration,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn casualty(severity: Severity) -> CasualtyDeclaration {
        CasualtyDeclaration {
            personal_id: Some("004090012345".into()),
            identity: None,
            full_name: "Nông Văn A".into(),
            gender: Gender::Male,
            birth_date: None,
            birth_year: Some(1990),
            occupation_code: Some("8111".into()),
            contract_type: ContractType::Indefinite,
            severity,
            injury_codes: vec!["11".into()],
            days_off: 0,
            costs: Costs::default(),
        }
    }

    fn declaration() -> AccidentDeclaration {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap_or_default();
        AccidentDeclaration {
            sector: Sector::WithLabourRelation,
            employer: Some(EmployerRef {
                id: None,
                tax_code: Some("0100047516".into()),
            }),
            occurred_at: at("2026-03-02T08:30:00+07:00"),
            notified_at: at("2026-03-02T09:10:00+07:00"),
            place: Place {
                commune_code: "01273".into(),
                address: "Khai trường".into(),
            },
            description: "Sạt lở".into(),
            injury_factor_code: Some("07".into()),
            cause_codes: vec!["1".into()],
            commute_accident: false,
            police_notified_at: Some(at("2026-03-02T09:30:00+07:00")),
            needs_examination: false,
            casualties: vec![casualty(Severity::Fatal)],
            external_ref: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00+07:00")
            .map(|d| d.to_utc())
            .unwrap_or_default()
    }

    fn codes(result: Result<ValidDeclaration, Vec<FieldError>>) -> Vec<(String, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (format!("{:?}", e.location), e.code.into_owned()))
            .collect()
    }

    #[test]
    fn a_complete_declaration_passes() {
        let valid = validate(declaration(), now());
        assert!(
            valid.as_ref().is_ok_and(|v| v.warnings.is_empty()),
            "{:?}",
            valid.err()
        );
    }

    #[test]
    fn the_sector_decides_whether_an_employer_is_named() {
        let mut d = declaration();
        d.employer = None;
        assert!(
            codes(validate(d, now()))
                .iter()
                .any(|(_, c)| c == "employer_required")
        );
        let mut d = declaration();
        d.sector = Sector::WithoutLabourContract;
        assert!(
            codes(validate(d, now()))
                .iter()
                .any(|(_, c)| c == "employer_not_allowed")
        );
    }

    #[test]
    fn times_must_be_in_order_and_not_in_the_future() {
        let mut d = declaration();
        d.notified_at =
            DateTime::parse_from_rfc3339("2026-03-01T09:10:00+07:00").unwrap_or_default();
        assert!(
            codes(validate(d, now()))
                .iter()
                .any(|(p, c)| p.contains("/notified_at") && c == "before_occurrence")
        );
        let mut d = declaration();
        d.occurred_at =
            DateTime::parse_from_rfc3339("2027-03-01T09:10:00+07:00").unwrap_or_default();
        assert!(
            codes(validate(d, now()))
                .iter()
                .any(|(_, c)| c == "in_the_future")
        );
    }

    #[test]
    fn the_commune_must_be_in_force_on_the_day_of_the_accident() {
        let mut d = declaration();
        d.place.commune_code = "01267".into(); // abolished on 1 July 2025
        assert!(
            codes(validate(d.clone(), now()))
                .iter()
                .any(|(p, c)| p.contains("/place/commune_code") && c == "former_commune_code")
        );
        d.occurred_at =
            DateTime::parse_from_rfc3339("2025-03-02T08:30:00+07:00").unwrap_or_default();
        d.notified_at = d.occurred_at;
        d.police_notified_at = None;
        assert!(validate(d, now()).is_ok(), "valid before the reform");
    }

    #[test]
    fn casualty_problems_point_into_the_list() {
        let mut d = declaration();
        let mut bad = casualty(Severity::Minor);
        bad.personal_id = Some("12345678901".into());
        bad.birth_year = None;
        d.casualties.push(bad);
        d.cause_codes = vec!["0".into(), "1".into(), "1".into()];
        let codes = codes(validate(d, now()));
        assert!(codes.iter().any(|(p, c)| p.contains("/casualties/1/personal_id") && c == "invalid_personal_id"), "{codes:?}");
        assert!(
            codes
                .iter()
                .any(|(p, c)| p.contains("/casualties/1/birth_year") && c == "birth_year_required")
        );
        assert!(
            codes
                .iter()
                .any(|(p, c)| p.contains("/cause_codes/0") && c == "invalid_cause_code")
        );
        assert!(
            codes
                .iter()
                .any(|(p, c)| p.contains("/cause_codes/2") && c == "duplicate_cause_code")
        );
    }

    #[test]
    fn identity_structure_mismatches_are_warnings() {
        let mut d = declaration();
        d.casualties = vec![CasualtyDeclaration {
            gender: Gender::Female,
            ..casualty(Severity::Minor)
        }];
        let valid = validate(d, now());
        let warnings: Vec<String> = valid
            .map(|v| {
                v.warnings
                    .into_iter()
                    .map(|w| w.code.into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(warnings, ["personal_id_gender_mismatch"]);
    }

    #[test]
    fn a_death_without_police_notice_is_a_warning() {
        let mut d = declaration();
        d.police_notified_at = None;
        let valid = validate(d, now());
        assert!(valid.is_ok_and(|v| v.warnings.iter().any(|w| w.code == "police_notice_missing")));
    }
}
