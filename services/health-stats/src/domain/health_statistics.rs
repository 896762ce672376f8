//! Health statistics: what each report and case adds to the counters (kept current
//! with every write). Percentages, the small-cell rule and the plan's +5 %/year target
//! are `shared::figures`'.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::health_report::HealthFigures;

pub const TOTAL: &str = "total";
pub const UNKNOWN: &str = "unknown";

/// The dimensions health statistics can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Commune,
    VsicSection,
    OwnershipType,
    Disease,
}

impl GroupBy {
    pub fn dim_kind(self) -> &'static str {
        match self {
            GroupBy::Commune => "commune",
            GroupBy::VsicSection => "vsic_section",
            GroupBy::OwnershipType => "ownership_type",
            GroupBy::Disease => "disease",
        }
    }
}

/// The additive figures of a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counters {
    /// Reports received.
    pub reports: i64,
    pub workers: i64,
    pub hazardous_workers: i64,
    /// Workers given their periodic exam.
    pub periodic_exams: i64,
    pub exposed_workers: i64,
    /// Workers examined to detect occupational disease.
    pub workers_examined_for_bnn: i64,
    pub bnn_suspected: i64,
    pub bnn_confirmed: i64,
    /// Cases in the case registry, by diagnosis date.
    pub disease_cases: i64,
}

impl Counters {
    fn combine(self, o: Counters, sign: i64) -> Counters {
        Counters {
            reports: self.reports + sign * o.reports,
            workers: self.workers + sign * o.workers,
            hazardous_workers: self.hazardous_workers + sign * o.hazardous_workers,
            periodic_exams: self.periodic_exams + sign * o.periodic_exams,
            exposed_workers: self.exposed_workers + sign * o.exposed_workers,
            workers_examined_for_bnn: self.workers_examined_for_bnn
                + sign * o.workers_examined_for_bnn,
            bnn_suspected: self.bnn_suspected + sign * o.bnn_suspected,
            bnn_confirmed: self.bnn_confirmed + sign * o.bnn_confirmed,
            disease_cases: self.disease_cases + sign * o.disease_cases,
        }
    }

    pub fn plus(self, o: Counters) -> Counters {
        self.combine(o, 1)
    }

    pub fn minus(self, o: Counters) -> Counters {
        self.combine(o, -1)
    }

    /// Persons counted in the cell, for small-cell suppression.
    pub fn persons(&self) -> i64 {
        self.workers
            .max(self.bnn_confirmed + self.bnn_suspected)
            .max(self.disease_cases)
    }

    /// Whether the cell is hidden from `viewer` callers (`shared::figures::is_small`).
    pub fn is_small(&self) -> bool {
        shared::figures::is_small(self.persons())
    }
}

/// Where a contribution is counted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatKey {
    /// `2025` or `2025-H1`.
    pub period: String,
    pub dim_kind: &'static str,
    pub dim_value: String,
}

/// The establishment groups a record counts in.
pub struct Dims<'a> {
    pub commune: Option<&'a str>,
    pub vsic_section: Option<&'a str>,
    pub ownership_type: Option<&'a str>,
}

fn establishment_keys(period: &str, dims: &Dims<'_>) -> Vec<StatKey> {
    let key = |kind: &'static str, value: Option<&str>| StatKey {
        period: period.to_owned(),
        dim_kind: kind,
        dim_value: value.unwrap_or(UNKNOWN).to_owned(),
    };
    vec![
        key(TOTAL, Some(TOTAL)),
        key("commune", dims.commune),
        key("vsic_section", dims.vsic_section),
        key("ownership_type", dims.ownership_type),
    ]
}

/// What a report adds: its figures to the total and its establishment's groups, and
/// its disease counts to each disease.
pub fn report_contributions(
    period: &str,
    dims: &Dims<'_>,
    figures: Option<&HealthFigures>,
) -> Vec<(StatKey, Counters)> {
    let f = figures.cloned().unwrap_or_default();
    let counters = Counters {
        reports: 1,
        workers: i64::from(f.workers.total),
        hazardous_workers: i64::from(f.hazardous_workers.total),
        periodic_exams: i64::from(f.periodic_exams),
        exposed_workers: i64::from(f.exposed_workers),
        workers_examined_for_bnn: i64::from(f.bnn_examined),
        bnn_suspected: f
            .bnn_by_disease
            .iter()
            .map(|d| i64::from(d.suspected))
            .sum(),
        bnn_confirmed: f
            .bnn_by_disease
            .iter()
            .map(|d| i64::from(d.confirmed))
            .sum(),
        disease_cases: 0,
    };
    let mut out: Vec<(StatKey, Counters)> = establishment_keys(period, dims)
        .into_iter()
        .map(|k| (k, counters))
        .collect();
    out.extend(f.bnn_by_disease.iter().map(|d| {
        (
            StatKey {
                period: period.to_owned(),
                dim_kind: "disease",
                dim_value: d.disease_code.clone(),
            },
            Counters {
                bnn_suspected: i64::from(d.suspected),
                bnn_confirmed: i64::from(d.confirmed),
                ..Counters::default()
            },
        )
    }));
    out
}

/// What a case adds: one case in the year and the half-year of its diagnosis.
pub fn case_contributions(
    diagnosed_on: chrono::NaiveDate,
    disease_code: &str,
    dims: &Dims<'_>,
) -> Vec<(StatKey, Counters)> {
    use chrono::Datelike;
    let one = Counters {
        disease_cases: 1,
        ..Counters::default()
    };
    let half = if diagnosed_on.month() <= 6 { 1 } else { 2 };
    [
        diagnosed_on.year().to_string(),
        format!("{}-H{half}", diagnosed_on.year()),
    ]
    .into_iter()
    .flat_map(|period| {
        let mut keys = establishment_keys(&period, dims);
        keys.push(StatKey {
            period,
            dim_kind: "disease",
            dim_value: disease_code.to_owned(),
        });
        keys
    })
    .map(|k| (k, one))
    .collect()
}

/// After minus before, per key, zero changes dropped.
pub fn delta(
    before: &[(StatKey, Counters)],
    after: &[(StatKey, Counters)],
) -> Vec<(StatKey, Counters)> {
    let mut changes: BTreeMap<StatKey, Counters> = BTreeMap::new();
    for (key, c) in after {
        let e = changes.entry(key.clone()).or_default();
        *e = e.plus(*c);
    }
    for (key, c) in before {
        let e = changes.entry(key.clone()).or_default();
        *e = e.minus(*c);
    }
    changes
        .into_iter()
        .filter(|(_, c)| *c != Counters::default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::health_report::{DiseaseCount, Headcount};

    fn dims() -> Dims<'static> {
        Dims {
            commune: Some("01273"),
            vsic_section: Some("B"),
            ownership_type: None,
        }
    }

    #[test]
    fn a_report_counts_in_its_groups_and_diseases() {
        let f = HealthFigures {
            workers: Headcount {
                total: 100,
                female: 0,
            },
            bnn_examined: 40,
            bnn_by_disease: vec![DiseaseCount {
                disease_code: "BNN-18".into(),
                suspected: 2,
                confirmed: 1,
            }],
            ..HealthFigures::default()
        };
        let parts = report_contributions("2025", &dims(), Some(&f));
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
                ("disease", "BNN-18")
            ]
        );
        assert_eq!(
            parts.first().map(|(_, c)| c.workers_examined_for_bnn),
            Some(40)
        );
        assert_eq!(
            parts
                .last()
                .map(|(_, c)| (c.bnn_suspected, c.bnn_confirmed, c.workers)),
            Some((2, 1, 0))
        );
    }

    #[test]
    fn a_case_counts_in_its_year_and_half_year() {
        let day = chrono::NaiveDate::from_ymd_opt(2025, 8, 1).unwrap_or_default();
        let parts = case_contributions(day, "BNN-01", &dims());
        let periods: std::collections::BTreeSet<&str> =
            parts.iter().map(|(k, _)| k.period.as_str()).collect();
        assert_eq!(periods.into_iter().collect::<Vec<_>>(), ["2025", "2025-H2"]);
        assert_eq!(parts.len(), 10);
    }

    #[test]
    fn a_resubmission_counts_only_its_difference() {
        let f = |n| HealthFigures {
            workers: Headcount {
                total: n,
                female: 0,
            },
            ..HealthFigures::default()
        };
        let changes = delta(
            &report_contributions("2025", &dims(), Some(&f(100))),
            &report_contributions("2025", &dims(), Some(&f(120))),
        );
        assert_eq!(changes.len(), 4);
        assert!(
            changes
                .iter()
                .all(|(_, c)| c.workers == 20 && c.reports == 0)
        );
    }
}
