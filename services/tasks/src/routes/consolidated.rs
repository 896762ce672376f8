//! `/api/v1/plans/{id}/consolidated-report`: what Sở Nội vụ sends up — compliance,
//! the agencies' reports and the KPIs — as JSON or as an Excel workbook.

/// The same report as a document to sign (a child: it lays out this module's body).
pub mod document;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::{Db, parse_stored};
use shared::documents::{self, DocumentSettings, ExportFormat, PdfDocument, XlsxDocument};
use shared::error::ApiError;
use shared::extract::Query;
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::domain::status::ReportStatus;
use crate::service::consolidated::{self as service, Consolidated};

use super::compliance::{self, ComplianceReport};
use super::data_sets::IndicatorValuesResponse;
use super::plans::{self, KpiReport};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_consolidated_report);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsolidatedParams {
    /// `2025` (the annual report) or `2025-H1`; the KPIs are those of its year.
    #[param(example = "2025")]
    pub period: String,
    /// `xlsx` or `pdf` for the document to sign; otherwise as `Accept` asks (JSON by default).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// The plan reported on.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsolidatedPlan {
    pub id: String,
    #[schema(example = "664/KH-UBND")]
    pub number: String,
    pub title: String,
}

/// An agency's report for the period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsolidatedAgencyReport {
    pub agency: String,
    pub name: String,
    pub report_id: String,
    pub status: ReportStatus,
    /// How many times it was filed or reviewed.
    pub version: i64,
    /// When first filed; this decides timeliness.
    pub first_received_at: DateTime<Utc>,
    /// When the latest version was filed.
    pub received_at: DateTime<Utc>,
    pub on_time: bool,
    pub review_comment: Option<String>,
}

/// The consolidated report (báo cáo tổng hợp tình hình thực hiện Kế hoạch).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsolidatedReport {
    pub plan: ConsolidatedPlan,
    pub period: String,
    pub generated_at: DateTime<Utc>,
    pub compliance: ComplianceReport,
    /// The reports filed for the period, by agency code.
    pub reports: Vec<ConsolidatedAgencyReport>,
    /// The plan's KPIs for the period's year.
    pub kpis: KpiReport,
    /// The activity indicators' totals for the period (`GET /indicator-values`);
    /// `null` for a plan without a data set.
    pub indicators: Option<IndicatorValuesResponse>,
}

impl ConsolidatedReport {
    fn from_consolidated(c: Consolidated) -> Result<Self, ApiError> {
        let name_of = |code: &str| {
            c.agencies
                .iter()
                .find(|a| a.code == code)
                .map_or_else(|| code.to_owned(), |a| a.name.clone())
        };
        let mut reports: Vec<ConsolidatedAgencyReport> = c
            .reports
            .iter()
            .map(|r| {
                Ok(ConsolidatedAgencyReport {
                    agency: r.agency_code.clone(),
                    name: name_of(&r.agency_code),
                    report_id: r.id.clone(),
                    status: parse_stored("plan_reports", "status", &r.status, ReportStatus::parse)?,
                    version: r.version,
                    first_received_at: r.first_received_at.and_utc(),
                    received_at: r.received_at.and_utc(),
                    on_time: r.on_time,
                    review_comment: r.review_comment.clone(),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        reports.sort_by(|a, b| a.agency.cmp(&b.agency));
        Ok(Self {
            plan: ConsolidatedPlan {
                id: c.plan.id.clone(),
                number: c.plan.number.clone(),
                title: c.plan.title.clone(),
            },
            period: c.period.to_string(),
            generated_at: Utc::now(),
            kpis: plans::kpi_report_of(c.plan.id, c.period.year(), &c.kpis)?,
            compliance: compliance::report_of(c.compliance, c.period)?,
            indicators: c
                .indicators
                .as_ref()
                .map(IndicatorValuesResponse::try_from)
                .transpose()?,
            reports,
        })
    }
}

/// Consolidated report of a plan
///
/// Báo cáo tổng hợp: what Sở Nội vụ sends to UBND tỉnh and Bộ Nội vụ for a period —
/// compliance (who reported on time, late, returned or not at all, and where each
/// task stands), the agencies' reports (status, when received, on time), the
/// plan's KPIs for the period's year, and the totals of the activity indicators. As
/// JSON, or as a document to sign (`?format=xlsx` or `?format=pdf`, or `Accept:` the
/// media type), sent as an attachment: the issuing body and Quốc hiệu, number and
/// date left for the signing, the summary, notes on method, Nơi nhận and the
/// signature block, and each other part as an annex (a sheet of the workbook; A4
/// landscape pages of the PDF). Sở Nội vụ, admin and viewers.
#[utoipa::path(
    tag = "plans",
    params(("id" = String, Path, description = "Plan id"), ConsolidatedParams),
    responses((status = 200, description = "The consolidated report",
        content(
            (ConsolidatedReport = "application/json"),
            (XlsxDocument = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (PdfDocument = "application/pdf"),
        ),
        headers(("Content-Disposition" = String, description = "`attachment; filename=...` for a document"))
    ))
)]
#[get("/plans/{id}/consolidated-report")]
#[allow(clippy::too_many_arguments)]
pub async fn get_consolidated_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    settings: web::Data<DocumentSettings>,
    client: web::Data<reqwest::Client>,
    upstreams: web::Data<Upstreams>,
    id: web::Path<uuid::Uuid>,
    params: Query<ConsolidatedParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let consolidated = service::consolidated(
        &db,
        &user,
        &client,
        &upstreams,
        shared::http_client::bearer_of(&req),
        id.to_string(),
        period,
        shared::time::today(),
    )
    .await?;
    let report = ConsolidatedReport::from_consolidated(consolidated)?;
    let format = ExportFormat::negotiate(&req, p.format);
    if format != ExportFormat::Json {
        let doc = document::document(&report, period, &settings);
        if let Some(file) = documents::attachment(&doc, format)? {
            return Ok(file);
        }
    }
    Ok(HttpResponse::Ok().json(report))
}
