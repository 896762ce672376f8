//! Health statistics from the maintained counters.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::figures::{self, Completeness, Indicator, Trend};
use shared::period::Period;

use super::access;
use crate::db::health_statistics as repo;
use crate::domain::health_statistics::{self as stats, Counters, GroupBy};

pub struct HealthStatistics {
    pub total: Counters,
    pub previous_total: Counters,
    pub rows: BTreeMap<String, Counters>,
    pub suppress: bool,
    pub completeness: Completeness,
    /// Workers examined for occupational disease against the plan's +5 %/year.
    pub bnn_exam_trend: Trend,
}

pub async fn statistics(
    db: &Db,
    user: &AuthUser,
    period: Period,
    group_by: Option<GroupBy>,
    as_of: Option<NaiveDate>,
) -> Result<HealthStatistics, ApiError> {
    let suppress = access::small_cells_hidden("get_health_statistics", user)?;
    db.run(move |conn| {
        let total_of =
            |conn: &mut shared::db::DbConnection, p: Period| -> Result<Counters, ApiError> {
                Ok(repo::sums(conn, stats::TOTAL, &p.to_string(), as_of)?
                    .into_iter()
                    .map(|(_, c)| c)
                    .fold(Counters::default(), Counters::plus))
            };
        let total = total_of(conn, period)?;
        let previous_total = total_of(conn, period.previous_year())?;
        let rows = match group_by {
            Some(g) => repo::sums(conn, g.dim_kind(), &period.to_string(), as_of)?
                .into_iter()
                .collect(),
            None => BTreeMap::new(),
        };
        let completeness = figures::completeness(period, shared::time::today(), as_of);
        // A hidden cell has no value to compare.
        let value = |c: &Counters| {
            (!suppress || !c.is_small()).then(|| figures::count(c.workers_examined_for_bnn))
        };
        let bnn_exam_trend = figures::trend(
            Indicator::BnnExamWorkers,
            period,
            value(&previous_total),
            value(&total),
            completeness,
        );
        Ok::<_, ApiError>(HealthStatistics {
            completeness,
            bnn_exam_trend,
            total,
            previous_total,
            rows,
            suppress,
        })
    })
    .await
}
