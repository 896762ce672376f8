//! `/api/v1/monitoring-reports` and `/api/v1/monitoring-statistics`: the results of
//! work-environment monitoring (quan trắc môi trường lao động) and their statistics
//! against the plan's +5 %/year target.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::code_lists::{self, Dimension, Label};
use shared::context::said;
use shared::db::Db;
use shared::error::{ApiError, FieldError, Location, Text};
use shared::extract::Json;
use shared::figures::Trend;
use shared::filing::{self, Filed};
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{Page, PageQuery, page_whole};
use shared::period::Period;
use shared::receipts::Receipt;
use shared::versioning;
use utoipa::{IntoParams, ToSchema};

use crate::db::monitoring::{Filter, MonitoringReportRow};
use crate::domain::establishment::EstablishmentFacts;
use crate::domain::monitoring::{FactorSamples, GroupBy};
use crate::service::monitoring::{
    self as service, GroupFigures, Organisation, Query, ReportView, Submission,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit_monitoring_report)
        .service(list_monitoring_reports)
        .service(get_monitoring_report)
        .service(list_monitoring_report_revisions)
        .service(get_monitoring_statistics);
}

/// The monitoring organisation (tổ chức quan trắc môi trường lao động, ND 44/2016).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationDto {
    pub name: String,
    /// Number of its published eligibility or licence (số công bố đủ điều kiện quan trắc).
    pub licence_number: String,
}

/// A work-environment monitoring report (báo cáo kết quả quan trắc môi trường lao động).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organisation": {"name": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng", "licence_number": "15/2019/SYT-QTMTLĐ"},
    "establishment": {"tax_code": "0400100457", "name": "Công ty TNHH Khoáng sản Cao Bằng", "commune_code": "01273", "vsic_code": "0710"},
    "monitored_on": "2026-05-12",
    "has_harmful_factors": true,
    "factors": [
        {"factor": "noise", "samples_taken": 2, "samples_over_limit": 1,
         "measurements": [
            {"parameter": "laeq", "value": 90.5, "unit": "dBA", "exposure_seconds": 28800, "location": "Xưởng nghiền"},
            {"parameter": "laeq", "value": 78.0, "unit": "dBA", "location": "Văn phòng xưởng"}
         ]},
        {"factor": "dust", "samples_taken": 6, "samples_over_limit": 0}
    ]
}))]
pub struct SubmitMonitoringReportRequest {
    pub organisation: OrganisationDto,
    pub establishment: EstablishmentFacts,
    /// Day of the monitoring visit (ngày quan trắc); its year is the year counted.
    pub monitored_on: NaiveDate,
    /// Whether the establishment has harmful factors (có yếu tố có hại).
    pub has_harmful_factors: bool,
    /// Samples per factor group (docs/domain.md, "Work-environment monitoring"), each group at most once.
    pub factors: Vec<FactorSamples>,
    /// Required to file a corrected version of a report already filed for the same
    /// establishment, organisation and day.
    pub change_reason: Option<String>,
}

/// A warning: the report was accepted, but something deserves a look.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    pub pointer: Option<String>,
    pub code: String,
    pub message: String,
}

fn warnings(list: &[FieldError]) -> Vec<Warning> {
    let lang = shared::context::current().lang;
    list.iter()
        .map(|w| Warning {
            pointer: match &w.location {
                Location::Body(p) => Some(p.clone()),
                _ => None,
            },
            code: w.code.to_string(),
            message: w.message.get(lang).to_owned(),
        })
        .collect()
}

/// The establishment as the report states it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportedEstablishment {
    pub tax_code: String,
    pub name: String,
    pub commune_code: Option<String>,
    pub vsic_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
}

/// A filed monitoring report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringReportResponse {
    pub id: String,
    pub organisation: OrganisationDto,
    pub establishment: ReportedEstablishment,
    pub monitored_on: NaiveDate,
    pub has_harmful_factors: bool,
    pub factors: Vec<FactorSamples>,
    /// Over all factor groups.
    pub samples_taken: i64,
    pub samples_over_limit: i64,
    /// When it was first filed.
    pub first_received_at: DateTime<Utc>,
    /// When this version was filed.
    pub received_at: DateTime<Utc>,
    pub version: i64,
    /// Receipt of this version's filing.
    pub receipt: Option<Receipt>,
    /// Where the service's judging of measured values against the known exposure
    /// limits disagrees with the sender's counts or verdicts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

impl MonitoringReportResponse {
    fn from_row(
        r: &MonitoringReportRow,
        receipt: Option<Receipt>,
        warning_list: &[FieldError],
    ) -> Result<Self, ApiError> {
        Ok(Self {
            id: r.id.clone(),
            organisation: OrganisationDto {
                name: r.organisation_name.clone(),
                licence_number: r.organisation_licence.clone(),
            },
            establishment: ReportedEstablishment {
                tax_code: r.tax_code.clone(),
                name: r.establishment_name.clone(),
                commune_code: r.commune_code.clone(),
                vsic_code: r.vsic_code.clone(),
                vsic_section: r.vsic_section.clone(),
                ownership_type: r.ownership_type.clone(),
            },
            monitored_on: r.monitored_on,
            has_harmful_factors: r.has_harmful_factors,
            factors: serde_json::from_str(&r.factors).map_err(anyhow::Error::from)?,
            samples_taken: r.samples_taken,
            samples_over_limit: r.samples_over_limit,
            first_received_at: r.first_received_at.and_utc(),
            received_at: r.received_at.and_utc(),
            version: r.version,
            receipt,
            warnings: warnings(warning_list),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringReportList {
    pub items: Vec<MonitoringReportResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Year of the monitoring date.
    pub year: Option<i32>,
    /// The establishment's tax code.
    pub tax_code: Option<String>,
    /// The commune the report states.
    pub commune_code: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

fn render(
    view: &ReportView,
    warning_list: &[FieldError],
    filed: Filed,
) -> Result<StoredResponse, ApiError> {
    Ok(StoredResponse::new(
        filing::status(filed),
        &MonitoringReportResponse::from_row(&view.report, view.receipt.clone(), warning_list)?,
    )?
    .with_location(format!("/api/v1/monitoring-reports/{}", view.report.id))
    .with_etag(versioning::etag(view.report.version)))
}

/// File a work-environment monitoring report
///
/// Nộp báo cáo kết quả quan trắc môi trường lao động: the organisation, the
/// establishment, the day, whether the establishment has harmful factors, and per
/// factor group the samples taken and over the limit, optionally with measured
/// values. Where a value has a known limit (noise LAeq by exposure time and LAmax,
/// QCVN 24:2016/BYT), the service judges it itself and answers with a warning when
/// that disagrees with the sender's count or verdict. The answer carries a filing
/// receipt. Filing again for the same establishment, organisation and day needs
/// `change_reason` (else 422 with `change_reason_required` at `/change_reason`) and
/// makes a new version. An enterprise files only for its own
/// tax code (422 `not_own_establishment`).
#[utoipa::path(
    tag = "monitoring-reports",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = SubmitMonitoringReportRequest,
    responses(
        (status = 201, description = "Filed", body = MonitoringReportResponse),
        (status = 200, description = "A corrected version filed, or a dry run", body = MonitoringReportResponse),
    )
)]
#[post("/monitoring-reports")]
pub async fn submit_monitoring_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: shared::extract::Query<WriteParams>,
    body: Json<SubmitMonitoringReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let submission = Submission {
        organisation: Organisation {
            name: b.organisation.name,
            licence_number: b.organisation.licence_number,
        },
        establishment: b.establishment,
        monitored_on: b.monitored_on,
        has_harmful_factors: b.has_harmful_factors,
        factors: b.factors,
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

/// List work-environment monitoring reports
///
/// Danh sách báo cáo kết quả quan trắc môi trường lao động, newest first, optionally for
/// one establishment's tax code. The health and labour authorities see every report, an
/// enterprise its own.
#[utoipa::path(
    tag = "monitoring-reports",
    params(ListParams),
    responses((status = 200, description = "A page of reports, newest first", body = MonitoringReportList))
)]
#[get("/monitoring-reports")]
pub async fn list_monitoring_reports(
    user: AuthUser,
    db: web::Data<Db>,
    params: shared::extract::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    let tax_code = match &p.tax_code {
        Some(t) => Some(
            shared::validate::parse_tax_code(t)
                .map(|t| t.as_str().to_owned())
                .map_err(|e| {
                    ApiError::bad_parameter(
                        "tax_code",
                        e.code,
                        Text::new(e.message_vi, e.message_en),
                    )
                })?,
        ),
        None => None,
    };
    let filter = Filter {
        year: p.year.map(i64::from),
        tax_code,
        commune_code: p.commune_code,
    };
    let (rows, next_cursor, total) = service::list(&db, &user, filter, page).await?.into_parts();
    let items = rows
        .iter()
        .map(|r| MonitoringReportResponse::from_row(r, None, &[]))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(MonitoringReportList {
        items,
        next_cursor,
        total,
    }))
}

/// Get a work-environment monitoring report
///
/// Một báo cáo kết quả quan trắc môi trường lao động: its latest version with its factor
/// groups, measured values, the service's own verdicts and the receipt of its latest
/// filing; the `ETag` is its version. A report the caller may not see answers 404.
#[utoipa::path(
    tag = "monitoring-reports",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, description = "The report with its latest receipt", body = MonitoringReportResponse))
)]
#[get("/monitoring-reports/{id}")]
pub async fn get_monitoring_report(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.report.version)))
        .json(MonitoringReportResponse::from_row(
            &view.report,
            view.receipt,
            &[],
        )?))
}

/// One filed version of a report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringReportRevision {
    pub version: i64,
    pub received_at: DateTime<Utc>,
    pub submitted_by: String,
    pub change_reason: String,
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringReportRevisionList {
    pub items: Vec<MonitoringReportRevision>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Versions of a work-environment monitoring report
///
/// Lịch sử báo cáo quan trắc: every filed version, newest first, with when it was
/// received, who filed it, the reason for the change and the report as it was then.
#[utoipa::path(
    tag = "monitoring-reports",
    params(("id" = String, Path, description = "Report id"), PageQuery),
    responses((status = 200, description = "Every filed version, newest first", body = MonitoringReportRevisionList))
)]
#[get("/monitoring-reports/{id}/revisions")]
pub async fn list_monitoring_report_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: shared::extract::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::revisions(&db, &user, id.to_string()).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(MonitoringReportRevision {
                version: r.version,
                received_at: r.received_at.and_utc(),
                submitted_by: r.submitted_by,
                change_reason: r.change_reason,
                snapshot: serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let page = page_whole(items, &page, |r| r.version.to_string())?;
    Ok(HttpResponse::Ok().json(MonitoringReportRevisionList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

// ---------------------------------------------------------------------------
// Statistics

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatisticsParams {
    /// The year, e.g. `2025` (monitoring is yearly: halves are refused).
    #[param(pattern = "^(20[0-9]{2}|2100)$", example = "2025")]
    pub period: String,
    pub group_by: Option<GroupBy>,
    /// The figures as they stood at the end of this day (from the change history).
    pub as_of: Option<NaiveDate>,
}

/// One row of figures. Counts are `null` in a suppressed cell.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringStatisticsRow {
    /// `total`, a commune code, VSIC section, ownership type or factor group.
    pub key: String,
    /// What the key is, in Vietnamese (the total, a unit's name, a factor group…).
    pub label: String,
    pub label_en: String,
    /// Hidden because it counts fewer than 5 establishments (only for `viewer`).
    pub suppressed: bool,
    /// Establishments with harmful factors monitored in the year, each once
    /// (cơ sở có yếu tố có hại được quan trắc môi trường lao động).
    pub establishments_monitored: Option<i64>,
    /// Establishments known to have harmful factors in the year (the denominator);
    /// `null` for factor groups.
    pub establishments_with_harmful_factors: Option<i64>,
    /// establishments_monitored / establishments_with_harmful_factors × 100.
    pub monitored_percent: Option<f64>,
    /// Establishments with any monitoring report in the year, harmful factors or not.
    pub establishments_reporting: Option<i64>,
    /// Establishments with at least one sample over the limit.
    pub establishments_with_exceedance: Option<i64>,
    pub reports: Option<i64>,
    pub samples_taken: Option<i64>,
    pub samples_over_limit: Option<i64>,
    /// samples_over_limit / samples_taken × 100.
    pub samples_over_limit_percent: Option<f64>,
}

/// How the figures were made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringStatisticsMethod {
    pub counted: String,
    pub establishments_monitored: String,
    pub establishments_with_harmful_factors: String,
    pub samples: String,
    pub trend: String,
    pub suppression: String,
    pub as_of: Option<NaiveDate>,
}

/// Work-environment monitoring statistics (thống kê quan trắc môi trường lao động).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitoringStatistics {
    pub period: String,
    pub group_by: Option<GroupBy>,
    pub total: MonitoringStatisticsRow,
    pub rows: Vec<MonitoringStatisticsRow>,
    /// Whether the period is over (from the day after its last day, Viet Nam time, or
    /// with `as_of` on or after that last day); until then the figures are partial and
    /// no target is judged on them.
    pub complete: bool,
    /// The last whole day the figures cover: the period's last day once it is over,
    /// else yesterday (or `as_of`); `null` before the period starts.
    pub complete_through: Option<NaiveDate>,
    /// Monitored establishments this year and the year before, against the plan's
    /// +5 %/year target.
    pub monitored_trend: Trend,
    pub method: MonitoringStatisticsMethod,
}

/// The label of a row; a commune code is the unit in force at the year's end.
fn label(group_by: Option<GroupBy>, key: &str, year: i32) -> Label {
    let on = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let dimension = match group_by {
        None => return Label::total(),
        Some(GroupBy::Factor) => return service::factor_label(key),
        Some(GroupBy::Commune) => Dimension::Commune,
        Some(GroupBy::VsicSection) => Dimension::VsicSection,
        Some(GroupBy::OwnershipType) => Dimension::OwnershipType,
    };
    code_lists::label(dimension, key, on)
}

fn row(
    key: &str,
    group_by: Option<GroupBy>,
    year: i32,
    f: &GroupFigures,
    suppress: bool,
) -> MonitoringStatisticsRow {
    let shown = f.shown(suppress);
    let label = label(group_by, key, year);
    MonitoringStatisticsRow {
        key: key.to_owned(),
        label: label.vi,
        label_en: label.en,
        suppressed: shown.suppressed,
        establishments_monitored: shown.establishments_monitored,
        establishments_with_harmful_factors: shown.establishments_with_harmful_factors,
        monitored_percent: shown.monitored_percent,
        establishments_reporting: shown.establishments_reporting,
        establishments_with_exceedance: shown.establishments_with_exceedance,
        reports: shown.reports,
        samples_taken: shown.samples_taken,
        samples_over_limit: shown.samples_over_limit,
        samples_over_limit_percent: shown.samples_over_limit_percent,
    }
}

/// Work-environment monitoring statistics
///
/// Thống kê quan trắc môi trường lao động for a year, in total and by commune, VSIC
/// section, ownership type or factor group: establishments with harmful factors
/// monitored (each once a year however many reports), those known to have harmful
/// factors, samples and samples over the limit, and the year-on-year change of
/// monitored establishments against the plan's +5 %/year target. `viewer` callers
/// get cells under 5 establishments hidden.
#[utoipa::path(
    tag = "monitoring-statistics",
    params(StatisticsParams),
    responses((status = 200, description = "The figures and how they were made", body = MonitoringStatistics))
)]
#[get("/monitoring-statistics")]
pub async fn get_monitoring_statistics(
    user: AuthUser,
    db: web::Data<Db>,
    params: shared::extract::Query<StatisticsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let Period::Year(year) = Period::parse_parameter("period", &p.period)? else {
        return Err(ApiError::bad_parameter(
            "period",
            "year_required",
            Text::new(
                "Quan trắc môi trường lao động thực hiện theo năm: kỳ thống kê là một năm (2025).",
                "Monitoring is yearly: the period is a year (2025).",
            ),
        ));
    };
    let query = Query {
        year: i64::from(year),
        group_by: p.group_by,
        as_of: p.as_of,
    };
    let s = service::statistics(&db, &user, query).await?;
    let total = row("total", None, year, &s.total, s.suppress);
    let rows = s
        .rows
        .iter()
        .map(|(k, f)| row(k, p.group_by, year, f, s.suppress))
        .collect();
    Ok(HttpResponse::Ok().json(MonitoringStatistics {
        period: year.to_string(),
        group_by: p.group_by,
        total,
        rows,
        complete: s.completeness.complete,
        complete_through: s.completeness.complete_through,
        monitored_trend: s.monitored_trend,
        method: MonitoringStatisticsMethod {
            counted: said(
                "Báo cáo quan trắc theo năm của ngày quan trắc, như đã nộp và đính chính; mỗi cơ sở \
                 (mã số thuế) được tính một lần trong năm, theo xã, ngành VSIC và loại hình sở hữu \
                 mà báo cáo mới nhất trong năm ghi.",
                "Monitoring reports by the year of their monitoring date, as filed and corrected; \
                 each establishment (tax code) counted once a year, in the commune, VSIC section and \
                 ownership type its latest report of the year states.",
            ),
            establishments_monitored: said(
                "Cơ sở có ít nhất một báo cáo quan trắc trong năm khai có yếu tố có hại.",
                "Establishments with at least one monitoring report in the year \
                 that declares harmful factors.",
            ),
            establishments_with_harmful_factors: said(
                "Cơ sở mà báo cáo của năm gần nhất tính đến năm này khai có yếu tố có hại: biết được \
                 qua báo cáo quan trắc cho đến khi báo cáo của một năm sau nói khác, nên cơ sở không \
                 được quan trắc trong năm nay vẫn được tính. monitored_percent = số được quan trắc / \
                 số này × 100.",
                "Establishments whose latest reporting year up to this \
                 one declared harmful factors: known from a monitoring \
                 report until a later year's report says otherwise, so \
                 an establishment that was not monitored this year still \
                 counts. monitored_percent = monitored / this × 100.",
            ),
            samples: said(
                "Số mẫu đã lấy và số mẫu vượt giới hạn cho phép theo báo cáo, cộng trên các báo cáo; \
                 samples_over_limit_percent = số mẫu vượt / số mẫu đã lấy × 100.",
                "Samples taken and samples over the limit as the reports count them, summed over \
                 reports; samples_over_limit_percent = over / taken × 100.",
            ),
            trend: said(
                "change_percent = (số cơ sở được quan trắc năm nay − năm trước) / số năm trước × 100; \
                 on_track khi tăng ít nhất 5 % (Kế hoạch 664), chỉ đánh giá khi đã hết năm (complete).",
                "change_percent = (monitored this year − monitored the year before) / monitored the \
                 year before × 100; on_track when it is at least +5 (Kế hoạch 664), judged only \
                 once the year is over (complete).",
            ),
            suppression: said(
                "Với người gọi có vai trò viewer, các dòng đếm từ 1 đến 4 cơ sở được ẩn.",
                "For viewer callers, rows counting 1 to 4 establishments are hidden.",
            ),
            as_of: p.as_of,
        },
    }))
}
