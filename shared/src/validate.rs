//! Validators for identifier numbers: the tax code (mã số thuế: 10 digits for an
//! enterprise, 13 for a branch, or the 12-digit personal ID of an individual)
//! and the personal ID number (số định danh cá nhân / CCCD, 12 digits).
//!
//! These are pure functions with no I/O. An error carries a stable machine code
//! and short Vietnamese and English messages. A message never contains the
//! input, because ID numbers must not reach logs. For the same reason, the
//! `Debug` output of a personal ID is masked.

use std::fmt;

/// The input is not 10, 13 (branch) or 12 (individual) digits.
pub const INVALID_TAX_CODE_FORMAT: &str = "invalid_tax_code_format";
/// The check digit (10th digit) is wrong, or no check digit is possible.
pub const INVALID_TAX_CODE_CHECKSUM: &str = "invalid_tax_code_checksum";
/// Digits 1–2 (province at issue) are `00`.
pub const INVALID_TAX_CODE_PROVINCE: &str = "invalid_tax_code_province";
/// Digits 3–9 (sequence number) are all zero.
pub const INVALID_TAX_CODE_SEQUENCE: &str = "invalid_tax_code_sequence";
/// A branch suffix of `000`.
pub const INVALID_TAX_CODE_BRANCH_SUFFIX: &str = "invalid_tax_code_branch_suffix";
/// The input is not exactly 12 digits.
pub const INVALID_PERSONAL_ID: &str = "invalid_personal_id";
/// Warning: digit 4 does not match the declared gender.
pub const PERSONAL_ID_GENDER_MISMATCH: &str = "personal_id_gender_mismatch";
/// Warning: digits 4–6 do not match the declared year of birth.
pub const PERSONAL_ID_BIRTH_YEAR_MISMATCH: &str = "personal_id_birth_year_mismatch";

/// Weights of digits 1–9 in the tax-code checksum.
const TAX_CODE_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// A rejected identifier, or a warning about one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// Stable machine code, one of the constants in this module.
    pub code: &'static str,
    /// Short message in Vietnamese, for the user.
    pub message_vi: String,
    /// The same message in English.
    pub message_en: String,
}

impl IdError {
    fn new(code: &'static str, message_vi: &str, message_en: &str) -> Self {
        Self {
            code,
            message_vi: message_vi.to_owned(),
            message_en: message_en.to_owned(),
        }
    }

    fn tax_code_format() -> Self {
        Self::new(
            INVALID_TAX_CODE_FORMAT,
            "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số đối với chi nhánh (dạng NNNNNNNNNN-NNN), \
             hoặc 12 chữ số (số định danh cá nhân) đối với cá nhân, hộ kinh doanh.",
            "A tax code must have 10 digits, or 13 digits for a branch (written NNNNNNNNNN-NNN), \
             or 12 digits (the personal ID number) for an individual or household business.",
        )
    }

    fn tax_code_checksum() -> Self {
        Self::new(
            INVALID_TAX_CODE_CHECKSUM,
            "Mã số thuế không hợp lệ: chữ số kiểm tra (chữ số thứ 10) không đúng.",
            "Invalid tax code: the check digit (10th digit) is wrong.",
        )
    }

    fn tax_code_no_check_digit() -> Self {
        Self::new(
            INVALID_TAX_CODE_CHECKSUM,
            "Mã số thuế không hợp lệ: không có mã số thuế nào bắt đầu bằng 9 chữ số đầu này.",
            "Invalid tax code: no valid tax code starts with these first 9 digits.",
        )
    }

    fn tax_code_province() -> Self {
        Self::new(
            INVALID_TAX_CODE_PROVINCE,
            "Mã số thuế không hợp lệ: hai chữ số đầu (mã tỉnh) không được là 00.",
            "Invalid tax code: the first two digits (province code) cannot be 00.",
        )
    }

    fn tax_code_sequence() -> Self {
        Self::new(
            INVALID_TAX_CODE_SEQUENCE,
            "Mã số thuế không hợp lệ: các chữ số thứ 3 đến thứ 9 (số thứ tự) không được đều bằng 0.",
            "Invalid tax code: digits 3 to 9 (the sequence number) cannot all be 0.",
        )
    }

    fn tax_code_branch_suffix() -> Self {
        Self::new(
            INVALID_TAX_CODE_BRANCH_SUFFIX,
            "Mã số thuế chi nhánh không hợp lệ: ba chữ số cuối phải từ 001 đến 999.",
            "Invalid branch tax code: the last three digits must be from 001 to 999.",
        )
    }

    fn personal_id() -> Self {
        Self::new(
            INVALID_PERSONAL_ID,
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            "A personal ID number must have exactly 12 digits.",
        )
    }

    fn personal_id_gender() -> Self {
        Self::new(
            PERSONAL_ID_GENDER_MISMATCH,
            "Chữ số thứ 4 của số định danh cá nhân không khớp với giới tính đã khai.",
            "The 4th digit of the personal ID number does not match the declared gender.",
        )
    }

    fn personal_id_birth_year() -> Self {
        Self::new(
            PERSONAL_ID_BIRTH_YEAR_MISMATCH,
            "Chữ số thứ 4 đến thứ 6 của số định danh cá nhân không khớp với năm sinh đã khai.",
            "Digits 4 to 6 of the personal ID number do not match the declared year of birth.",
        )
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message_en)
    }
}

impl std::error::Error for IdError {}

/// Which of the three tax-code forms a [`TaxCode`] has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxCodeKind {
    /// 10 digits: an enterprise or other organisation.
    Enterprise,
    /// 13 digits: the parent's 10 digits and a suffix 001–999, for a branch or
    /// dependent unit.
    Branch,
    /// 12 digits: the personal ID number, which individuals and household
    /// businesses use as their tax code since 1 July 2025.
    Individual,
}

impl TaxCodeKind {
    /// Stable machine code: `"enterprise"`, `"branch"` or `"individual"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Branch => "branch",
            Self::Individual => "individual",
        }
    }
}

/// A validated tax code in normalised form: 10 digits, `NNNNNNNNNN-NNN` for a
/// branch, or 12 digits for an individual.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TaxCode {
    value: String,
    kind: TaxCodeKind,
}

impl TaxCode {
    /// The normalised form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Which form the code has.
    #[must_use]
    pub fn kind(&self) -> TaxCodeKind {
        self.kind
    }

    /// For a branch, the parent enterprise's 10-digit tax code.
    #[must_use]
    pub fn parent(&self) -> Option<&str> {
        match self.kind {
            TaxCodeKind::Branch => self.value.get(..10),
            TaxCodeKind::Enterprise | TaxCodeKind::Individual => None,
        }
    }
}

impl fmt::Debug for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An individual's tax code is their personal ID. Enterprise codes are
        // public, so they are shown in full.
        let shown = match self.kind {
            TaxCodeKind::Individual => mask(&self.value),
            TaxCodeKind::Enterprise | TaxCodeKind::Branch => self.value.clone(),
        };
        f.debug_struct("TaxCode")
            .field("value", &shown)
            .field("kind", &self.kind)
            .finish()
    }
}

/// Validates a tax code and returns it in normalised form.
///
/// Surrounding whitespace is ignored. Accepted forms are `0100047516`,
/// `0100047516-001`, `0100047516001` and a 12-digit personal ID. The 10-digit
/// code (or a branch's parent part) must have a province part other than `00`,
/// a sequence part other than `0000000`, and a correct check digit. A branch
/// suffix must not be `000`. A 12-digit code is checked for format only,
/// because a personal ID has no check digit.
///
/// # Errors
/// An [`IdError`] whose code is one of the `INVALID_TAX_CODE_*` constants.
pub fn parse_tax_code(input: &str) -> Result<TaxCode, IdError> {
    let s = input.trim();
    if let Some((parent, suffix)) = s.split_once('-') {
        if !(is_digits(parent, 10) && is_digits(suffix, 3)) {
            return Err(IdError::tax_code_format());
        }
        return branch(parent, suffix);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::tax_code_format());
    }
    match s.len() {
        10 => {
            check_enterprise_code(s)?;
            Ok(TaxCode {
                value: s.to_owned(),
                kind: TaxCodeKind::Enterprise,
            })
        }
        12 => {
            let id = parse_personal_id(s).map_err(|_| IdError::tax_code_format())?;
            Ok(TaxCode {
                value: id.0,
                kind: TaxCodeKind::Individual,
            })
        }
        13 => match (s.get(..10), s.get(10..)) {
            (Some(parent), Some(suffix)) => branch(parent, suffix),
            _ => Err(IdError::tax_code_format()),
        },
        _ => Err(IdError::tax_code_format()),
    }
}

/// Builds a branch code from a 10-digit parent and a 3-digit suffix, both
/// already checked to be ASCII digits.
fn branch(parent: &str, suffix: &str) -> Result<TaxCode, IdError> {
    check_enterprise_code(parent)?;
    if suffix == "000" {
        return Err(IdError::tax_code_branch_suffix());
    }
    Ok(TaxCode {
        value: format!("{parent}-{suffix}"),
        kind: TaxCodeKind::Branch,
    })
}

/// The check digit (the 10th) of a tax code whose first nine digits are `first9`,
/// or `None` when no valid code has these nine digits (or they are not nine digits).
/// The one implementation: test and demo tax codes are made with it too.
pub fn tax_code_check_digit(first9: &str) -> Option<u32> {
    let digits: Vec<u32> = first9
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 9 {
        return None;
    }
    let sum: u32 = digits
        .iter()
        .zip(TAX_CODE_WEIGHTS)
        .map(|(d, w)| d * w)
        .sum();
    let check = 10 - sum % 11;
    // The rule says that a result of 10 or 11 means no valid code exists for
    // these nine digits. With `s mod 11` in 0..=10, the result is at most 10,
    // and only a sum divisible by 11 gives 10. `< 10` covers both cases, as
    // the rule is written.
    (check < 10).then_some(check)
}

/// Checks the structure and check digit of a 10-digit code that is already
/// known to be ASCII digits.
fn check_enterprise_code(code: &str) -> Result<(), IdError> {
    if code.get(..2) == Some("00") {
        return Err(IdError::tax_code_province());
    }
    if code.get(2..9) == Some("0000000") {
        return Err(IdError::tax_code_sequence());
    }
    let Some(check) = code.get(..9).and_then(tax_code_check_digit) else {
        return Err(IdError::tax_code_no_check_digit());
    };
    if code.chars().nth(9).and_then(|c| c.to_digit(10)) != Some(check) {
        return Err(IdError::tax_code_checksum());
    }
    Ok(())
}

/// A validated 12-digit personal ID number. Its `Debug` output is masked. Use
/// [`PersonalId::masked`] for logs and audit, and [`PersonalId::as_str`] only
/// for storage and exchange.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonalId(String);

impl PersonalId {
    /// The full 12 digits. Do not log them; use [`PersonalId::masked`].
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 3 digits (place of birth registration) and the last 2, with
    /// the rest replaced by `*`, e.g. `004*******89`. The middle digits are
    /// hidden because they encode the date of birth and the serial number.
    #[must_use]
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// Checks digit 4 (century and gender) and digits 5–6 (year of birth
    /// mod 100) against the declared gender and year of birth. Pass `None`
    /// for facts that are not known.
    ///
    /// These are warnings, not errors: data-entry offices may hold legacy or
    /// mistyped numbers that still identify the person, and rejecting the
    /// record would lose it. At most one warning per code is returned.
    #[must_use]
    pub fn consistency_warnings(
        &self,
        female: Option<bool>,
        birth_year: Option<i32>,
    ) -> Vec<IdError> {
        let mut warnings = Vec::new();
        // Digit 4: 0/1 = 1900s male/female, 2/3 = 2000s, … up to 8/9 = 2300s.
        let Some(century_gender) = self.0.chars().nth(3).and_then(|c| c.to_digit(10)) else {
            return warnings;
        };
        if let Some(female) = female
            && (century_gender % 2 == 1) != female
        {
            warnings.push(IdError::personal_id_gender());
        }
        if let Some(year) = birth_year {
            let century_ok = century_index(year) == Some(century_gender / 2);
            let two_digit_year = self.0.get(4..6).and_then(|yy| yy.parse::<i32>().ok());
            if !century_ok || two_digit_year != Some(year.rem_euclid(100)) {
                warnings.push(IdError::personal_id_birth_year());
            }
        }
        warnings
    }
}

impl fmt::Debug for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PersonalId").field(&self.masked()).finish()
    }
}

/// Validates a personal ID number: exactly 12 ASCII digits once surrounding
/// whitespace is removed. The legacy 9-digit CMND is rejected, so the caller
/// must record it with its own ID type.
///
/// Digits 1–3 (province or country of birth registration) are not checked
/// against a list, because no official code list is shipped and none may be
/// invented.
///
/// # Errors
/// An [`IdError`] with code [`INVALID_PERSONAL_ID`].
pub fn parse_personal_id(input: &str) -> Result<PersonalId, IdError> {
    let s = input.trim();
    if is_digits(s, 12) {
        Ok(PersonalId(s.to_owned()))
    } else {
        Err(IdError::personal_id())
    }
}

/// 0 for 1900–1999, 1 for 2000–2099, … 4 for 2300–2399. `None` for years that
/// digit 4 cannot encode.
fn century_index(year: i32) -> Option<u32> {
    u32::try_from(year.div_euclid(100) - 19)
        .ok()
        .filter(|&i| i <= 4)
}

/// Keeps the first 3 and last 2 characters of a 12-character ID.
fn mask(id: &str) -> String {
    let len = id.chars().count();
    id.chars()
        .enumerate()
        .map(|(i, c)| if i < 3 || i + 2 >= len { c } else { '*' })
        .collect()
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn tax_err(input: &str) -> &'static str {
        parse_tax_code(input).unwrap_err().code
    }

    // ---- tax code ----

    #[test]
    fn valid_enterprise_code() {
        let t = parse_tax_code("0100047516").unwrap();
        assert_eq!(t.as_str(), "0100047516");
        assert_eq!(t.kind(), TaxCodeKind::Enterprise);
        assert_eq!(t.parent(), None);
        assert_eq!(
            parse_tax_code("  0100047516\n").unwrap().as_str(),
            "0100047516"
        );
    }

    #[test]
    fn valid_branch_with_dash() {
        let t = parse_tax_code("0100047516-001").unwrap();
        assert_eq!(t.as_str(), "0100047516-001");
        assert_eq!(t.kind(), TaxCodeKind::Branch);
        assert_eq!(t.parent(), Some("0100047516"));
    }

    #[test]
    fn valid_branch_without_dash_is_normalised() {
        let t = parse_tax_code("0100047516999").unwrap();
        assert_eq!(t.as_str(), "0100047516-999");
        assert_eq!(t.kind(), TaxCodeKind::Branch);
        assert_eq!(
            parse_tax_code("0100047516001").unwrap(),
            parse_tax_code("0100047516-001").unwrap()
        );
    }

    #[test]
    fn bad_check_digit() {
        assert_eq!(tax_err("0100047517"), INVALID_TAX_CODE_CHECKSUM);
        assert_eq!(tax_err("0100047510"), INVALID_TAX_CODE_CHECKSUM);
        // The parent part of a branch is checked too.
        assert_eq!(tax_err("0100047517-001"), INVALID_TAX_CODE_CHECKSUM);
        assert_eq!(tax_err("0100047517001"), INVALID_TAX_CODE_CHECKSUM);
    }

    #[test]
    fn prefix_without_possible_check_digit() {
        // 010000005: 1·29 + 5·3 = 44 ≡ 0 (mod 11), so the check would be 10.
        let prefix = "010000005";
        assert_eq!(tax_code_check_digit(prefix), None);
        assert_eq!(tax_code_check_digit("010004751"), Some(6));
        for last in 0..=9 {
            let err = parse_tax_code(&format!("{prefix}{last}")).unwrap_err();
            assert_eq!(err.code, INVALID_TAX_CODE_CHECKSUM);
            assert_eq!(err, IdError::tax_code_no_check_digit());
        }
    }

    #[test]
    fn province_00() {
        assert_eq!(tax_err("0012345678"), INVALID_TAX_CODE_PROVINCE);
        assert_eq!(tax_err("0012345678-001"), INVALID_TAX_CODE_PROVINCE);
    }

    #[test]
    fn zero_sequence() {
        assert_eq!(tax_err("0100000000"), INVALID_TAX_CODE_SEQUENCE);
        assert_eq!(tax_err("0400000007-001"), INVALID_TAX_CODE_SEQUENCE);
    }

    #[test]
    fn branch_suffix_000() {
        assert_eq!(tax_err("0100047516-000"), INVALID_TAX_CODE_BRANCH_SUFFIX);
        assert_eq!(tax_err("0100047516000"), INVALID_TAX_CODE_BRANCH_SUFFIX);
    }

    #[test]
    fn bad_format() {
        for input in [
            "",
            "   ",
            "01000475AB",
            "O100047516",
            "010004751",
            "01000475161",
            "01000475160012",
            "0100047516-01",
            "0100047516-0001",
            "0100047516-0A1",
            "010004751-6001",
            "0100047516 - 001",
            "0100047516-001-002",
            "0100 047 516",
            "00409501238A",
            // Full-width digits are digits to Unicode, but not to the tax office.
            "０１００００４７５１６",
        ] {
            assert_eq!(tax_err(input), INVALID_TAX_CODE_FORMAT, "{input:?}");
        }
    }

    #[test]
    fn twelve_digits_is_an_individual() {
        let t = parse_tax_code(" 004095012389 ").unwrap();
        assert_eq!(t.as_str(), "004095012389");
        assert_eq!(t.kind(), TaxCodeKind::Individual);
        assert_eq!(t.parent(), None);
        assert_eq!(TaxCodeKind::Individual.as_str(), "individual");
    }

    #[test]
    fn debug_masks_individual_tax_codes_only() {
        let individual = format!("{:?}", parse_tax_code("004095012389").unwrap());
        assert!(!individual.contains("004095012389"), "{individual}");
        assert!(individual.contains("004*******89"), "{individual}");
        let enterprise = format!("{:?}", parse_tax_code("0100047516").unwrap());
        assert!(enterprise.contains("0100047516"), "{enterprise}");
    }

    // ---- personal ID ----

    #[test]
    fn valid_personal_id() {
        let id = parse_personal_id("004095012389").unwrap();
        assert_eq!(id.as_str(), "004095012389");
        assert_eq!(parse_personal_id("\t004095012389 ").unwrap(), id);
    }

    #[test]
    fn invalid_personal_ids() {
        for input in [
            "",
            "00409501238",   // 11 digits
            "004095012",     // legacy 9-digit CMND
            "0040950123890", // 13 digits
            "00409501238A",
            "004 095 012 389",
            "００４０９５０１２３８９",
        ] {
            let err = parse_personal_id(input).unwrap_err();
            assert_eq!(err.code, INVALID_PERSONAL_ID, "{input:?}");
        }
    }

    #[test]
    fn masked_keeps_first_three_and_last_two() {
        let id = parse_personal_id("004095012389").unwrap();
        assert_eq!(id.masked(), "004*******89");
        let debug = format!("{id:?}");
        assert_eq!(debug, "PersonalId(\"004*******89\")");
    }

    fn warning_codes(id: &str, female: Option<bool>, year: Option<i32>) -> Vec<&'static str> {
        parse_personal_id(id)
            .unwrap()
            .consistency_warnings(female, year)
            .into_iter()
            .map(|w| w.code)
            .collect()
    }

    #[test]
    fn consistent_ids_give_no_warnings() {
        // Digit 4 = 0: male, 1900s. Digits 5–6 = 95.
        assert!(warning_codes("004095012389", Some(false), Some(1995)).is_empty());
        // Digit 4 = 3: female, 2000s.
        assert!(warning_codes("004305012389", Some(true), Some(2005)).is_empty());
        // Digit 4 = 1: female, 1900s.
        assert!(warning_codes("001187654321", Some(true), Some(1987)).is_empty());
        // Nothing declared, nothing to compare.
        assert!(warning_codes("004095012389", None, None).is_empty());
    }

    #[test]
    fn gender_mismatch_warns() {
        assert_eq!(
            warning_codes("004095012389", Some(true), Some(1995)),
            [PERSONAL_ID_GENDER_MISMATCH]
        );
        assert_eq!(
            warning_codes("004305012389", Some(false), None),
            [PERSONAL_ID_GENDER_MISMATCH]
        );
    }

    #[test]
    fn century_mismatch_warns_as_birth_year() {
        // Digit 4 = 0 says 1900s, declared 2095.
        assert_eq!(
            warning_codes("004095012389", Some(false), Some(2095)),
            [PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
        // Digit 4 = 3 says 2000s, declared 1905.
        assert_eq!(
            warning_codes("004305012389", Some(true), Some(1905)),
            [PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
        // Years that digit 4 cannot encode at all.
        assert_eq!(
            warning_codes("004095012389", None, Some(1895)),
            [PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
        assert_eq!(
            warning_codes("004895012389", None, Some(2495)),
            [PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
        assert_eq!(
            warning_codes("004095012389", None, Some(-5)),
            [PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
    }

    #[test]
    fn two_digit_year_mismatch_warns() {
        assert_eq!(
            warning_codes("004095012389", None, Some(1996)),
            [PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
    }

    #[test]
    fn both_mismatches_give_one_warning_each() {
        assert_eq!(
            warning_codes("004095012389", Some(true), Some(2096)),
            [PERSONAL_ID_GENDER_MISMATCH, PERSONAL_ID_BIRTH_YEAR_MISMATCH]
        );
    }

    // ---- messages ----

    #[test]
    fn messages_never_contain_the_input() {
        let cases = [
            parse_tax_code("0100047517").unwrap_err(),
            parse_tax_code("0100047516-000").unwrap_err(),
            parse_tax_code("01000475AB").unwrap_err(),
            parse_personal_id("00409501238").unwrap_err(),
        ];
        for err in cases {
            for digits in ["0100047517", "0100047516", "01000475", "00409501238"] {
                assert!(!err.message_vi.contains(digits), "{err:?}");
                assert!(!err.message_en.contains(digits), "{err:?}");
            }
        }
    }

    #[test]
    fn every_error_has_both_messages() {
        let all = [
            IdError::tax_code_format(),
            IdError::tax_code_checksum(),
            IdError::tax_code_no_check_digit(),
            IdError::tax_code_province(),
            IdError::tax_code_sequence(),
            IdError::tax_code_branch_suffix(),
            IdError::personal_id(),
            IdError::personal_id_gender(),
            IdError::personal_id_birth_year(),
        ];
        for err in &all {
            assert!(
                !err.message_vi.is_empty() && !err.message_en.is_empty(),
                "{}",
                err.code
            );
        }
        assert_eq!(
            IdError::personal_id().to_string(),
            "invalid_personal_id: A personal ID number must have exactly 12 digits."
        );
    }
}
