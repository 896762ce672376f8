//! Accident statistics from the maintained counters.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::figures::{self, Completeness, Indicator, Trend};
use shared::period::Period;

use crate::db::models::{AccidentRow, CasualtyRow};
use crate::db::statistics as repo;
use crate::domain::accident::{Sector, Severity};
use crate::domain::statistics::{
    self as stats, CountedAccident, CountedCasualty, Counters, GroupBy, StatKey,
};

/// What an accident as stored adds to the statistics; its stored codes are read
/// strictly (an unknown one is an error naming its column, not an uncounted casualty).
pub fn contributions(
    a: &AccidentRow,
    casualties: &[CasualtyRow],
) -> Result<Vec<(StatKey, Counters)>, ApiError> {
    let casualties = counted(casualties)?;
    let accident = CountedAccident {
        occurred_at: a.occurred_at,
        sector: shared::db::parse_stored("accidents", "sector", &a.sector, Sector::parse)?,
        commune_code: &a.commune_code,
        vsic_section: a.vsic_section.as_deref(),
        ownership_type: a.ownership_type.as_deref(),
        injury_factor_code: a.injury_factor_code.as_deref(),
        cause_codes: a.cause_codes.split(',').filter(|c| !c.is_empty()).collect(),
    };
    Ok(stats::contributions(&accident, &casualties))
}

/// What the statistics count of one accident's casualties (the quick report's counts).
pub fn counters(casualties: &[CasualtyRow]) -> Result<Counters, ApiError> {
    Ok(Counters::of(&counted(casualties)?))
}

fn counted(casualties: &[CasualtyRow]) -> Result<Vec<CountedCasualty>, ApiError> {
    casualties
        .iter()
        .map(|c| {
            Ok(CountedCasualty {
                severity: shared::db::parse_stored(
                    "casualties",
                    "severity",
                    &c.severity,
                    Severity::parse,
                )?,
                female: c.gender == "female",
                days_off: c.days_off,
                cost_medical: c.cost_medical,
                cost_wages: c.cost_wages,
                cost_compensation: c.cost_compensation,
            })
        })
        .collect()
}

/// Figures of one group: the counters of each sector.
#[derive(Clone, Debug, Default)]
pub struct GroupFigures {
    pub all: Counters,
    /// The sector with a labour relation, the one the rates are computed for.
    pub with_labour_relation: Counters,
}

/// What a row of the statistics shows: nothing of a small cell when cells are
/// suppressed, and the rates of the sector with a labour relation over its workers.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownFigures {
    pub suppressed: bool,
    pub figures: Option<Counters>,
    /// The group's workers, when known and not zero.
    pub workers: Option<i64>,
    pub frequency_rate_per_1000: Option<f64>,
    pub fatal_rate_per_100000: Option<f64>,
}

impl GroupFigures {
    /// The figures as shown, over `workers` and with small cells hidden if `suppress`.
    pub fn shown(&self, workers: Option<i64>, suppress: bool) -> ShownFigures {
        let hidden = suppress && stats::is_small(&self.all);
        let workers = workers.filter(|n| *n > 0);
        let rate = |f: fn(i64, i64) -> Option<f64>, n: i64| {
            workers.and_then(|w| f(n, w)).filter(|_| !hidden)
        };
        ShownFigures {
            suppressed: hidden,
            figures: (!hidden).then_some(self.all),
            workers,
            frequency_rate_per_1000: rate(
                figures::frequency_rate,
                self.with_labour_relation.casualties,
            ),
            fatal_rate_per_100000: rate(figures::fatal_rate, self.with_labour_relation.fatal),
        }
    }
}

pub struct Statistics {
    pub rows: BTreeMap<String, GroupFigures>,
    pub total: GroupFigures,
    pub previous_total: GroupFigures,
    /// Workers per group and in total, from the establishments registry.
    pub workers: BTreeMap<String, i64>,
    pub total_workers: i64,
    /// Workers of the previous year's same period, found the same way (its own
    /// reports, else the registry), so its rate is the one that period publishes.
    pub previous_total_workers: i64,
    /// Whether the caller sees small cells suppressed.
    pub suppress: bool,
    /// `periodic_reports` or `establishment_registry`.
    pub denominator_source: &'static str,
    /// Whether the period is over (as seen today, or on `as_of`).
    pub completeness: Completeness,
    /// The fatal rate against the plan's target.
    pub fatal_rate_trend: Trend,
}

#[derive(Clone, Debug)]
pub struct Query {
    pub period: Period,
    pub group_by: Option<GroupBy>,
    pub sector: Option<String>,
    pub as_of: Option<NaiveDate>,
}

fn month_bounds(period: Period) -> (String, String) {
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    (month(period.first_day()), month(period.end_day()))
}

fn fold(
    rows: &[(String, String, Counters)],
    sector: Option<&str>,
) -> BTreeMap<String, GroupFigures> {
    let mut out: BTreeMap<String, GroupFigures> = BTreeMap::new();
    for (key, row_sector, counters) in rows {
        if sector.is_some_and(|s| s != row_sector) {
            continue;
        }
        let entry = out.entry(key.clone()).or_default();
        entry.all = entry.all.plus(*counters);
        if row_sector == "with_labour_relation" {
            entry.with_labour_relation = entry.with_labour_relation.plus(*counters);
        }
    }
    out
}

/// Folds the counters' deltas changed on or before `through` into their totals (the
/// background task passes `shared::db::fold::safe_through()`); returns the totals rows
/// written, 0 when they were already folded that far. Reads give the same figures
/// before and after.
pub fn fold_counters(
    conn: &mut shared::db::DbConnection,
    through: NaiveDate,
) -> Result<usize, ApiError> {
    Ok(repo::fold(conn, through)?)
}

pub async fn statistics(db: &Db, user: &AuthUser, query: Query) -> Result<Statistics, ApiError> {
    let suppress = crate::access::check("get_accident_statistics", user)?.condition
        == shared::access::Condition::SmallCellsHidden;
    db.run(move |conn| compute(conn, &query, suppress)).await
}

/// The figures of `query`, with small cells hidden if `suppress`: the one computation
/// behind the statistics endpoint and the province's statutory reports (Phụ lục XIV
/// and XV), so that the two never publish different figures.
pub fn compute(
    conn: &mut shared::db::DbConnection,
    query: &Query,
    suppress: bool,
) -> Result<Statistics, ApiError> {
    let (from, to) = month_bounds(query.period);
    let sector = query.sector.as_deref();
    let total = fold(
        &repo::sums(conn, stats::TOTAL, false, &from, &to, query.as_of)?,
        sector,
    )
    .remove(stats::TOTAL)
    .unwrap_or_default();
    let (prev_from, prev_to) = month_bounds(query.period.previous_year());
    let previous_total = fold(
        &repo::sums(conn, stats::TOTAL, false, &prev_from, &prev_to, query.as_of)?,
        sector,
    )
    .remove(stats::TOTAL)
    .unwrap_or_default();
    let rows = match query.group_by {
        Some(g) => fold(
            &repo::sums(
                conn,
                g.dim_kind(),
                g == GroupBy::Month,
                &from,
                &to,
                query.as_of,
            )?,
            sector,
        ),
        None => BTreeMap::new(),
    };
    let column = match query.group_by {
        Some(GroupBy::Commune) => Some("commune_code"),
        Some(GroupBy::VsicSection) => Some("vsic_section"),
        Some(GroupBy::OwnershipType) => Some("ownership_type"),
        _ => None,
    };
    let (from_reports, workers) = denominator(conn, query.period, column)?;
    let workers: BTreeMap<String, i64> = match column {
        Some(_) => workers.into_iter().collect(),
        None => BTreeMap::new(),
    };
    let total_workers = denominator(conn, query.period, None)?
        .1
        .iter()
        .map(|(_, n)| n)
        .sum();
    let previous_total_workers = denominator(conn, query.period.previous_year(), None)?
        .1
        .iter()
        .map(|(_, n)| n)
        .sum();
    let denominator_source = if from_reports {
        "periodic_reports"
    } else {
        "establishment_registry"
    };
    let completeness = figures::completeness(query.period, shared::time::today(), query.as_of);
    let fatal_rate_trend = fatal_rate_trend(
        query.period,
        (!suppress || !stats::is_small(&previous_total.all)).then_some((
            previous_total.with_labour_relation.fatal,
            previous_total_workers,
        )),
        (!suppress || !stats::is_small(&total.all))
            .then_some((total.with_labour_relation.fatal, total_workers)),
        completeness,
    );
    Ok(Statistics {
        completeness,
        fatal_rate_trend,
        rows,
        total,
        previous_total,
        workers,
        total_workers,
        previous_total_workers,
        suppress,
        denominator_source,
    })
}

/// The workers the employers reported for this very period, when any filed;
/// otherwise the registry's current headcounts. `true` when from the reports.
fn denominator(
    conn: &mut shared::db::DbConnection,
    period: Period,
    column: Option<&str>,
) -> Result<(bool, Vec<(String, i64)>), ApiError> {
    let period_text = period.to_string();
    let from_reports = repo::report_headcounts(conn, &period_text, None)?
        .iter()
        .any(|(_, n)| *n > 0);
    let headcounts = if from_reports {
        repo::report_headcounts(conn, &period_text, column)?
    } else {
        repo::registry_headcounts(conn, column)?
    };
    Ok((from_reports, headcounts))
}

/// The fatal rate of this period and the previous year's, each (deaths, workers) of its
/// own period, against the plan's target; a hidden cell has no rate.
fn fatal_rate_trend(
    period: Period,
    previous: Option<(i64, i64)>,
    current: Option<(i64, i64)>,
    completeness: Completeness,
) -> Trend {
    let rate = |x: Option<(i64, i64)>| {
        x.and_then(|(deaths, workers)| figures::fatal_rate(deaths, workers))
    };
    figures::trend(
        Indicator::FatalAccidentRate,
        period,
        rate(previous),
        rate(current),
        completeness,
    )
}
