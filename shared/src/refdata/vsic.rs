//! The 21 sections (A–U) of the Vietnamese standard industrial classification
//! VSIC 2018 (Quyết định 27/2018/QĐ-TTg), each with the range of 2-digit
//! divisions it covers.
//!
//! The section of any VSIC code follows from its first two digits. Division
//! names are not shipped (see `refdata/SOURCES.md`).

use std::sync::LazyLock;

use serde::Deserialize;

use super::csv_rows;

const SECTIONS_CSV: &str = include_str!("../../refdata/vsic-2018-sections.csv");

static SECTIONS: LazyLock<Vec<VsicSection>> = LazyLock::new(|| {
    parse_sections(SECTIONS_CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
});

/// One VSIC 2018 section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VsicSection {
    /// Section letter, "A" to "U".
    pub code: String,
    /// First division of the section (inclusive), e.g. 41 for F.
    pub divisions_from: u8,
    /// Last division of the section (inclusive), e.g. 43 for F.
    pub divisions_to: u8,
    /// Official Vietnamese name.
    pub name_vi: String,
    /// English name (ISIC Rev.4 wording).
    pub name_en: String,
}

impl VsicSection {
    /// True if the 2-digit `division` belongs to this section.
    #[must_use]
    pub fn contains_division(&self, division: u8) -> bool {
        (self.divisions_from..=self.divisions_to).contains(&division)
    }
}

/// All 21 sections, in letter order.
#[must_use]
pub fn vsic_sections() -> &'static [VsicSection] {
    SECTIONS.as_slice()
}

/// The section with letter `code`. Case does not matter, because the letter
/// carries no meaning in its case.
#[must_use]
pub fn vsic_section(code: &str) -> Option<&'static VsicSection> {
    vsic_sections()
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(code))
}

/// The section that covers the 2-digit `division`. Returns `None` for numbers
/// that are not divisions: the ranges have gaps (04, 34, 40, …) inherited from
/// ISIC Rev.4.
#[must_use]
pub fn vsic_section_of_division(division: u8) -> Option<&'static VsicSection> {
    vsic_sections()
        .iter()
        .find(|s| s.contains_division(division))
}

/// A row of `vsic-2018-sections.csv`.
#[derive(Deserialize)]
struct SectionRow {
    section: String,
    divisions_from: u8,
    divisions_to: u8,
    name_vi: String,
    name_en: String,
}

impl SectionRow {
    fn into_section(self) -> Result<VsicSection, String> {
        let is_letter =
            self.section.len() == 1 && self.section.bytes().all(|b| b.is_ascii_uppercase());
        if !is_letter {
            return Err(format!("malformed section letter {:?}", self.section));
        }
        // Divisions are 2-digit numbers, and an inverted range would match
        // nothing without anyone noticing.
        if self.divisions_from > self.divisions_to || self.divisions_to > 99 {
            return Err(format!("section {}: bad division range", self.section));
        }
        Ok(VsicSection {
            code: self.section,
            divisions_from: self.divisions_from,
            divisions_to: self.divisions_to,
            name_vi: self.name_vi,
            name_en: self.name_en,
        })
    }
}

fn parse_sections(text: &str) -> Vec<Result<VsicSection, String>> {
    csv_rows::<SectionRow>(text)
        .into_iter()
        .map(|row| row.and_then(SectionRow::into_section))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_in_row_parses() {
        let rows = parse_sections(SECTIONS_CSV);
        let errors: Vec<&String> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(errors.is_empty(), "malformed rows: {errors:?}");
        assert_eq!(rows.len(), 21);
    }

    #[test]
    fn twenty_one_sections_a_to_u() {
        let letters: String = vsic_sections().iter().map(|s| s.code.as_str()).collect();
        assert_eq!(letters, "ABCDEFGHIJKLMNOPQRSTU");
    }

    #[test]
    fn ranges_are_increasing_and_disjoint() {
        for pair in vsic_sections().windows(2) {
            let [a, b] = pair else { unreachable!() };
            assert!(a.divisions_to < b.divisions_from, "{} / {}", a.code, b.code);
        }
    }

    #[test]
    fn division_to_section() {
        assert_eq!(vsic_section_of_division(41).unwrap().code, "F");
        assert_eq!(vsic_section_of_division(1).unwrap().code, "A");
        assert_eq!(vsic_section_of_division(3).unwrap().code, "A");
        assert_eq!(vsic_section_of_division(5).unwrap().code, "B");
        assert_eq!(vsic_section_of_division(99).unwrap().code, "U");
        // Gap between A (01–03) and B (05–09).
        assert_eq!(vsic_section_of_division(4), None);
        assert_eq!(vsic_section_of_division(0), None);
        assert_eq!(vsic_section_of_division(100), None);
    }

    #[test]
    fn section_by_letter() {
        let f = vsic_section("F").unwrap();
        assert_eq!((f.divisions_from, f.divisions_to), (41, 43));
        assert_eq!(f.name_vi, "Xây dựng");
        assert_eq!(f.name_en, "Construction");
        assert_eq!(vsic_section("f"), Some(f));
        assert_eq!(vsic_section("V"), None);
        assert_eq!(vsic_section(""), None);
    }

    #[test]
    fn malformed_rows_are_errors_not_panics() {
        let text = "section,divisions_from,divisions_to,name_vi,name_en\n\
                    AB,01,03,x,x\n\
                    A,05,03,x,x\n\
                    A,01,100,x,x\n\
                    A,01,xx,x,x\n";
        let rows = parse_sections(text);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(Result::is_err), "{rows:?}");
    }
}
