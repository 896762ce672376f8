//! `/api/v1/compliance`: who has reported for a period, and where each task stands.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Query;
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::domain::seed::AgencyKind;
use crate::domain::status::{FilingStatus, ReportStatus, TaskStatus};
use crate::service::compliance as service;
use shared::figures::ComplianceSummary;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_compliance);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplianceParams {
    /// `2025-H1` or `2025`.
    pub period: String,
    /// The plan; the latest plan when absent.
    pub plan_id: Option<uuid::Uuid>,
    /// Only agencies of this kind.
    pub kind: Option<AgencyKind>,
}

/// One agency expected to report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyCompliance {
    pub agency: String,
    pub name: String,
    pub kind: AgencyKind,
    pub status: FilingStatus,
    pub report_id: Option<String>,
    pub report_status: Option<ReportStatus>,
    pub first_received_at: Option<DateTime<Utc>>,
}

/// One agency's part in a task.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskAgencyStatus {
    pub agency: String,
    pub status: TaskStatus,
}

/// Where a task stands: the worst of its agencies.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskCompliance {
    pub task_id: String,
    pub item: Option<i32>,
    /// The plan's section the task belongs to (`IV.3`).
    pub section: String,
    /// What the plan asks, as it words it.
    pub text: String,
    pub status: TaskStatus,
    pub agencies: Vec<TaskAgencyStatus>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplianceReport {
    pub plan_id: String,
    pub period: String,
    pub due_on: NaiveDate,
    pub summary: ComplianceSummary,
    pub agencies: Vec<AgencyCompliance>,
    pub tasks: Vec<TaskCompliance>,
    /// Reports filed for the period by agencies not expected to report then, for
    /// example by `UBND-XA` (all communes together) before each commune committee
    /// reported on its own: kept and shown here, not counted in `summary`.
    pub other_filings: Vec<AgencyCompliance>,
}

/// Reporting compliance
///
/// Tình hình báo cáo: for every agency expected to report for the period, whether
/// its report came on time, late, was returned and not yet resubmitted, or is
/// missing; and for every task, `assigned`, `in_progress`, `submitted`, `accepted`,
/// `returned`, `overdue`, or `untracked` when only agencies that send no report
/// hold it. Who is expected, and for which task, is who answered for it on the
/// period's due date: the district committees (closed on 30 June 2025) for
/// `2025-H1`, the commune committees (`UBND-XA-<commune code>`) that took over
/// their tasks from `2025` on.
#[utoipa::path(
    tag = "compliance",
    params(ComplianceParams),
    responses((status = 200, description = "Compliance per agency and per task", body = ComplianceReport))
)]
#[get("/compliance")]
pub async fn get_compliance(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ComplianceParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let c = service::compliance(
        &db,
        &user,
        p.plan_id.map(|i| i.to_string()),
        period,
        p.kind.map(|k| k.as_str().to_owned()),
        shared::time::today(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(report_of(c, period)?))
}

/// The answer for a computed compliance.
pub(crate) fn report_of(
    c: service::Compliance,
    period: Period,
) -> Result<ComplianceReport, ApiError> {
    let summary = c.summary();
    Ok(ComplianceReport {
        plan_id: c.plan_id,
        period: period.to_string(),
        due_on: c.due_on,
        summary,
        agencies: c
            .agencies
            .into_iter()
            .map(agency_compliance)
            .collect::<Result<_, _>>()?,
        tasks: c
            .tasks
            .into_iter()
            .map(|t| TaskCompliance {
                task_id: t.task.id,
                item: t.task.item,
                section: t.task.section,
                text: t.task.text,
                status: t.status,
                agencies: t
                    .agencies
                    .into_iter()
                    .map(|(agency, status)| TaskAgencyStatus { agency, status })
                    .collect(),
            })
            .collect(),
        other_filings: c
            .other_filings
            .into_iter()
            .map(agency_compliance)
            .collect::<Result<_, _>>()?,
    })
}

fn agency_compliance(e: service::AgencyEntry) -> Result<AgencyCompliance, ApiError> {
    Ok(AgencyCompliance {
        kind: parse_stored("agencies", "kind", &e.agency.kind, AgencyKind::parse)?,
        agency: e.agency.code,
        name: e.agency.name,
        status: e.status,
        report_id: e.report.as_ref().map(|r| r.id.clone()),
        report_status: e
            .report
            .as_ref()
            .map(|r| parse_stored("plan_reports", "status", &r.status, ReportStatus::parse))
            .transpose()?,
        first_received_at: e.report.as_ref().map(|r| r.first_received_at.and_utc()),
    })
}
