//! Accident statistics: what each accident adds to the counters, and the rates
//! (docs/domain.md, "Statistics").
//!
//! An accident contributes to one group per dimension (commune, VSIC section,
//! ownership type, injury factor, each cause) plus the total, in the month it
//! occurred. A write records the difference between the accident's contribution after
//! and before, so the counters never need a rescan.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accident::{Sector, Severity};

/// The dimensions statistics can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Commune,
    VsicSection,
    OwnershipType,
    Cause,
    InjuryFactor,
    Month,
}

impl GroupBy {
    /// The stored dimension; months are read from the total's rows.
    pub fn dim_kind(self) -> &'static str {
        match self {
            GroupBy::Commune => "commune",
            GroupBy::VsicSection => "vsic_section",
            GroupBy::OwnershipType => "ownership_type",
            GroupBy::Cause => "cause",
            GroupBy::InjuryFactor => "injury_factor",
            GroupBy::Month => TOTAL,
        }
    }
}

pub const TOTAL: &str = "total";
/// The group of an accident that has no value for a dimension (no employer, no factor).
pub const UNKNOWN: &str = "unknown";

/// The additive figures of a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counters {
    /// Cases (số vụ).
    pub cases: i64,
    /// Cases with a death (số vụ có người chết).
    pub cases_fatal: i64,
    /// Cases with two or more casualties (số vụ có từ 2 người bị nạn trở lên).
    pub cases_multi: i64,
    /// Casualties (số người bị nạn).
    pub casualties: i64,
    pub fatal: i64,
    pub serious: i64,
    pub minor: i64,
    /// Female casualties (lao động nữ).
    pub female: i64,
    /// Days off (tổng số ngày nghỉ).
    pub days_off: i64,
    /// Medical costs, thousand VND (the unit of the statistics forms).
    #[serde(rename = "cost_medical_thousand_vnd", alias = "cost_medical")]
    pub cost_medical: i64,
    /// Wages paid during treatment, thousand VND.
    #[serde(rename = "cost_wages_thousand_vnd", alias = "cost_wages")]
    pub cost_wages: i64,
    /// Compensation and allowances, thousand VND.
    #[serde(rename = "cost_compensation_thousand_vnd", alias = "cost_compensation")]
    pub cost_compensation: i64,
}

impl Counters {
    pub fn of(casualties: &[CountedCasualty]) -> Counters {
        let count = |f: &dyn Fn(&CountedCasualty) -> bool| {
            i64::try_from(casualties.iter().filter(|c| f(c)).count()).unwrap_or_default()
        };
        let fatal = count(&|c| c.severity == Severity::Fatal);
        Counters {
            cases: 1,
            cases_fatal: i64::from(fatal > 0),
            cases_multi: i64::from(casualties.len() >= 2),
            casualties: i64::try_from(casualties.len()).unwrap_or_default(),
            fatal,
            serious: count(&|c| c.severity == Severity::Serious),
            minor: count(&|c| c.severity == Severity::Minor),
            female: count(&|c| c.female),
            days_off: casualties.iter().map(|c| c.days_off).sum(),
            cost_medical: casualties.iter().map(|c| c.cost_medical).sum(),
            cost_wages: casualties.iter().map(|c| c.cost_wages).sum(),
            cost_compensation: casualties.iter().map(|c| c.cost_compensation).sum(),
        }
    }

    fn combine(self, other: Counters, sign: i64) -> Counters {
        Counters {
            cases: self.cases + sign * other.cases,
            cases_fatal: self.cases_fatal + sign * other.cases_fatal,
            cases_multi: self.cases_multi + sign * other.cases_multi,
            casualties: self.casualties + sign * other.casualties,
            fatal: self.fatal + sign * other.fatal,
            serious: self.serious + sign * other.serious,
            minor: self.minor + sign * other.minor,
            female: self.female + sign * other.female,
            days_off: self.days_off + sign * other.days_off,
            cost_medical: self.cost_medical + sign * other.cost_medical,
            cost_wages: self.cost_wages + sign * other.cost_wages,
            cost_compensation: self.cost_compensation + sign * other.cost_compensation,
        }
    }

    pub fn plus(self, other: Counters) -> Counters {
        self.combine(other, 1)
    }

    pub fn minus(self, other: Counters) -> Counters {
        self.combine(other, -1)
    }

    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }
}

/// Where a contribution is counted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatKey {
    /// `YYYY-MM` of the accident in Viet Nam time.
    pub period_month: String,
    pub sector: String,
    pub dim_kind: &'static str,
    pub dim_value: String,
}

/// What the statistics know of an accident: when and where it happened, and how it is
/// classified.
#[derive(Clone, Debug)]
pub struct CountedAccident<'a> {
    /// When it happened, UTC.
    pub occurred_at: chrono::NaiveDateTime,
    pub sector: Sector,
    pub commune_code: &'a str,
    pub vsic_section: Option<&'a str>,
    pub ownership_type: Option<&'a str>,
    pub injury_factor_code: Option<&'a str>,
    pub cause_codes: Vec<&'a str>,
}

/// What the statistics count of one casualty.
#[derive(Clone, Copy, Debug)]
pub struct CountedCasualty {
    pub severity: Severity,
    pub female: bool,
    pub days_off: i64,
    /// Costs in thousands of VND.
    pub cost_medical: i64,
    pub cost_wages: i64,
    pub cost_compensation: i64,
}

/// Everything one accident (as it stands) adds to the statistics.
pub fn contributions(
    accident: &CountedAccident<'_>,
    casualties: &[CountedCasualty],
) -> Vec<(StatKey, Counters)> {
    let local = accident
        .occurred_at
        .and_utc()
        .with_timezone(&shared::time::vietnam());
    let month = format!("{:04}-{:02}", local.year(), local.month());
    let counters = Counters::of(casualties);
    let value = |v: Option<&str>| v.unwrap_or(UNKNOWN).to_owned();
    let mut dims: Vec<(&'static str, String)> = vec![
        (TOTAL, TOTAL.to_owned()),
        ("commune", accident.commune_code.to_owned()),
        ("vsic_section", value(accident.vsic_section)),
        ("ownership_type", value(accident.ownership_type)),
        ("injury_factor", value(accident.injury_factor_code)),
    ];
    if accident.cause_codes.is_empty() {
        dims.push(("cause", UNKNOWN.to_owned()));
    }
    dims.extend(
        accident
            .cause_codes
            .iter()
            .map(|c| ("cause", (*c).to_owned())),
    );
    dims.into_iter()
        .map(|(dim_kind, dim_value)| {
            (
                StatKey {
                    period_month: month.clone(),
                    sector: accident.sector.as_str().to_owned(),
                    dim_kind,
                    dim_value,
                },
                counters,
            )
        })
        .collect()
}

/// The changes a write makes: after minus before, per key, zero changes dropped.
pub fn delta(
    before: &[(StatKey, Counters)],
    after: &[(StatKey, Counters)],
) -> Vec<(StatKey, Counters)> {
    let mut changes: BTreeMap<StatKey, Counters> = BTreeMap::new();
    for (key, counters) in after {
        let entry = changes.entry(key.clone()).or_default();
        *entry = entry.plus(*counters);
    }
    for (key, counters) in before {
        let entry = changes.entry(key.clone()).or_default();
        *entry = entry.minus(*counters);
    }
    changes.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

/// Whether a cell is hidden from `viewer` callers: 1 to 4 persons
/// (`shared::figures::is_small`).
pub fn is_small(counters: &Counters) -> bool {
    shared::figures::is_small(counters.casualties)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accident(causes: &str) -> CountedAccident<'_> {
        let at = chrono::NaiveDate::from_ymd_opt(2025, 6, 30)
            .and_then(|d| d.and_hms_opt(18, 0, 0))
            .unwrap_or_default();
        CountedAccident {
            occurred_at: at,
            sector: Sector::WithLabourRelation,
            commune_code: "01273",
            vsic_section: Some("B"),
            ownership_type: None,
            injury_factor_code: None,
            cause_codes: causes.split(',').filter(|c| !c.is_empty()).collect(),
        }
    }

    fn casualty(severity: Severity, female: bool) -> CountedCasualty {
        CountedCasualty {
            severity,
            female,
            days_off: 5,
            cost_medical: 100,
            cost_wages: 50,
            cost_compensation: 0,
        }
    }

    #[test]
    fn an_accident_counts_once_per_dimension_in_its_local_month() {
        let parts = contributions(
            &accident("1,3"),
            &[
                casualty(Severity::Fatal, false),
                casualty(Severity::Serious, true),
            ],
        );
        // 18:00 UTC on 30 June is 01:00 on 1 July in Viet Nam.
        assert!(parts.iter().all(|(k, _)| k.period_month == "2025-07"));
        let kinds: Vec<(&str, &str)> = parts
            .iter()
            .map(|(k, _)| (k.dim_kind, k.dim_value.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("total", "total"),
                ("commune", "01273"),
                ("vsic_section", "B"),
                ("ownership_type", "unknown"),
                ("injury_factor", "unknown"),
                ("cause", "1"),
                ("cause", "3")
            ]
        );
        let c = parts.first().map(|(_, c)| *c).unwrap_or_default();
        assert_eq!(
            (
                c.cases,
                c.cases_fatal,
                c.cases_multi,
                c.casualties,
                c.fatal,
                c.serious,
                c.female
            ),
            (1, 1, 1, 2, 1, 1, 1)
        );
        assert_eq!((c.days_off, c.cost_medical, c.cost_wages), (10, 200, 100));
    }

    #[test]
    fn a_raise_moves_one_casualty_between_columns() {
        let before = contributions(&accident("1"), &[casualty(Severity::Minor, false)]);
        let after = contributions(&accident("1"), &[casualty(Severity::Fatal, false)]);
        let changes = delta(&before, &after);
        assert_eq!(changes.len(), 6, "every dimension changes");
        let c = changes.first().map(|(_, c)| *c).unwrap_or_default();
        assert_eq!(
            (c.cases, c.cases_fatal, c.fatal, c.minor, c.casualties),
            (0, 1, 1, -1, 0)
        );
    }

    #[test]
    fn an_unchanged_accident_changes_nothing() {
        let parts = contributions(&accident("2"), &[casualty(Severity::Minor, false)]);
        assert!(delta(&parts, &parts).is_empty());
    }

    #[test]
    fn small_cells_are_those_of_one_to_four_persons() {
        let c = |n| Counters {
            casualties: n,
            ..Counters::default()
        };
        assert!(is_small(&c(1)) && is_small(&c(4)));
        assert!(!is_small(&c(0)) && !is_small(&c(5)));
    }
}
