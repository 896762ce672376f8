//! The province's statutory accident reports to the ministry: the periodic forms
//! `/api/v1/statutory-reports/{form}` (Phụ lục XIV, XV) and the quick report of a
//! grave accident `/api/v1/accidents/{id}/quick-report` (Phụ lục XIII).

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::documents::{self, DocumentSettings, ExportFormat, PdfDocument, XlsxDocument};
use shared::error::ApiError;
use shared::extract::Query;
use shared::figures::Trend;
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use super::statistics::{StatisticsRow, row};
use crate::domain::accident::Sector;
use crate::domain::quick_report::QuickReport;
use crate::domain::statistics::GroupBy;
use crate::domain::statutory_report::{self as rules, Note, StatutoryForm, notes};
use crate::service::quick_reports as quick_service;
use crate::service::statutory_reports as service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_statutory_report)
        .service(get_accident_quick_report);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatutoryReportParams {
    /// `2025-H1` (1 January–30 June) or `2025` (the year), Viet Nam time.
    pub period: String,
    /// The figures as they stood at the end of this day; without it, as they stand
    /// now. Ask with a past day for figures that no later declaration changes.
    pub as_of: Option<NaiveDate>,
    /// `xlsx` or `pdf` for the document to sign; otherwise as `Accept` asks (JSON by default).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// The rows of one breakdown of the form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatutoryBreakdown {
    pub group_by: GroupBy,
    pub rows: Vec<StatisticsRow>,
}

/// A periodic form of the province (Phụ lục XIV or XV of ND 39/2016).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatutoryReport {
    pub form: StatutoryForm,
    /// `Phụ lục XIV` or `Phụ lục XV`.
    pub annex: String,
    pub title: String,
    pub title_en: String,
    pub legal_source: String,
    /// The sector the form counts.
    pub sector: Sector,
    pub issuing_body: String,
    pub issuing_body_en: String,
    pub recipients: Vec<String>,
    pub period: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The first late day: the form is due before it (15 July for `YYYY-H1`, 25 January
    /// of the next year for `YYYY`).
    pub due_before: Option<NaiveDate>,
    /// The day the figures stood at, when asked for.
    pub as_of: Option<NaiveDate>,
    pub generated_at: DateTime<Utc>,
    /// Whether the period is over; until then the figures are partial.
    pub complete: bool,
    pub complete_through: Option<NaiveDate>,
    /// Cases, casualties by severity, deaths, women, days off and costs (thousand VND),
    /// with the rates per 1,000 and 100,000 workers on Phụ lục XIV.
    pub total: StatisticsRow,
    /// The same period a year before, for the comparison the form makes.
    pub previous_year_total: StatisticsRow,
    /// By cause, injury factor, VSIC section, ownership type and commune.
    pub breakdowns: Vec<StatutoryBreakdown>,
    /// The fatal rate against the plan's −4 %/year target (Phụ lục XIV only).
    pub fatal_rate_trend: Option<Trend>,
    /// Where the workers of the rates come from (Phụ lục XIV only).
    pub denominator_source: Option<String>,
    /// What of the form is not verified against the decree, or not available.
    pub unverified: Vec<Note>,
}

/// Drops the rates of a form without a known number of workers.
fn without_rates(mut r: StatisticsRow) -> StatisticsRow {
    r.workers = None;
    r.frequency_rate_per_1000 = None;
    r.fatal_rate_per_100000 = None;
    r
}

/// Get a statutory report of the province
///
/// Báo cáo tổng hợp tình hình tai nạn lao động của tỉnh (Nghị định 39/2016/NĐ-CP,
/// Phụ lục XIV: workers with a labour relation; Phụ lục XV: workers without a labour
/// contract) for `YYYY-H1` or `YYYY`, from the accidents the suite holds. Every figure
/// is the one `/accident-statistics` gives for the same period and sector. For Sở Nội
/// vụ, admin and the authorities that read statistics; no cell is hidden.
///
/// As a document to sign with `?format=xlsx` or `?format=pdf` (or `Accept:` the media
/// type), sent as an attachment: the issuing body and Quốc hiệu, number and date left
/// for the signing, the totals against the same period a year before, notes on
/// method, Nơi nhận and the signature block; each breakdown is an annex (a sheet of
/// the workbook; A4 landscape pages of the PDF).
#[utoipa::path(
    tag = "statutory-reports",
    params(("form" = StatutoryForm, Path, description = "`xiv` or `xv`"), StatutoryReportParams),
    responses((status = 200, description = "The form's figures, or the form as a document",
        content(
            (StatutoryReport = "application/json"),
            (XlsxDocument = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (PdfDocument = "application/pdf"),
        ),
        headers(("Content-Disposition" = String, description = "`attachment; filename=...` for a document"))
    ))
)]
#[get("/statutory-reports/{form}")]
pub async fn get_statutory_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    settings: web::Data<DocumentSettings>,
    form: web::Path<StatutoryForm>,
    params: Query<StatutoryReportParams>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let format = ExportFormat::negotiate(&req, p.format);
    let report = statutory_report(&db, &user, form, period, p.as_of).await?;
    if format != ExportFormat::Json {
        let doc = super::statutory_document::document(&report, period, &settings);
        if let Some(file) = documents::attachment(&doc, format)? {
            return Ok(file);
        }
    }
    Ok(HttpResponse::Ok().json(report))
}

/// The form's figures: the statistics of its sector for the period.
async fn statutory_report(
    db: &Db,
    user: &AuthUser,
    form: StatutoryForm,
    period: Period,
    as_of: Option<NaiveDate>,
) -> Result<StatutoryReport, ApiError> {
    let f = service::figures(db, user, form, period, as_of).await?;
    let shown = |r: StatisticsRow| {
        if form.has_rates() {
            r
        } else {
            without_rates(r)
        }
    };
    let s = &f.total;
    let total = shown(row(
        "total",
        None,
        period,
        &s.total,
        Some(s.total_workers),
        false,
    ));
    let previous_year_total = shown(row(
        "total",
        None,
        period.previous_year(),
        &s.previous_total,
        Some(s.previous_total_workers),
        false,
    ));
    let breakdowns = f
        .breakdowns
        .iter()
        .map(|(g, b)| StatutoryBreakdown {
            group_by: *g,
            rows: b
                .rows
                .iter()
                .map(|(k, figures)| {
                    shown(row(
                        k,
                        Some(*g),
                        period,
                        figures,
                        b.workers.get(k).copied(),
                        false,
                    ))
                })
                .collect(),
        })
        .collect();
    let (title, title_en) = form.title();
    let (issuing_body, issuing_body_en) = rules::ISSUING_BODY;
    Ok(StatutoryReport {
        form,
        annex: form.annex().to_owned(),
        title: title.to_owned(),
        title_en: title_en.to_owned(),
        legal_source: rules::PERIODIC_SOURCE.to_owned(),
        sector: form.sector(),
        issuing_body: issuing_body.to_owned(),
        issuing_body_en: issuing_body_en.to_owned(),
        recipients: rules::PERIODIC_RECIPIENTS
            .iter()
            .map(|r| (*r).to_owned())
            .collect(),
        period: period.to_string(),
        first_day: period.first_day(),
        last_day: period.end_day().pred_opt().unwrap_or(period.end_day()),
        due_before: rules::due_date(period),
        as_of,
        generated_at: Utc::now(),
        complete: s.completeness.complete,
        complete_through: s.completeness.complete_through,
        total,
        previous_year_total,
        breakdowns,
        fatal_rate_trend: form.has_rates().then(|| s.fatal_rate_trend.clone()),
        denominator_source: form.has_rates().then(|| s.denominator_source.to_owned()),
        unverified: notes(rules::PERIODIC_UNVERIFIED),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuickReportParams {
    /// An earlier revision; without it, the newest.
    pub revision: Option<i64>,
    /// `xlsx` or `pdf` for the document to sign; otherwise as `Accept` asks (JSON by default).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// A revision of a quick report, without its content.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuickReportRevision {
    pub revision: i64,
    pub accident_version: i64,
    pub prepared_at: DateTime<Utc>,
    pub change_reason: String,
}

/// The quick report of a grave accident, as prepared by the suite.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuickReportResponse {
    pub accident_id: String,
    /// `draft`: prepared by the suite; Sở Nội vụ sends it to the ministry.
    pub status: String,
    pub revision: i64,
    /// The version of the accident the revision was prepared from.
    pub accident_version: i64,
    pub prepared_at: DateTime<Utc>,
    pub change_reason: String,
    pub report: QuickReport,
    /// Every revision, newest first: a correction never overwrites a report.
    pub revisions: Vec<QuickReportRevision>,
}

/// Get the quick report of an accident
///
/// Báo cáo nhanh tai nạn lao động (Nghị định 39/2016/NĐ-CP, Phụ lục XIII) of a fatal
/// accident or one that seriously injured two or more workers: prepared as a draft
/// when the case is declared or becomes grave, revised when a later change alters
/// it. 404 for a case that is not grave. Read as the accident is read; audited.
///
/// As a document to sign with `?format=xlsx` or `?format=pdf` (or `Accept:` the media
/// type), sent as an attachment: the revision asked for laid out as an administrative
/// document (Quốc hiệu, title, `DỰ THẢO` under it while a draft), the accident, the
/// employer, the casualties (an annex: a sheet of the workbook, a page of the PDF),
/// the measures taken, Nơi nhận and the signature block. The same access and audit
/// as the JSON: the document names the casualties.
#[utoipa::path(
    tag = "statutory-reports",
    params(("id" = String, Path, description = "Accident id"), QuickReportParams),
    responses((status = 200, description = "The quick report, or the report as a document",
        content(
            (QuickReportResponse = "application/json"),
            (XlsxDocument = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (PdfDocument = "application/pdf"),
        ),
        headers(("Content-Disposition" = String, description = "`attachment; filename=...` for a document"))
    ))
)]
#[get("/accidents/{id}/quick-report")]
pub async fn get_accident_quick_report(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    settings: web::Data<DocumentSettings>,
    id: web::Path<uuid::Uuid>,
    params: Query<QuickReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let format = ExportFormat::negotiate(&req, p.format);
    let view = quick_service::get(&db, &user, id.to_string(), p.revision).await?;
    let r = view.row;
    if format != ExportFormat::Json {
        let doc = super::quick_report_document::document(
            &view.content,
            &r.accident_id,
            &r.status,
            r.revision,
            &settings,
        );
        if let Some(file) = documents::attachment(&doc, format)? {
            return Ok(file);
        }
    }
    Ok(HttpResponse::Ok().json(QuickReportResponse {
        accident_id: r.accident_id,
        status: r.status,
        revision: r.revision,
        accident_version: r.accident_version,
        prepared_at: r.prepared_at.and_utc(),
        change_reason: r.change_reason,
        report: view.content,
        revisions: view
            .revisions
            .into_iter()
            .map(|r| QuickReportRevision {
                revision: r.revision,
                accident_version: r.accident_version,
                prepared_at: r.prepared_at.and_utc(),
                change_reason: r.change_reason,
            })
            .collect(),
    }))
}
