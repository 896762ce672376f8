//! `/api/v1/health-statistics`: exams, coverage, occupational disease, and the plan's
//! +5 %/year target for workers examined for occupational disease.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::domain::health_statistics::{self as stats, BNN_EXAM_TARGET_PERCENT, Counters, GroupBy};
use crate::service::health_statistics as service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_health_statistics);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HealthStatisticsParams {
    /// `2025` (annual reports, cases diagnosed in 2025) or `2025-H1`.
    pub period: String,
    pub group_by: Option<GroupBy>,
    /// The figures as they stood at the end of this day.
    pub as_of: Option<NaiveDate>,
}

/// One row; figures are `null` in a suppressed cell.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthStatisticsRow {
    pub key: String,
    pub label: Option<String>,
    pub suppressed: bool,
    /// Workers examined for occupational disease (khám phát hiện BNN); the plan's indicator.
    pub workers_examined_for_bnn: Option<i64>,
    pub figures: Option<Counters>,
    /// Periodic exams / workers, %.
    pub exam_coverage_percent: Option<f64>,
    /// Workers examined for occupational disease / exposed workers, %.
    pub bnn_exam_coverage_percent: Option<f64>,
}

/// The plan's indicator against its target.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BnnExamTrend {
    pub previous_period: String,
    pub previous: Option<i64>,
    pub current: Option<i64>,
    pub change_percent: Option<f64>,
    /// +5 (% a year).
    pub target_percent: f64,
    pub on_track: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthStatisticsMethod {
    pub counted: String,
    pub exam_coverage: String,
    pub bnn_exam_coverage: String,
    pub as_of: Option<NaiveDate>,
}

/// Health statistics (thống kê khám sức khỏe và bệnh nghề nghiệp).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthStatistics {
    pub period: String,
    pub group_by: Option<GroupBy>,
    pub total: HealthStatisticsRow,
    pub rows: Vec<HealthStatisticsRow>,
    pub bnn_exam_trend: BnnExamTrend,
    pub method: HealthStatisticsMethod,
}

fn label(group_by: Option<GroupBy>, key: &str) -> Option<String> {
    match group_by? {
        GroupBy::Commune => {
            shared::refdata::admin_unit(key, shared::time::today()).map(|u| u.name.clone())
        }
        GroupBy::VsicSection => shared::refdata::vsic_section(key).map(|s| s.name_vi.clone()),
        GroupBy::OwnershipType => shared::refdata::ownership_type(key).map(|t| t.name_vi.clone()),
        GroupBy::Disease => shared::refdata::occupational_disease(key).map(|d| d.name_vi.clone()),
    }
}

fn row(key: &str, group_by: Option<GroupBy>, c: &Counters, suppress: bool) -> HealthStatisticsRow {
    let hidden = suppress && c.persons() > 0 && c.persons() < 5;
    HealthStatisticsRow {
        key: key.to_owned(),
        label: label(group_by, key),
        suppressed: hidden,
        workers_examined_for_bnn: (!hidden).then_some(c.workers_examined_for_bnn),
        figures: (!hidden).then_some(*c),
        exam_coverage_percent: if hidden {
            None
        } else {
            stats::percent(c.periodic_exams, c.workers)
        },
        bnn_exam_coverage_percent: if hidden {
            None
        } else {
            stats::percent(c.workers_examined_for_bnn, c.exposed_workers)
        },
    }
}

/// Health statistics
///
/// Thống kê sức khỏe người lao động: reports received, workers, periodic exams and
/// their coverage, workers examined for occupational disease (the plan's indicator,
/// with its change against the +5 %/year target), suspected and confirmed cases by
/// disease, and registered cases. `viewer` callers get cells under 5 persons hidden.
#[utoipa::path(
    tag = "health-statistics",
    params(HealthStatisticsParams),
    responses((status = 200, description = "The figures and how they were made", body = HealthStatistics))
)]
#[get("/health-statistics")]
pub async fn get_health_statistics(
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<HealthStatisticsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let s = service::statistics(&db, &user, period, p.group_by, p.as_of).await?;
    let total = row("total", None, &s.total, s.suppress);
    let previous_hidden =
        s.suppress && s.previous_total.persons() > 0 && s.previous_total.persons() < 5;
    let previous = (!previous_hidden).then_some(s.previous_total.workers_examined_for_bnn);
    let current = total.workers_examined_for_bnn;
    let change_percent = previous
        .zip(current)
        .and_then(|(p, c)| stats::change_percent(p, c));
    Ok(HttpResponse::Ok().json(HealthStatistics {
        period: period.to_string(),
        group_by: p.group_by,
        rows: s.rows.iter().map(|(k, c)| row(k, p.group_by, c, s.suppress)).collect(),
        total,
        bnn_exam_trend: BnnExamTrend {
            previous_period: period.previous_year().to_string(),
            previous,
            current,
            change_percent,
            target_percent: BNN_EXAM_TARGET_PERCENT,
            on_track: change_percent.map(|c| c >= BNN_EXAM_TARGET_PERCENT),
        },
        method: HealthStatisticsMethod {
            counted: "The latest version of each employer's occupational-health report for exactly this period; \
                      registered cases by diagnosis date."
                .into(),
            exam_coverage: "periodic exams / workers × 100".into(),
            bnn_exam_coverage: "workers examined for occupational disease / workers exposed to hazards × 100".into(),
            as_of: p.as_of,
        },
    }))
}
