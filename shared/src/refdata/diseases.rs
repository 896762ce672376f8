//! Compensable occupational diseases (TT 15/2016/TT-BYT as amended by TT 02/2023/TT-BYT).
//!
//! Codes `BNN-01` … `BNN-35` are the suite's own, in annex order; see
//! `refdata/SOURCES.md` for what was and was not verified.

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;

use super::csv_rows;

const DISEASES_CSV: &str = include_str!("../../refdata/occupational-diseases.csv");

static DISEASES: LazyLock<Vec<OccupationalDisease>> = LazyLock::new(|| {
    csv_rows::<OccupationalDisease>(DISEASES_CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
});

/// One occupational disease of the compensable list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OccupationalDisease {
    pub code: String,
    /// Number of its annex in the circular.
    pub annex_no: u8,
    /// Group I–VI (dust and lungs, poisoning, physical factors, skin, infections, cancer).
    pub group: String,
    pub name_vi: String,
    pub name_en: String,
    /// The circular that put it on the list.
    pub legal_source: String,
    /// When it became compensable, where the list says.
    pub effective_from: Option<NaiveDate>,
}

/// All diseases, in annex order.
#[must_use]
pub fn occupational_diseases() -> &'static [OccupationalDisease] {
    DISEASES.as_slice()
}

/// The disease with exactly this code.
#[must_use]
pub fn occupational_disease(code: &str) -> Option<&'static OccupationalDisease> {
    occupational_diseases().iter().find(|d| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_and_there_are_35() {
        let rows = csv_rows::<OccupationalDisease>(DISEASES_CSV);
        assert!(
            rows.iter().all(Result::is_ok),
            "{:?}",
            rows.iter().filter(|r| r.is_err()).collect::<Vec<_>>()
        );
        assert_eq!(occupational_diseases().len(), 35);
    }

    #[test]
    fn covid_19_was_added_in_2023() {
        let covid = occupational_disease("BNN-35");
        assert_eq!(
            covid.map(|d| d.legal_source.as_str()),
            Some("TT 02/2023/TT-BYT")
        );
        assert_eq!(
            covid.and_then(|d| d.effective_from),
            NaiveDate::from_ymd_opt(2023, 4, 1)
        );
        assert_eq!(
            occupational_disease("BNN-18").map(|d| d.name_en.as_str()),
            Some("Occupational noise-induced hearing loss")
        );
        assert!(occupational_disease("BNN-36").is_none());
    }
}
