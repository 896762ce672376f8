//! `/api/v1/health-statistics`: exams, coverage, occupational disease, and the plan's
//! +5 %/year target for workers examined for occupational disease.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::code_lists::{self, Dimension, Label};
use shared::context::said;
use shared::db::Db;
use shared::error::ApiError;
use shared::extract::Query;
use shared::figures::{self, Trend};
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::domain::health_statistics::{Counters, GroupBy};
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
    /// What the key is, in Vietnamese (the total, a unit's name, a disease…).
    pub label: String,
    pub label_en: String,
    pub suppressed: bool,
    /// Workers examined for occupational disease (khám phát hiện BNN); the plan's indicator.
    pub workers_examined_for_bnn: Option<i64>,
    pub figures: Option<Counters>,
    /// Periodic exams / workers, %.
    pub exam_coverage_percent: Option<f64>,
    /// Workers examined for occupational disease / exposed workers, %.
    pub bnn_exam_coverage_percent: Option<f64>,
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
    /// Whether the period is over (from the day after its last day, Viet Nam time, or
    /// with `as_of` on or after that last day); until then the figures are partial and
    /// no target is judged on them.
    pub complete: bool,
    /// The last whole day the figures cover: the period's last day once it is over,
    /// else yesterday (or `as_of`); `null` before the period starts.
    pub complete_through: Option<NaiveDate>,
    /// Workers examined for occupational disease this period and the same period a
    /// year before, against the plan's +5 %/year target.
    pub bnn_exam_trend: Trend,
    pub method: HealthStatisticsMethod,
}

/// The label of a row; a commune code is the unit in force at the period's end.
fn label(group_by: Option<GroupBy>, key: &str, period: Period) -> Label {
    let on = period
        .end_day()
        .pred_opt()
        .unwrap_or_else(|| period.end_day());
    let dimension = match group_by {
        None => return Label::total(),
        Some(GroupBy::Commune) => Dimension::Commune,
        Some(GroupBy::VsicSection) => Dimension::VsicSection,
        Some(GroupBy::OwnershipType) => Dimension::OwnershipType,
        Some(GroupBy::Disease) => Dimension::OccupationalDisease,
    };
    code_lists::label(dimension, key, on)
}

fn row(
    key: &str,
    group_by: Option<GroupBy>,
    period: Period,
    c: &Counters,
    suppress: bool,
) -> HealthStatisticsRow {
    let hidden = suppress && c.is_small();
    let label = label(group_by, key, period);
    HealthStatisticsRow {
        key: key.to_owned(),
        label: label.vi,
        label_en: label.en,
        suppressed: hidden,
        workers_examined_for_bnn: (!hidden).then_some(c.workers_examined_for_bnn),
        figures: (!hidden).then_some(*c),
        exam_coverage_percent: if hidden {
            None
        } else {
            figures::percent(c.periodic_exams, c.workers)
        },
        bnn_exam_coverage_percent: if hidden {
            None
        } else {
            figures::percent(c.workers_examined_for_bnn, c.exposed_workers)
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
    params: Query<HealthStatisticsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let s = service::statistics(&db, &user, period, p.group_by, p.as_of).await?;
    let total = row("total", None, period, &s.total, s.suppress);
    Ok(HttpResponse::Ok().json(HealthStatistics {
        period: period.to_string(),
        group_by: p.group_by,
        rows: s
            .rows
            .iter()
            .map(|(k, c)| row(k, p.group_by, period, c, s.suppress))
            .collect(),
        total,
        complete: s.completeness.complete,
        complete_through: s.completeness.complete_through,
        bnn_exam_trend: s.bnn_exam_trend,
        method: HealthStatisticsMethod {
            counted: said(
                "Bản mới nhất của báo cáo y tế lao động của từng cơ sở cho đúng kỳ này; \
                 ca bệnh nghề nghiệp đã ghi nhận tính theo ngày chẩn đoán.",
                "The latest version of each employer's occupational-health report for exactly this period; \
                 registered cases by diagnosis date.",
            ),
            exam_coverage: said(
                "số lượt khám sức khỏe định kỳ / số lao động × 100",
                "periodic exams / workers × 100",
            ),
            bnn_exam_coverage: said(
                "số người lao động được khám phát hiện bệnh nghề nghiệp / số người lao động \
                 tiếp xúc yếu tố có hại × 100",
                "workers examined for occupational disease / workers exposed to hazards × 100",
            ),
            as_of: p.as_of,
        },
    }))
}
