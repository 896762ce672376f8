//! `/api/v1/accident-statistics`: counts, rates and the plan's fatal-rate target.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::code_lists::{self, Dimension, Label};
use shared::context::said;
use shared::db::Db;
use shared::error::ApiError;
use shared::figures::Trend;
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::domain::accident::Sector;
use crate::domain::statistics::{Counters, GroupBy};
use crate::service::statistics::{self as service, GroupFigures, Query, ShownFigures};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_accident_statistics);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatisticsParams {
    /// `2025`, `2025-H1` or `2025-H2` (accidents that occurred then, Viet Nam time).
    pub period: String,
    pub group_by: Option<GroupBy>,
    pub sector: Option<Sector>,
    /// The figures as they stood at the end of this day (from the change history).
    pub as_of: Option<NaiveDate>,
}

/// One row of figures. Counts are `null` in a suppressed cell.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatisticsRow {
    /// The group: a commune code, VSIC section, ownership type, cause, factor or month (`YYYY-MM`).
    pub key: String,
    /// What the key is, in Vietnamese (the total, a unit's name, a cause, a month…).
    pub label: String,
    pub label_en: String,
    /// Hidden because it counts fewer than 5 persons (only for `viewer`).
    pub suppressed: bool,
    pub figures: Option<Counters>,
    /// Workers in the group (denominator N), when known for this grouping.
    pub workers: Option<i64>,
    /// K = casualties (sector with a labour relation) / N × 1,000.
    pub frequency_rate_per_1000: Option<f64>,
    /// Deaths (sector with a labour relation) / N × 100,000.
    pub fatal_rate_per_100000: Option<f64>,
}

/// How the figures were made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatisticsMethod {
    pub counted: String,
    pub frequency_rate: String,
    pub fatal_rate: String,
    /// `periodic_reports`: the workers stated in the employers' reports for the period;
    /// `establishment_registry` (when none was filed): the registered establishments' workers as they are now.
    pub denominator_source: String,
    pub as_of: Option<NaiveDate>,
}

/// Accident statistics (thống kê tai nạn lao động).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentStatistics {
    pub period: String,
    pub sector: Option<Sector>,
    pub group_by: Option<GroupBy>,
    pub total: StatisticsRow,
    pub rows: Vec<StatisticsRow>,
    /// Whether the period is over (from the day after its last day, Viet Nam time, or
    /// with `as_of` on or after that last day); until then the figures are partial and
    /// no target is judged on them.
    pub complete: bool,
    /// The last whole day the figures cover: the period's last day once it is over,
    /// else yesterday (or `as_of`); `null` before the period starts.
    pub complete_through: Option<NaiveDate>,
    /// The fatal rate (sector with a labour relation, per 100,000 workers) this period
    /// and the same period a year before, each over its own workers, against the
    /// plan's −4 %/year target.
    pub fatal_rate_trend: Trend,
    pub method: StatisticsMethod,
    /// Serious technical incidents that occurred in the period (counted apart from accidents).
    pub technical_incidents: super::technical_incidents::TechnicalIncidentFigures,
}

/// The label of a row; a commune code is the unit in force at the period's end.
fn label(group_by: Option<GroupBy>, key: &str, period: Period) -> Label {
    let on = period
        .end_day()
        .pred_opt()
        .unwrap_or_else(|| period.end_day());
    let dimension = match group_by {
        None => return Label::total(),
        Some(GroupBy::Month) => return Label::month(key),
        Some(GroupBy::Commune) => Dimension::Commune,
        Some(GroupBy::VsicSection) => Dimension::VsicSection,
        Some(GroupBy::OwnershipType) => Dimension::OwnershipType,
        Some(GroupBy::Cause) => Dimension::AccidentCause,
        Some(GroupBy::InjuryFactor) => Dimension::InjuryFactor,
    };
    code_lists::label(dimension, key, on)
}

pub(crate) fn row(
    key: &str,
    group_by: Option<GroupBy>,
    period: Period,
    group: &GroupFigures,
    workers: Option<i64>,
    suppress: bool,
) -> StatisticsRow {
    let ShownFigures {
        suppressed,
        figures,
        workers,
        frequency_rate_per_1000,
        fatal_rate_per_100000,
    } = group.shown(workers, suppress);
    let Label { vi, en } = label(group_by, key, period);
    StatisticsRow {
        key: key.to_owned(),
        label: vi,
        label_en: en,
        suppressed,
        figures,
        workers,
        frequency_rate_per_1000,
        fatal_rate_per_100000,
    }
}

/// Accident statistics
///
/// Thống kê tai nạn lao động for a period, in total and by one dimension: cases,
/// casualties by severity, deaths, women, days off, costs (thousand VND), the frequency
/// rate K per 1,000 workers and the fatal rate per 100,000, and the fatal rate's change
/// against the plan's −4 %/year target. `viewer` callers get cells under 5 persons hidden.
#[utoipa::path(
    tag = "accident-statistics",
    params(StatisticsParams),
    responses((status = 200, description = "The figures and how they were made", body = AccidentStatistics))
)]
#[get("/accident-statistics")]
pub async fn get_accident_statistics(
    user: AuthUser,
    db: web::Data<Db>,
    params: shared::extract::Query<StatisticsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let query = Query {
        period,
        group_by: p.group_by,
        sector: p.sector.map(|s| s.as_str().to_owned()),
        as_of: p.as_of,
    };
    let s = service::statistics(&db, &user, query).await?;
    let technical_incidents =
        super::technical_incidents::statistics_figures(&db, period, p.as_of).await?;
    let total = row(
        "total",
        None,
        period,
        &s.total,
        Some(s.total_workers),
        s.suppress,
    );
    let rows = s
        .rows
        .iter()
        .map(|(k, f)| {
            row(
                k,
                p.group_by,
                period,
                f,
                s.workers.get(k).copied(),
                s.suppress,
            )
        })
        .collect();
    Ok(HttpResponse::Ok().json(AccidentStatistics {
        period: period.to_string(),
        sector: p.sector,
        group_by: p.group_by,
        total,
        rows,
        complete: s.completeness.complete,
        complete_through: s.completeness.complete_through,
        fatal_rate_trend: s.fatal_rate_trend,
        method: StatisticsMethod {
            counted: said(
                "Các vụ tai nạn xảy ra trong kỳ (giờ Việt Nam), theo khai báo và các lần đính chính; \
                 chi phí tính bằng nghìn đồng.",
                "Accidents that occurred in the period (Asia/Ho_Chi_Minh), as declared and corrected; \
                 costs in thousand VND.",
            ),
            frequency_rate: said(
                "K = số người bị nạn ở khu vực có quan hệ lao động / số lao động × 1.000",
                "K = casualties in the sector with a labour relation / workers × 1,000",
            ),
            fatal_rate: said(
                "số người chết ở khu vực có quan hệ lao động / số lao động × 100.000 (ILO, SDG 8.8.1)",
                "deaths in the sector with a labour relation / workers × 100,000 (ILO, SDG 8.8.1)",
            ),
            denominator_source: s.denominator_source.into(),
            as_of: p.as_of,
        },
        technical_incidents,
    }))
}
