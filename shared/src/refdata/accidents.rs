//! The coded fields of an accident declaration: causes (nguyên nhân, codes 1–9) and
//! main injury-causing factors (yếu tố chính gây chấn thương, Phụ lục IV TT 13/2020,
//! codes `01`–`09`). Neither list was checked against the official annex; see
//! `refdata/SOURCES.md`. They label codes; they do not decide which codes are valid.

use std::sync::LazyLock;

use serde::Deserialize;

use super::csv_rows;

const CAUSES_CSV: &str = include_str!("../../refdata/accident-causes.csv");
const FACTORS_CSV: &str = include_str!("../../refdata/injury-factors.csv");

static CAUSES: LazyLock<Vec<AccidentCause>> = LazyLock::new(|| {
    csv_rows::<AccidentCause>(CAUSES_CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
});

static FACTORS: LazyLock<Vec<InjuryFactor>> = LazyLock::new(|| {
    csv_rows::<InjuryFactor>(FACTORS_CSV)
        .into_iter()
        .filter_map(Result::ok)
        .collect()
});

/// One cause of an accident.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccidentCause {
    pub code: String,
    /// Who the cause is attributed to: `employer`, `worker` or `other`.
    pub group: String,
    pub name_vi: String,
    pub name_en: String,
}

/// One main injury-causing factor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InjuryFactor {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[must_use]
pub fn accident_causes() -> &'static [AccidentCause] {
    CAUSES.as_slice()
}

#[must_use]
pub fn accident_cause(code: &str) -> Option<&'static AccidentCause> {
    accident_causes().iter().find(|c| c.code == code)
}

#[must_use]
pub fn injury_factors() -> &'static [InjuryFactor] {
    FACTORS.as_slice()
}

/// The factor with this code; `7` and `07` are the same code (declarations carry
/// two digits, the annex's table one).
#[must_use]
pub fn injury_factor(code: &str) -> Option<&'static InjuryFactor> {
    let number = |c: &str| {
        (!c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
            .then(|| c.parse::<u32>().ok())
            .flatten()
    };
    injury_factors()
        .iter()
        .find(|f| f.code == code || number(&f.code).is_some_and(|n| number(code) == Some(n)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses() {
        let causes = csv_rows::<AccidentCause>(CAUSES_CSV);
        assert!(causes.iter().all(Result::is_ok), "{causes:?}");
        assert_eq!(causes.len(), 9);
        let factors = csv_rows::<InjuryFactor>(FACTORS_CSV);
        assert!(factors.iter().all(Result::is_ok), "{factors:?}");
        assert_eq!(factors.len(), 9);
    }

    #[test]
    fn codes_are_found_with_or_without_the_leading_zero() {
        assert_eq!(injury_factor("07").unwrap().name_vi, "Vật rơi, đổ, sập");
        assert_eq!(injury_factor("7").unwrap().code, "07");
        assert_eq!(injury_factor("10"), None);
        assert_eq!(injury_factor(""), None);
        assert_eq!(accident_cause("8").unwrap().group, "worker");
        assert_eq!(accident_cause("0"), None);
    }
}
