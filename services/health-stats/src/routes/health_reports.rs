//! `/api/v1/health-exam-reports`: the employers' occupational-health reports.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::filing::{self, Filed};
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::Page;
use shared::receipts::Receipt;
use shared::versioning;
use utoipa::{IntoParams, ToSchema};

use crate::domain::establishment::EstablishmentFacts;
use crate::domain::health_report::HealthFigures;
use crate::service::health_reports::{self as service, ReportView, Submission};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit_health_exam_report)
        .service(import_health_exam_reports)
        .service(list_health_exam_reports)
        .service(get_health_exam_report);
}

/// An occupational-health report (báo cáo y tế lao động, TT 19/2016/TT-BYT Phụ lục 8).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "period": "2025",
    "establishment": {"tax_code": "0100047516", "name": "Công ty CP Xi măng Cao Bằng",
                      "commune_code": "01273", "vsic_code": "23941", "ownership_type": "2"},
    "figures": {
        "workers": {"total": 250, "female": 80},
        "hazardous_workers": {"total": 120, "female": 10},
        "periodic_exams": 240,
        "health_classes": {"i": 60, "ii": 120, "iii": 50, "iv": 10, "v": 0},
        "exposed_workers": 120,
        "bnn_examined": 110,
        "bnn_by_disease": [{"disease_code": "BNN-18", "suspected": 3, "confirmed": 1}]
    }
}))]
pub struct SubmitHealthReportRequest {
    /// `2026-H1` (six months) or `2026` (the year).
    #[schema(example = "2026")]
    pub period: String,
    pub establishment: EstablishmentFacts,
    /// Nothing to report this period (báo cáo không có số liệu): a filing, unlike no report.
    #[serde(default)]
    pub nil_report: bool,
    pub figures: Option<HealthFigures>,
    /// Required to file a corrected version of a report already filed.
    pub change_reason: Option<String>,
}

/// A filed report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthReportResponse {
    pub id: String,
    pub period: String,
    pub tax_code: String,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub nil_report: bool,
    pub figures: Option<HealthFigures>,
    /// The first day on which a filing is late.
    pub due_on: Option<NaiveDate>,
    /// First filing; this decides timeliness.
    pub first_received_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub on_time: bool,
    pub version: i64,
    pub receipt: Option<Receipt>,
}

impl HealthReportResponse {
    fn from_view(view: &ReportView) -> Result<Self, ApiError> {
        let r = &view.report;
        Ok(Self {
            id: r.id.clone(),
            period: r.period.clone(),
            tax_code: r.tax_code.clone(),
            commune_code: r.commune_code.clone(),
            vsic_section: r.vsic_section.clone(),
            nil_report: r.nil_report,
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
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthReportList {
    pub items: Vec<HealthReportResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListHealthReportsParams {
    pub period: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

fn render(view: &ReportView, filed: Filed) -> Result<StoredResponse, ApiError> {
    Ok(StoredResponse::new(
        filing::status(filed),
        &HealthReportResponse::from_view(view)?,
    )?
    .with_location(format!("/api/v1/health-exam-reports/{}", view.report.id))
    .with_etag(versioning::etag(view.report.version)))
}

/// File an occupational-health report
///
/// Nộp báo cáo y tế lao động: the employer (for its own tax code) or the health
/// authority. Filing again for the same period needs `change_reason` (else 422 with
/// `change_reason_required` at `/change_reason`) and makes a new version; timeliness
/// stays that of the first filing.
#[utoipa::path(
    tag = "health-exam-reports",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = SubmitHealthReportRequest,
    responses(
        (status = 201, description = "Filed", body = HealthReportResponse),
        (status = 200, description = "A corrected version filed, or a dry run", body = HealthReportResponse),
    )
)]
#[post("/health-exam-reports")]
pub async fn submit_health_exam_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<SubmitHealthReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let submission = Submission {
        period: b.period,
        establishment: b.establishment,
        nil_report: b.nil_report,
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

/// List occupational-health reports
///
/// Danh sách báo cáo y tế lao động, newest first, optionally for one period. The health
/// and labour authorities see every report, an enterprise its own. Receipts are on the
/// single report.
#[utoipa::path(
    tag = "health-exam-reports",
    params(ListHealthReportsParams),
    responses((status = 200, description = "A page of reports", body = HealthReportList))
)]
#[get("/health-exam-reports")]
pub async fn list_health_exam_reports(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListHealthReportsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    if let Some(period) = &p.period {
        shared::period::Period::parse_parameter("period", period)?;
    }
    let (rows, next_cursor, total) = service::list(&db, &user, p.period, page)
        .await?
        .into_parts();
    let items = rows
        .into_iter()
        .map(|report| {
            HealthReportResponse::from_view(&ReportView {
                report,
                receipt: None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(HealthReportList {
        items,
        next_cursor,
        total,
    }))
}

/// Get an occupational-health report
///
/// Một báo cáo y tế lao động, its latest version with the receipt of its latest filing;
/// the `ETag` is its version. A report the caller may not see answers 404, as if absent.
#[utoipa::path(
    tag = "health-exam-reports",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, description = "The report with its latest receipt", body = HealthReportResponse))
)]
#[get("/health-exam-reports/{id}")]
pub async fn get_health_exam_report(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.report.version)))
        .json(HealthReportResponse::from_view(&view)?))
}

/// Import occupational-health reports
///
/// Nhập hàng loạt báo cáo y tế lao động (`admin`, `health_authority`). The body is a JSON
/// array or NDJSON of reports as `POST /health-exam-reports` takes them, or a UTF-8 CSV
/// with a header row (no disease counts in CSV). CSV headers are the field names
/// (`establishment.tax_code`, `figures.workers.total`…) or their Vietnamese names:
/// `Kỳ báo cáo` → `period`, `Mã số thuế` → `establishment.tax_code`, `Tên cơ sở` →
/// `establishment.name`, `Mã xã` → `establishment.commune_code`, `Mã ngành` →
/// `establishment.vsic_code`, `Loại hình` → `establishment.ownership_type`, `Tổng số lao
/// động` → `figures.workers.total`, `Lao động nữ` → `figures.workers.female`, `Lao động
/// nặng nhọc, độc hại` → `figures.hazardous_workers.total`, `Số người khám sức khỏe định
/// kỳ` → `figures.periodic_exams`, `Số người tiếp xúc yếu tố có hại` →
/// `figures.exposed_workers`, `Số người khám phát hiện bệnh nghề nghiệp` →
/// `figures.bnn_examined`.
///
/// Each row is a filing checked by the rules of a single report, with its own receipt. A
/// report already filed for the period is `updated` (a revision "Nhập hàng loạt") or
/// `unchanged`; a row that breaks a rule is `rejected` with problems pointing at it. Large
/// batches run as a job (`202`, `Location: /api/v1/jobs/{id}`); `?dry_run=true` checks
/// everything and writes nothing.
#[utoipa::path(
    tag = "health-exam-reports",
    params(WriteParams),
    request_body(
        description = "Reports as a JSON array, NDJSON (one object a line) or CSV",
        content(
            (Vec<SubmitHealthReportRequest> = "application/json", example = json!([
                {"period": "2025",
                 "establishment": {"tax_code": "4800123456", "name": "Công ty TNHH Xây dựng Nguyên Bình",
                                   "commune_code": "01273", "vsic_code": "4100", "ownership_type": "2"},
                 "figures": {"workers": {"total": 45, "female": 6}, "periodic_exams": 44,
                             "exposed_workers": 30, "bnn_examined": 30}}
            ])),
            (String = "application/x-ndjson", example = json!(concat!(
                r#"{"period":"2025","establishment":{"tax_code":"4800123456","name":"Công ty TNHH Xây dựng Nguyên Bình","commune_code":"01273","vsic_code":"4100","ownership_type":"2"},"figures":{"workers":{"total":45,"female":6},"periodic_exams":44,"exposed_workers":30,"bnn_examined":30}}"#, "\n"
            ))),
            (String = "text/csv", example = json!(concat!(
                "Kỳ báo cáo,Mã số thuế,Tên cơ sở,Mã xã,Mã ngành,Loại hình,Tổng số lao động,Lao động nữ,Số người khám sức khỏe định kỳ,Số người tiếp xúc yếu tố có hại,Số người khám phát hiện bệnh nghề nghiệp\n",
                "2025,4800123456,Công ty TNHH Xây dựng Nguyên Bình,01273,4100,2,45,6,44,30,30\n"
            ))),
        )
    ),
    responses(
        (status = 200, description = "Applied (or checked, in a dry run): a result per row and a summary", body = shared::jobs::BulkResponse),
        (status = 202, description = "A large batch, running as a job", body = shared::routes::jobs::JobResponse,
            headers(("Location" = String, description = "The job, `/api/v1/jobs/{id}`"))),
    )
)]
#[post("/health-exam-reports/import")]
pub async fn import_health_exam_reports(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::service::access::check("import_health_exam_reports", &user)?;
    shared::jobs::bulk::submit(
        &req,
        payload,
        &db,
        user.principal(),
        crate::service::health_import::KIND,
        crate::service::health_import::COLUMNS,
        crate::service::health_import::run,
        params.dry_run,
    )
    .await
}
