//! `/api/v1/accident-reports`: periodic accident reports and who has filed them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::{ApiError, FieldError};
use shared::extract::Json;
use shared::extract::Query;
use shared::figures::ComplianceSummary;
use shared::filing::{self, Filed};
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{Page, PageQuery, page_whole};
use shared::period::Period;
use shared::receipts::Receipt;
use shared::versioning;
use utoipa::{IntoParams, ToSchema};

use super::accident_dto::{Warning, warnings};
use crate::domain::accident_report::{ReportFigures, ReportKind};
use crate::domain::declaration::EmployerRef;
use crate::service::accident_reports::{self as service, FilingStatus, ReportView, Submission};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // The fixed path first: `compliance` is no report id.
    cfg.service(get_report_compliance)
        .service(submit_accident_report)
        .service(list_accident_reports)
        .service(get_accident_report)
        .service(list_accident_report_revisions);
}

/// Workers of the reporting establishment (header of Phụ lục XII).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Workers {
    pub total: u32,
    #[serde(default)]
    pub female: u32,
}

/// A periodic accident report (báo cáo định kỳ tình hình tai nạn lao động).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "employer",
    "period": "2026-H1",
    "establishment": {"tax_code": "0100047516"},
    "nil_report": false,
    "workers": {"total": 120, "female": 30},
    "figures": {
        "totals": {"cases": 1, "cases_fatal": 0, "cases_multi": 0, "casualties": 1, "female": 0, "fatal": 0, "serious": 1},
        "by_cause": [{"code": "1", "counts": {"cases": 1, "cases_fatal": 0, "cases_multi": 0, "casualties": 1, "female": 0, "fatal": 0, "serious": 1}}],
        "damage": {"days_off": 30, "cost_medical_thousand_vnd": 12000, "cost_wages_thousand_vnd": 6000, "cost_compensation_thousand_vnd": 0}
    }
}))]
pub struct SubmitReportRequest {
    pub kind: ReportKind,
    /// `2026-H1` (six months) or `2026` (the year).
    pub period: String,
    /// For `employer` reports.
    pub establishment: Option<EmployerRef>,
    /// For `commune` reports.
    pub commune_code: Option<String>,
    /// "No accidents this period" (báo cáo không có tai nạn): a filing, unlike no report at all.
    #[serde(default)]
    pub nil_report: bool,
    pub workers: Option<Workers>,
    pub figures: Option<ReportFigures>,
    /// Required to file a corrected version of a report already filed.
    pub change_reason: Option<String>,
}

/// A filed report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentReportResponse {
    pub id: String,
    pub kind: ReportKind,
    pub period: String,
    pub establishment_id: Option<String>,
    pub commune_code: String,
    pub nil_report: bool,
    pub workers_total: Option<i64>,
    pub workers_female: Option<i64>,
    pub figures: Option<ReportFigures>,
    /// The first day on which a filing is late.
    pub due_on: Option<NaiveDate>,
    /// When it was first filed; this decides timeliness.
    pub first_received_at: DateTime<Utc>,
    /// When this version was filed.
    pub received_at: DateTime<Utc>,
    pub on_time: bool,
    pub version: i64,
    /// Receipt of this version's filing.
    pub receipt: Option<Receipt>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

impl AccidentReportResponse {
    fn from_view(view: &ReportView, warning_list: &[FieldError]) -> Result<Self, ApiError> {
        let r = &view.report;
        Ok(Self {
            id: r.id.clone(),
            kind: parse_stored("accident_reports", "kind", &r.kind, ReportKind::parse)?,
            period: r.period.clone(),
            establishment_id: r.establishment_id.clone(),
            commune_code: r.commune_code.clone(),
            nil_report: r.nil_report,
            workers_total: r.workers_total,
            workers_female: r.workers_female,
            figures: r
                .figures
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(anyhow::Error::from)?,
            due_on: r.due_on,
            first_received_at: r.first_received_at.and_utc(),
            received_at: r.received_at.and_utc(),
            on_time: r.on_time,
            version: r.version,
            receipt: view.receipt.clone(),
            warnings: warnings(warning_list),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentReportList {
    pub items: Vec<AccidentReportResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListReportsParams {
    pub period: Option<String>,
    pub kind: Option<ReportKind>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplianceParams {
    /// `2026-H1` or `2026`.
    pub period: String,
    /// `employer` (every registered establishment) or `commune` (every commune in force).
    pub kind: ReportKind,
    /// Reporters per page, 1 to 500 (default 50); `summary` counts them all.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the reporters expected over all pages.
    pub total: Option<bool>,
}

/// One expected reporter.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ComplianceItem {
    /// Establishment id or commune code.
    pub reporter: String,
    pub name: String,
    pub commune_code: String,
    pub status: FilingStatus,
    pub nil_report: Option<bool>,
    pub received_at: Option<DateTime<Utc>>,
    pub report_id: Option<String>,
}

/// Who has filed for a period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportCompliance {
    pub period: String,
    pub kind: ReportKind,
    pub due_on: Option<NaiveDate>,
    /// Counts over every expected reporter, not only this page.
    pub summary: ComplianceSummary,
    /// A page of the expected reporters, in a stable order.
    pub items: Vec<ComplianceItem>,
    pub next_cursor: Option<String>,
    /// Reporters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

fn render(
    view: &ReportView,
    warning_list: &[FieldError],
    filed: Filed,
) -> Result<StoredResponse, ApiError> {
    Ok(StoredResponse::new(
        filing::status(filed),
        &AccidentReportResponse::from_view(view, warning_list)?,
    )?
    .with_location(format!("/api/v1/accident-reports/{}", view.report.id))
    .with_etag(versioning::etag(view.report.version)))
}

/// File a periodic accident report
///
/// Nộp báo cáo định kỳ: an employer for its establishment (Phụ lục XII, ND 39) or a
/// commune for workers without a labour contract. Breakdown rows must add up to the
/// totals (422); totals that differ from the declared accidents come back as warnings.
/// Filing again for the same period needs `change_reason` (else 422 with
/// `change_reason_required` at `/change_reason`) and makes a new version.
#[utoipa::path(
    tag = "accident-reports",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = SubmitReportRequest,
    responses(
        (status = 201, description = "Filed", body = AccidentReportResponse),
        (status = 200, description = "A corrected version filed, or a dry run", body = AccidentReportResponse),
    )
)]
#[post("/accident-reports")]
pub async fn submit_accident_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<SubmitReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let submission = Submission {
        kind: b.kind,
        period: b.period,
        establishment: b.establishment,
        commune_code: b.commune_code,
        nil_report: b.nil_report,
        workers_total: b.workers.as_ref().map(|w| w.total),
        workers_female: b.workers.as_ref().map(|w| w.female),
        figures: b.figures,
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

/// List periodic accident reports
///
/// Danh sách báo cáo định kỳ tình hình tai nạn lao động, newest first, optionally for one
/// period and one kind (employer or commune). The authorities see every report, an
/// enterprise its own establishment's, a commune those it filed. Figures are the latest
/// version; the receipt of each filing is on the single report.
#[utoipa::path(
    tag = "accident-reports",
    params(ListReportsParams),
    responses((status = 200, description = "A page of reports", body = AccidentReportList))
)]
#[get("/accident-reports")]
pub async fn list_accident_reports(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListReportsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    if let Some(text) = &p.period {
        Period::parse_parameter("period", text)?;
    }
    let page = service::list(
        &db,
        &user,
        p.period,
        p.kind.map(|k| k.as_str().to_owned()),
        page,
    )
    .await?;
    let items = page
        .items
        .into_iter()
        .map(|report| {
            AccidentReportResponse::from_view(
                &ReportView {
                    report,
                    receipt: None,
                },
                &[],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(AccidentReportList {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Get a periodic accident report
///
/// Một báo cáo định kỳ tình hình tai nạn lao động, its latest version with the receipt of
/// its latest filing. The `ETag` is the version to send as `If-Match` when correcting it.
/// A report the caller may not see answers 404, as if absent.
#[utoipa::path(
    tag = "accident-reports",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, description = "The report with its latest receipt", body = AccidentReportResponse))
)]
#[get("/accident-reports/{id}")]
pub async fn get_accident_report(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.report.version)))
        .json(AccidentReportResponse::from_view(&view, &[])?))
}

/// One filed version of a report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportRevision {
    pub version: i64,
    pub received_at: DateTime<Utc>,
    pub submitted_by: String,
    pub change_reason: String,
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportRevisionList {
    pub items: Vec<ReportRevision>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Versions of a periodic accident report
///
/// Lịch sử báo cáo: every filed version of the report, newest first, with when it was
/// received, who filed it, the reason given for the change and the report as it was then.
/// Nothing filed is ever overwritten.
#[utoipa::path(
    tag = "accident-reports",
    params(("id" = String, Path, description = "Report id"), PageQuery),
    responses((status = 200, description = "Every filed version, newest first", body = ReportRevisionList))
)]
#[get("/accident-reports/{id}/revisions")]
pub async fn list_accident_report_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::revisions(&db, &user, id.to_string()).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(ReportRevision {
                version: r.version,
                received_at: r.received_at.and_utc(),
                submitted_by: r.submitted_by,
                change_reason: r.change_reason,
                snapshot: serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let page = page_whole(items, &page, |r| r.version.to_string())?;
    Ok(HttpResponse::Ok().json(ReportRevisionList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Who has filed
///
/// Tình hình nộp báo cáo: every establishment (or commune) expected to report for the
/// period, and whether it filed on time, late, not yet, or is missing. A nil report
/// counts as filed; no report at all is missing once the due date has come.
#[utoipa::path(
    tag = "accident-reports",
    params(ComplianceParams),
    responses((status = 200, description = "Filing status per reporter", body = ReportCompliance))
)]
#[get("/accident-reports/compliance")]
pub async fn get_report_compliance(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ComplianceParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let period = Period::parse_parameter("period", &params.period)?;
    let (due_on, entries) = service::compliance(&db, &user, period, params.kind).await?;
    let count = |s: FilingStatus| entries.iter().filter(|e| e.status == s).count();
    let summary = ComplianceSummary::new(
        count(FilingStatus::OnTime),
        count(FilingStatus::Late),
        0,
        count(FilingStatus::Missing),
        count(FilingStatus::NotYetDue),
    );
    let query = PageQuery {
        limit: params.limit,
        cursor: params.cursor,
        total: params.total,
    };
    let page = page_whole(entries, &query, |e| e.reporter.clone())?;
    Ok(HttpResponse::Ok().json(ReportCompliance {
        period: period.to_string(),
        kind: params.kind,
        due_on,
        summary,
        items: page
            .items
            .into_iter()
            .map(|e| ComplianceItem {
                reporter: e.reporter,
                name: e.name,
                commune_code: e.commune_code,
                status: e.status,
                nil_report: e.nil_report,
                received_at: e.received_at.map(|t| t.and_utc()),
                report_id: e.report_id,
            })
            .collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}
