//! Accident statistics from the maintained counters.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::period::Period;

use crate::db::statistics as repo;
use crate::domain::statistics::{self as stats, Counters, GroupBy};

/// Figures of one group: the counters of each sector.
#[derive(Clone, Debug, Default)]
pub struct GroupFigures {
    pub all: Counters,
    /// The sector with a labour relation, the one the rates are computed for.
    pub with_labour_relation: Counters,
}

pub struct Statistics {
    pub rows: BTreeMap<String, GroupFigures>,
    pub total: GroupFigures,
    pub previous_total: GroupFigures,
    /// Workers per group and in total, from the establishments registry.
    pub workers: BTreeMap<String, i64>,
    pub total_workers: i64,
    /// Whether the caller sees small cells suppressed.
    pub suppress: bool,
    /// `periodic_reports` or `establishment_registry`.
    pub denominator_source: &'static str,
}

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

pub async fn statistics(db: &Db, user: &AuthUser, query: Query) -> Result<Statistics, ApiError> {
    let suppress = crate::access::check("get_accident_statistics", user)?.condition
        == shared::access::Condition::SmallCellsHidden;
    db.run(move |conn| {
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
        // The workers the employers reported for this very period, when any filed;
        // otherwise the registry's current headcounts.
        let period_text = query.period.to_string();
        let from_reports = repo::report_headcounts(conn, &period_text, None)?
            .iter()
            .any(|(_, n)| *n > 0);
        let headcounts = |conn: &mut shared::db::DbConnection, column: Option<&str>| {
            if from_reports {
                repo::report_headcounts(conn, &period_text, column)
            } else {
                repo::registry_headcounts(conn, column)
            }
        };
        let workers: BTreeMap<String, i64> = match column {
            Some(_) => headcounts(conn, column)?.into_iter().collect(),
            None => BTreeMap::new(),
        };
        let total_workers = headcounts(conn, None)?.into_iter().map(|(_, n)| n).sum();
        let denominator_source = if from_reports {
            "periodic_reports"
        } else {
            "establishment_registry"
        };
        Ok::<_, ApiError>(Statistics {
            rows,
            total,
            previous_total,
            workers,
            total_workers,
            suppress,
            denominator_source,
        })
    })
    .await
}
