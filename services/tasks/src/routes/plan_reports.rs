//! `/api/v1/plan-reports`: the agencies' six-month and annual reports and their review.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::filing::{self, Filed};
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{Page, PageQuery, page_whole};
use shared::period::Period;
use shared::receipts::Receipt;
use shared::versioning::{self, IfMatch};
use utoipa::{IntoParams, ToSchema};

use crate::domain::data_set::{self, DraftValue, ReportedValue, ValueInput};
use crate::domain::seed::AssignmentRole;
use crate::domain::status::ReportStatus;
use crate::service::drafts::{self, Draft, Prefill};
use crate::service::plan_reports::{
    self as service, Attachment, Decision, ReportView, Submission, TaskNarrative,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit_plan_report)
        .service(list_plan_reports)
        // Before `/plan-reports/{id}`, which would take `draft` for an id.
        .service(get_plan_report_draft)
        .service(get_plan_report)
        .service(review_plan_report)
        .service(list_plan_report_revisions);
}

/// A report on the plan for a period (báo cáo tình hình thực hiện Kế hoạch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "plan_id": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11",
    "period": "2025-H1",
    "narrative": [{"task_id": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e12", "text": "Đã tổ chức 3 lớp tập huấn y tế lao động.", "progress": "done"}],
    "figures": {"training_courses": 3},
    "attachments": [{"name": "Báo cáo số 123/BC-SYT", "reference": "123/BC-SYT"}]
}))]
pub struct SubmitPlanReportRequest {
    pub plan_id: String,
    /// The reporting agency; only when Sở Nội vụ or admin files on its behalf.
    pub agency: Option<String>,
    /// `2025-H1` (six months, due before 15 June) or `2025` (the year, before 15 December).
    pub period: String,
    #[serde(default)]
    pub narrative: Vec<TaskNarrative>,
    /// Figures the agency reports (free keys, numbers or text).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub figures: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Values of the indicators the agency is assigned (`GET /api/v1/data-sets/{code}`),
    /// checked against the data set's units, breakdowns and rules.
    #[serde(default)]
    pub values: Vec<ValueInput>,
    /// Required to change a report already accepted.
    pub change_reason: Option<String>,
}

/// A plan report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanReportResponse {
    pub id: String,
    pub plan_id: String,
    pub agency: String,
    pub period: String,
    /// The first day on which a report is late.
    pub due_on: NaiveDate,
    pub status: ReportStatus,
    pub narrative: Vec<TaskNarrative>,
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    pub attachments: Vec<Attachment>,
    /// The indicator values of this version.
    pub values: Vec<ReportedValue>,
    /// When first filed; this decides timeliness.
    pub first_received_at: DateTime<Utc>,
    /// When this version was filed.
    pub received_at: DateTime<Utc>,
    pub on_time: bool,
    /// Sở Nội vụ's comment when it returned or accepted the report.
    pub review_comment: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Receipt of the latest filing.
    pub receipt: Option<Receipt>,
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    Ok(serde_json::from_str(text).map_err(anyhow::Error::from)?)
}

impl PlanReportResponse {
    fn from_view(view: &ReportView) -> Result<Self, ApiError> {
        let r = &view.report;
        Ok(Self {
            id: r.id.clone(),
            plan_id: r.plan_id.clone(),
            agency: r.agency_code.clone(),
            period: r.period.clone(),
            due_on: r.due_on,
            status: parse_stored("plan_reports", "status", &r.status, ReportStatus::parse)?,
            narrative: parse(&r.narrative)?,
            figures: parse(&r.figures)?,
            attachments: parse(&r.attachments)?,
            values: data_set::parse_values(&r.indicator_values).map_err(anyhow::Error::from)?,
            first_received_at: r.first_received_at.and_utc(),
            received_at: r.received_at.and_utc(),
            on_time: r.on_time,
            review_comment: r.review_comment.clone(),
            reviewed_at: r.reviewed_at.map(|t| t.and_utc()),
            version: r.version,
            receipt: view.receipt.clone(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanReportList {
    pub items: Vec<PlanReportResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListPlanReportsParams {
    pub agency: Option<String>,
    pub period: Option<String>,
    pub status: Option<ReportStatus>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "return", "comment": "Bổ sung số liệu khám phát hiện BNN."}))]
pub struct ReviewRequest {
    pub decision: Decision,
    /// Required when returning.
    pub comment: Option<String>,
}

fn render(view: &ReportView, filed: Filed) -> Result<StoredResponse, ApiError> {
    Ok(
        StoredResponse::new(filing::status(filed), &PlanReportResponse::from_view(view)?)?
            .with_location(format!("/api/v1/plan-reports/{}", view.report.id))
            .with_etag(versioning::etag(view.report.version)),
    )
}

/// Submit a plan report
///
/// An assigned agency files its report for `2025-H1` or `2025`; filing again makes
/// a new version (after acceptance, with `change_reason`, else 422 with
/// `change_reason_required` at `/change_reason`). The answer carries a
/// filing receipt; `on_time` is judged by the server time of the first filing in
/// Viet Nam: received on the due day itself is late.
#[utoipa::path(
    tag = "plan-reports",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = SubmitPlanReportRequest,
    responses(
        (status = 201, description = "Filed", body = PlanReportResponse),
        (status = 200, description = "A new version filed, or a dry run", body = PlanReportResponse),
    )
)]
#[post("/plan-reports")]
pub async fn submit_plan_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<SubmitPlanReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let submission = Submission {
        plan_id: b.plan_id,
        agency: b.agency,
        period: b.period,
        narrative: b.narrative,
        figures: b.figures,
        attachments: b.attachments,
        values: b.values,
        change_reason: b.change_reason,
    };
    let outcome = service::submit(
        &db,
        &user,
        submission,
        body.sha256,
        idempotent,
        params.dry_run,
        render,
    )
    .await?;
    Ok(outcome.into_response())
}

/// Accept or return a plan report
///
/// Sở Nội vụ (labor_authority) or admin, on the version named by `If-Match`.
#[utoipa::path(
    tag = "plan-reports",
    params(
        ("id" = String, Path, description = "Report id"),
        IfMatch,
        WriteParams,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe."),
    ),
    request_body = ReviewRequest,
    responses((status = 200, description = "Reviewed", body = PlanReportResponse))
)]
#[post("/plan-reports/{id}/review")]
pub async fn review_plan_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    params: Query<WriteParams>,
    body: Json<ReviewRequest>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let outcome = service::review(
        &db,
        &user,
        id.to_string(),
        expected,
        b.decision,
        b.comment,
        idempotent,
        params.dry_run,
        render,
    )
    .await?;
    Ok(outcome.into_response())
}

/// List plan reports
///
/// An agency sees only its own.
#[utoipa::path(
    tag = "plan-reports",
    params(ListPlanReportsParams),
    responses((status = 200, description = "A page of reports, newest first", body = PlanReportList))
)]
#[get("/plan-reports")]
pub async fn list_plan_reports(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListPlanReportsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    if let Some(text) = &p.period {
        Period::parse_parameter("period", text)?;
    }
    let (rows, next_cursor, total) = service::list(&db, &user, p.agency, p.period, p.status, page)
        .await?
        .into_parts();
    let items = rows
        .into_iter()
        .map(|report| {
            PlanReportResponse::from_view(&ReportView {
                report,
                receipt: None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(PlanReportList {
        items,
        next_cursor,
        total,
    }))
}

/// Get a plan report
///
/// Một báo cáo kết quả thực hiện kế hoạch: its latest version, its review state (`submitted`,
/// `accepted` or `returned` with Sở Nội vụ's comment) and the receipt of its latest filing;
/// the `ETag` is its version. An agency sees only its own reports; another's answers 404.
#[utoipa::path(
    tag = "plan-reports",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, description = "The report with its latest receipt", body = PlanReportResponse))
)]
#[get("/plan-reports/{id}")]
pub async fn get_plan_report(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.report.version)))
        .json(PlanReportResponse::from_view(&view)?))
}

/// One version of a report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanReportRevision {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    /// `submit`, `resubmit`, `accepted` or `returned`.
    pub action: String,
    pub change_reason: String,
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanReportRevisionList {
    pub items: Vec<PlanReportRevision>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Versions of a plan report
///
/// Lịch sử báo cáo: every version, newest first — each submission, resubmission and
/// review — with who acted, when, the reason or comment, and the report as it was then.
#[utoipa::path(
    tag = "plan-reports",
    params(("id" = String, Path, description = "Report id"), PageQuery),
    responses((status = 200, description = "Every version, newest first", body = PlanReportRevisionList))
)]
#[get("/plan-reports/{id}/revisions")]
pub async fn list_plan_report_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::revisions(&db, &user, id.to_string()).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(PlanReportRevision {
                version: r.version,
                changed_at: r.changed_at.and_utc(),
                changed_by: r.changed_by,
                action: r.action,
                change_reason: r.change_reason,
                snapshot: serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let page = page_whole(items, &page, |r| r.version.to_string())?;
    Ok(HttpResponse::Ok().json(PlanReportRevisionList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DraftParams {
    /// The reporting agency; an agency may only ask for its own.
    #[param(example = "SYT")]
    pub agency: String,
    /// `2025-H1` or `2025`.
    pub period: String,
    /// The plan; plan 664 when absent.
    pub plan_id: Option<uuid::Uuid>,
}

/// The report to file, in the shape `POST /plan-reports` takes: write the
/// narrative's texts, check the figures, and send it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DraftReport {
    pub plan_id: String,
    pub agency: String,
    pub period: String,
    /// One entry per assigned task; the texts of a report already filed, else empty.
    pub narrative: Vec<TaskNarrative>,
    /// `tasks_assigned`, and one object per source of live figures, under its key.
    #[schema(value_type = Object)]
    pub figures: serde_json::Map<String, serde_json::Value>,
    pub attachments: Vec<Attachment>,
    /// The indicator values it is to report for the period (giá trị chỉ tiêu): each
    /// indicator assigned to it under the plan items of its tasks, its total and each
    /// option of its breakdown, with the value filed so far or `null` to fill in
    /// (`values` of `POST /plan-reports` takes them once filled).
    pub values: Vec<DraftValue>,
}

/// A task the agency reports on.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DraftTask {
    pub task_id: String,
    pub item: Option<i32>,
    pub section: String,
    pub text: String,
    pub role: AssignmentRole,
}

/// Where a set of live figures came from, or why it is missing.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DraftSource {
    /// Its key in `report.figures`.
    #[schema(example = "health_statistics")]
    pub key: String,
    pub label: String,
    pub available: bool,
    /// Only the first page of a long list was counted.
    pub truncated: bool,
    pub unavailable: Option<shared::http_client::Unavailable>,
}

/// The agency's report for the period as it stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DraftExistingReport {
    pub id: String,
    pub status: ReportStatus,
    pub version: i64,
}

/// A prefilled draft of a plan report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanReportDraft {
    pub report: DraftReport,
    pub agency_name: String,
    /// The first day on which the report is late.
    pub due_on: NaiveDate,
    /// A report already filed for the period; filing the draft makes a new version.
    pub existing_report: Option<DraftExistingReport>,
    pub tasks: Vec<DraftTask>,
    pub sources: Vec<DraftSource>,
}

impl PlanReportDraft {
    fn from_draft(d: Draft) -> Result<Self, ApiError> {
        let Prefill {
            narrative,
            figures,
            attachments,
            values,
        } = d.prefill()?;
        let sources = d
            .sources
            .iter()
            .map(|s| DraftSource {
                key: s.source.key.into(),
                label: s.source.label.into(),
                available: s.figures.is_ok(),
                truncated: s.truncated,
                unavailable: s.figures.as_ref().err().cloned(),
            })
            .collect();
        Ok(Self {
            report: DraftReport {
                plan_id: d.plan_id,
                agency: d.agency.code.clone(),
                period: d.period.to_string(),
                narrative,
                figures,
                attachments,
                values,
            },
            agency_name: d.agency.name,
            due_on: d.due_on,
            existing_report: d
                .existing
                .map(|r| {
                    Ok::<_, ApiError>(DraftExistingReport {
                        status: parse_stored(
                            "plan_reports",
                            "status",
                            &r.status,
                            ReportStatus::parse,
                        )?,
                        id: r.id,
                        version: r.version,
                    })
                })
                .transpose()?,
            tasks: d
                .tasks
                .into_iter()
                .map(|(t, a)| {
                    Ok(DraftTask {
                        task_id: t.id,
                        item: t.item,
                        section: t.section,
                        text: t.text,
                        role: parse_stored("assignments", "role", &a.role, AssignmentRole::parse)?,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            sources,
        })
    }
}

/// A prefilled draft of a plan report
///
/// Dự thảo báo cáo: for an agency and a period, the report it would file, prefilled
/// with its assigned tasks (and the texts of a report already filed) and the live
/// figures that concern it, read from the other services with the caller's token:
/// for Sở Y tế the occupational-health and monitoring statistics, for Sở Xây dựng,
/// Sở Công Thương and Sở Nông nghiệp và Môi trường their sector's accidents, for a
/// commune committee (`UBND-XA-<commune code>`, or `UBND-XA` for all) its accidents.
/// A source that cannot be had is listed as unavailable with the reason; the draft
/// still comes within the configured time. An agency drafts only its own report.
#[utoipa::path(
    tag = "plan-reports",
    params(DraftParams),
    responses((status = 200, description = "The draft", body = PlanReportDraft))
)]
#[get("/plan-reports/draft")]
pub async fn get_plan_report_draft(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    client: web::Data<reqwest::Client>,
    upstreams: web::Data<Upstreams>,
    params: Query<DraftParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let draft = drafts::draft(
        &db,
        &user,
        &client,
        &upstreams,
        shared::http_client::bearer_of(&req),
        p.plan_id.map(|i| i.to_string()),
        p.agency.trim().to_owned(),
        period,
    )
    .await?;
    Ok(HttpResponse::Ok().json(PlanReportDraft::from_draft(draft)?))
}
