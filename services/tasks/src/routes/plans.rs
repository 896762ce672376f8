//! `/api/v1/plans`: plans, their targets and their KPIs.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::{Db, parse_stored};
use shared::error::{ApiError, Text};
use shared::extract::{Json, Query};
use shared::figures::{self, Trend};
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{PageQuery, page_whole};
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::db::models::TargetRow;
use crate::domain::kpi::Direction;
use crate::domain::seed::{LegalBasis, SeedFile, SolutionGroup};
use shared::http_client::Unavailable;

use crate::service::kpis::{self, Figure};
use crate::service::plan_imports::{self, Imported};
use crate::service::plans::{self as service, PlanView};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_plans)
        .service(get_plan)
        .service(list_plan_targets)
        .service(get_plan_kpis)
        .service(import_plan);
}

/// A target of the plan (chỉ tiêu).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TargetResponse {
    #[schema(example = "fatal_accident_rate")]
    pub code: String,
    pub indicator: String,
    pub unit: String,
    pub direction: Direction,
    /// At least this change a year, in percent, in `direction`.
    #[schema(example = 4)]
    pub yearly_change_percent: i64,
    pub baseline_year: i32,
    /// The service the figures come from: `incidents` or `health_stats`.
    pub source: String,
    /// The record's version (its `ETag`), sent back in `If-Match` to change it.
    pub version: i64,
}

impl TryFrom<&TargetRow> for TargetResponse {
    type Error = ApiError;

    fn try_from(t: &TargetRow) -> Result<Self, ApiError> {
        Ok(Self {
            code: t.code.clone(),
            indicator: t.indicator.clone(),
            unit: t.unit.clone(),
            direction: parse_stored("targets", "direction", &t.direction, Direction::parse)?,
            yearly_change_percent: t.yearly_change_percent,
            baseline_year: t.baseline_year,
            source: t.source.clone(),
            version: t.version,
        })
    }
}

/// A recurring report's deadline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportDeadline {
    /// `2025-H1` (six months) or `2025` (the year).
    pub period: String,
    /// The first day on which a report is late ("trước ngày 15 tháng 6").
    pub due_on: NaiveDate,
}

/// A plan (kế hoạch).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanResponse {
    pub id: String,
    #[schema(example = "664/KH-UBND")]
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub signer: String,
    pub issued_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub legal_bases: Vec<LegalBasis>,
    pub solution_groups: Vec<SolutionGroup>,
    pub funding: String,
    pub targets: Vec<TargetResponse>,
    pub task_count: usize,
    /// The recurring reports' deadlines, up to the current year.
    pub report_deadlines: Vec<ReportDeadline>,
}

impl PlanResponse {
    fn from_view(v: &PlanView) -> Result<Self, ApiError> {
        let p = &v.plan;
        Ok(Self {
            id: p.id.clone(),
            number: p.number.clone(),
            title: p.title.clone(),
            issuer: p.issuer.clone(),
            signer: p.signer.clone(),
            issued_on: p.issued_on,
            effective_on: p.effective_on,
            legal_bases: serde_json::from_str(&p.legal_bases).map_err(anyhow::Error::from)?,
            solution_groups: serde_json::from_str(&p.solution_groups)
                .map_err(anyhow::Error::from)?,
            funding: p.funding.clone(),
            targets: v
                .targets
                .iter()
                .map(TargetResponse::try_from)
                .collect::<Result<_, _>>()?,
            task_count: v.task_count,
            report_deadlines: v
                .deadlines
                .iter()
                .map(|(period, due_on)| ReportDeadline {
                    period: period.clone(),
                    due_on: *due_on,
                })
                .collect(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanResponse>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TargetList {
    pub items: Vec<TargetResponse>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// List plans
///
/// Danh sách kế hoạch (e.g. Kế hoạch 664/KH-UBND), with their targets, number of tasks and
/// reporting deadlines (15 June and 15 December).
#[utoipa::path(
    tag = "plans",
    params(PageQuery),
    responses((status = 200, description = "A page of plans", body = PlanList))
)]
#[get("/plans")]
pub async fn list_plans(
    user: AuthUser,
    db: web::Data<Db>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let views = service::list_plans(&db, &user).await?;
    let items = views
        .iter()
        .map(PlanResponse::from_view)
        .collect::<Result<Vec<_>, _>>()?;
    let page = page_whole(items, &page, |p| p.id.clone())?;
    Ok(HttpResponse::Ok().json(PlanList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Get a plan
///
/// Một kế hoạch: its period, its targets (chỉ tiêu), the number of its tasks and its
/// reporting deadlines.
#[utoipa::path(
    tag = "plans",
    params(("id" = String, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = PlanResponse))
)]
#[get("/plans/{id}")]
pub async fn get_plan(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get_plan(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok().json(PlanResponse::from_view(&view)?))
}

/// Targets of a plan
///
/// Chỉ tiêu của kế hoạch: each target's code, indicator and unit, the direction and
/// yearly change the plan asks for from its baseline year, and the data source. `/plans/{id}/kpis` measures them.
#[utoipa::path(
    tag = "plans",
    params(("id" = String, Path, description = "Plan id"), PageQuery),
    responses((status = 200, description = "A page of the plan's targets", body = TargetList))
)]
#[get("/plans/{id}/targets")]
pub async fn list_plan_targets(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get_plan(&db, &user, id.to_string()).await?;
    let items = view
        .targets
        .iter()
        .map(TargetResponse::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let page = page_whole(items, &page, |t| t.code.clone())?;
    Ok(HttpResponse::Ok().json(TargetList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// The year to compare with the one before.
    #[param(example = 2025, minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// KPIs per page, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the KPIs over all pages.
    pub total: Option<bool>,
}

/// One target's KPI.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Kpi {
    pub target: TargetResponse,
    pub year: i32,
    /// Whether both years' figures were had.
    pub available: bool,
    /// This year's figure, as the source's statistics for the year give it.
    pub current: Option<Figure>,
    /// Last year's figure, as the source's statistics for last year give it.
    pub previous: Option<Figure>,
    /// (this year − last year) / last year × 100: `trend.change_percent`.
    pub change_percent: Option<f64>,
    /// Whether the change meets the target: `trend.on_track`; `null` when it cannot
    /// be computed or the year is not over (`trend.assessment` says which).
    pub on_track: Option<bool>,
    /// The trend the source service publishes with its statistics for the year,
    /// unchanged: the same previous and current value, change, target, on-track and
    /// completeness as `/accident-statistics`, `/health-statistics` or
    /// `/monitoring-statistics` give.
    pub trend: Option<Trend>,
    /// Why a figure is missing (the first that is).
    pub unavailable: Option<Unavailable>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KpiReport {
    pub plan_id: String,
    pub year: i32,
    /// Whether the period is over (from the day after its last day, Viet Nam time, or
    /// with `as_of` on or after that last day); until then the figures are partial and
    /// no target is judged on them.
    pub complete: bool,
    /// The last whole day the figures cover: the period's last day once it is over,
    /// else yesterday (or `as_of`); `null` before the period starts.
    pub complete_through: Option<NaiveDate>,
    /// One per target, in the plan's order of targets.
    pub items: Vec<Kpi>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// KPIs of a plan
///
/// For each target, this year's and last year's figures from the incidents and
/// health-stats services, the change and whether it is on track. A service that
/// is down or slow makes its KPIs `available: false` with the reason; the answer
/// still comes within the configured time.
#[utoipa::path(
    tag = "plans",
    params(("id" = String, Path, description = "Plan id"), KpiParams),
    responses((status = 200, description = "The KPIs", body = KpiReport))
)]
#[get("/plans/{id}/kpis")]
pub async fn get_plan_kpis(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    client: web::Data<reqwest::Client>,
    upstreams: web::Data<Upstreams>,
    id: web::Path<uuid::Uuid>,
    params: Query<KpiParams>,
) -> Result<HttpResponse, ApiError> {
    if !(2000..=2100).contains(&params.year) {
        return Err(ApiError::bad_parameter(
            "year",
            "invalid_year",
            Text::new("Năm từ 2000 đến 2100.", "A year from 2000 to 2100."),
        ));
    }
    // The caller's own token goes to the other services: they decide what it may read.
    let bearer = shared::http_client::bearer_of(&req);
    let results = kpis::kpis(
        &db,
        &user,
        &client,
        &upstreams,
        bearer,
        id.to_string(),
        params.year,
    )
    .await?;
    let mut report = kpi_report_of(id.to_string(), params.year, &results)?;
    let query = PageQuery {
        limit: params.limit,
        cursor: params.cursor.clone(),
        total: params.total,
    };
    let page = page_whole(report.items, &query, |k| k.target.code.clone())?;
    report.items = page.items;
    report.next_cursor = page.next_cursor;
    report.total = page.total;
    Ok(HttpResponse::Ok().json(report))
}

/// The answer for computed KPIs.
pub(crate) fn kpi_report_of(
    plan_id: String,
    year: i32,
    results: &[kpis::KpiResult],
) -> Result<KpiReport, ApiError> {
    let items = results
        .iter()
        .map(|r| {
            let missing = r.current.as_ref().err().or(r.previous.as_ref().err());
            let trend = r.trend().cloned();
            Ok(Kpi {
                target: TargetResponse::try_from(&r.target)?,
                year,
                available: missing.is_none(),
                current: r.current.as_ref().ok().map(|p| p.figure.clone()),
                previous: r.previous.as_ref().ok().map(|p| p.figure.clone()),
                change_percent: trend.as_ref().and_then(|t| t.change_percent),
                on_track: trend.as_ref().and_then(|t| t.on_track),
                trend,
                unavailable: missing.cloned(),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let completeness = figures::completeness(Period::Year(year), shared::time::today(), None);
    Ok(KpiReport {
        plan_id,
        year,
        complete: completeness.complete,
        complete_through: completeness.complete_through,
        items,
        next_cursor: None,
        total: None,
    })
}

/// The plans a file added.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanImportResponse {
    pub plans: Vec<PlanResponse>,
    /// The file's agencies that were not stored yet (stored ones are kept as they are).
    pub agencies_added: usize,
}

fn render_import(imported: &Imported) -> Result<StoredResponse, ApiError> {
    let plans = imported
        .plans
        .iter()
        .map(PlanResponse::from_view)
        .collect::<Result<Vec<_>, _>>()?;
    StoredResponse::new(
        StatusCode::CREATED,
        &PlanImportResponse {
            plans,
            agencies_added: imported.agencies_added,
        },
    )
}

/// Load a plan
///
/// Nạp kế hoạch: Sở Nội vụ (labor_authority) or admin loads another plan (for example
/// a yearly implementation plan) beside plan 664, as data in the format of the
/// service's `seed/plan-664.json` (an example ships as
/// `seed/ke-hoach-2026-example.json`): agencies (a stored one is kept as it is), and
/// plans with their targets and tasks. A plan whose number is stored is refused with
/// 409 `plan_exists`; a task given to an unknown agency is 422 with the pointer.
#[utoipa::path(
    tag = "plans",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = SeedFile,
    responses(
        (status = 201, description = "Loaded", body = PlanImportResponse),
        (status = 200, description = "A dry run", body = PlanImportResponse),
    )
)]
#[post("/plan-files")]
pub async fn import_plan(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<SeedFile>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let outcome = plan_imports::import_plans(
        &db,
        &user,
        body.body,
        idempotent,
        params.dry_run,
        render_import,
    )
    .await?;
    Ok(outcome.into_response())
}
