//! `/api/v1/exchange/bhxh`: the exchange with BHXH (Vietnam Social Security) — the feed
//! of diagnosed occupational-disease cases, the benefit decisions BHXH sends back, and
//! the disease part of their reconciliation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::bhxh::reconciliation::{Reconciliation, ReconciliationParams, ReconciliationPart};
use shared::db::Db;
use shared::error::{ApiError, FieldError, Location, Text};
use shared::extract::Json;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{DEFAULT_LIMIT, MAX_LIMIT, Page};
use utoipa::{IntoParams, ToSchema};

use crate::db::bhxh::{DecisionFilter, DecisionRow};
use crate::domain::bhxh::{self as rules, BenefitDecision, FeedReason};
use crate::service::bhxh::{self as service, ItemOutcome, ItemResult};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_bhxh_disease_cases)
        .service(receive_bhxh_benefit_decisions)
        .service(list_bhxh_benefit_decisions)
        .service(get_bhxh_disease_reconciliation);
}

/// A problem of one decision of a batch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionProblem {
    /// JSON Pointer into the batch (`/3/personal_id`).
    pub pointer: Option<String>,
    pub code: String,
    pub message: String,
}

fn problems(list: &[FieldError]) -> Vec<DecisionProblem> {
    let lang = shared::context::current().lang;
    list.iter()
        .map(|w| DecisionProblem {
            pointer: match &w.location {
                Location::Body(p) => Some(p.clone()),
                _ => None,
            },
            code: w.code.to_string(),
            message: w.message.get(lang).to_owned(),
        })
        .collect()
}

/// Paging of a change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// `next_cursor` of the previous page; none to start from the beginning.
    pub cursor: Option<String>,
    /// Changes per page (default 50, at most 500).
    pub limit: Option<i64>,
}

/// The limit of a feed page, checked like every list's.
pub fn feed_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_parameter(
            "limit",
            "invalid_limit",
            Text::new(
                format!("limit phải từ 1 đến {MAX_LIMIT}."),
                format!("limit must be between 1 and {MAX_LIMIT}."),
            ),
        ))
    }
}

/// A diagnosed occupational-disease case as BHXH needs it for a benefit decision
/// (docs/domain.md, "BHXH claim dossier"), at the change that put it in the feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseCase {
    /// Why this change is in the feed.
    pub reason: FeedReason,
    pub changed_at: DateTime<Utc>,
    /// The case reference to quote in a benefit decision (mã hồ sơ BNN).
    pub case_id: String,
    /// Số định danh cá nhân, also the social insurance number.
    pub personal_id: String,
    /// Họ và tên.
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    /// `male` or `female`.
    pub gender: String,
    /// Mã số thuế of the employer.
    pub employer_tax_code: String,
    /// Mã bệnh nghề nghiệp (TT 02/2023/TT-BYT list).
    pub disease_code: String,
    /// Ngày chẩn đoán.
    pub diagnosed_on: NaiveDate,
    /// `diagnosed`, `assessed`, ...
    pub status: String,
    /// Mức suy giảm khả năng lao động (%), once assessed.
    pub capacity_loss_percent: Option<i64>,
    pub assessed_on: Option<NaiveDate>,
}

/// A page of the feed. Pass `next_cursor` back to resume after the last change seen; it
/// is given even on the last page, so a poller can wait there for new changes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseCaseFeed {
    pub items: Vec<DiseaseCase>,
    pub next_cursor: String,
    /// Whether more changes follow right now.
    pub has_more: bool,
}

/// Diagnosed disease cases for BHXH
///
/// Danh sách người mắc bệnh nghề nghiệp đã được chẩn đoán, as a change feed in commit
/// order: a reader that resumes from `next_cursor` never skips or repeats a change, even
/// while writes go on. `insurer` only; every read is audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(FeedParams),
    responses((status = 200, description = "A page of changes", body = DiseaseCaseFeed))
)]
#[get("/exchange/bhxh/disease-cases")]
pub async fn get_bhxh_disease_cases(
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = feed_limit(p.limit)?;
    let page = service::feed(&db, &user, p.cursor, limit).await?;
    let items = page
        .entries
        .into_iter()
        .map(|e| DiseaseCase {
            reason: FeedReason::parse(&e.change.reason).unwrap_or(FeedReason::Diagnosed),
            changed_at: e.change.changed_at.and_utc(),
            case_id: e.case.id,
            personal_id: e.case.personal_id,
            full_name: e.case.full_name,
            birth_date: e.case.birth_date,
            gender: e.case.gender,
            employer_tax_code: e.case.tax_code,
            disease_code: e.case.disease_code,
            diagnosed_on: e.case.diagnosed_on,
            status: e.case.status,
            capacity_loss_percent: e.case.capacity_loss_percent,
            assessed_on: e.case.assessed_on,
        })
        .collect();
    Ok(HttpResponse::Ok().json(DiseaseCaseFeed {
        items,
        next_cursor: rules::encode_cursor(page.last_seq),
        has_more: page.has_more,
    }))
}

/// The result of one decision of a batch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseDecisionResult {
    /// Position in the batch, from 0.
    pub index: usize,
    pub decision_number: Option<String>,
    /// `created`, `updated`, `unchanged` or `rejected`.
    pub result: String,
    /// The stored decision's id (none when rejected).
    pub id: Option<String>,
    /// `false` when the case reference names no case of this person: the decision is
    /// kept for reconciliation.
    pub matched: Option<bool>,
    /// Why it was rejected, with pointers into the batch (`/3/personal_id`).
    pub errors: Vec<DecisionProblem>,
}

/// Counts of a batch.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct BatchSummary {
    pub received: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Stored decisions whose case reference matched no case.
    pub unmatched: usize,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseDecisionBatchResponse {
    pub items: Vec<DiseaseDecisionResult>,
    pub summary: BatchSummary,
}

fn render_batch(outcomes: &[ItemOutcome]) -> Result<StoredResponse, ApiError> {
    let mut summary = BatchSummary {
        received: outcomes.len(),
        ..BatchSummary::default()
    };
    let items = outcomes
        .iter()
        .map(|o| {
            match o.result {
                ItemResult::Created => summary.created += 1,
                ItemResult::Updated => summary.updated += 1,
                ItemResult::Unchanged => summary.unchanged += 1,
                ItemResult::Rejected => summary.rejected += 1,
            }
            let matched = o.decision.as_ref().map(|d| d.case_id.is_some());
            if matched == Some(false) {
                summary.unmatched += 1;
            }
            DiseaseDecisionResult {
                index: o.index,
                decision_number: o.decision_number.clone(),
                result: o.result.as_str().to_owned(),
                id: o.decision.as_ref().map(|d| d.id.clone()),
                matched,
                errors: problems(&o.errors),
            }
        })
        .collect();
    StoredResponse::new(
        StatusCode::OK,
        &DiseaseDecisionBatchResponse { items, summary },
    )
}

/// Receive benefit decisions from BHXH
///
/// Nhận quyết định hưởng chế độ BNN của BHXH, a JSON array (at most 1000). Idempotent
/// by decision number: a decision sent again as it is is `unchanged`, a changed one
/// `updated`. Each decision is checked on its own; a bad one is `rejected` with its
/// problems and the others are stored. A decision whose `case_reference` names no case
/// of that person is kept (`matched: false`) for reconciliation. `insurer` only.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body(content = Vec<BenefitDecision>, example = json!([{
        "decision_number": "152/QĐ-BHXH",
        "decision_date": "2026-03-20",
        "personal_id": "004090001234",
        "case_reference": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11",
        "capacity_loss_percent": 35,
        "benefit_type": "monthly",
        "amount_vnd": 1170000,
        "status": "issued"
    }])),
    responses((status = 200, description = "A result per decision and a summary", body = DiseaseDecisionBatchResponse))
)]
#[post("/exchange/bhxh/benefit-decisions")]
pub async fn receive_bhxh_benefit_decisions(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<WriteParams>,
    body: Json<Vec<serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let outcome = service::receive_decisions(
        &db,
        &user,
        body.body,
        idempotent,
        params.dry_run,
        render_batch,
    )
    .await?;
    Ok(outcome.into_response())
}

/// A benefit decision as stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseBenefitDecisionView {
    pub id: String,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub personal_id: String,
    pub case_reference: String,
    /// The case the decision is linked to; `null` when unmatched.
    pub case_id: Option<String>,
    pub matched: bool,
    pub capacity_loss_percent: Option<i64>,
    pub benefit_type: String,
    pub amount_vnd: i64,
    pub status: String,
    pub version: i64,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DecisionRow> for DiseaseBenefitDecisionView {
    fn from(r: DecisionRow) -> Self {
        Self {
            matched: r.case_id.is_some(),
            id: r.id,
            decision_number: r.decision_number,
            decision_date: r.decision_date,
            personal_id: r.personal_id,
            case_reference: r.case_reference,
            case_id: r.case_id,
            capacity_loss_percent: r.capacity_loss_percent,
            benefit_type: r.benefit_type,
            amount_vnd: r.amount_vnd,
            status: r.status,
            version: r.version,
            received_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseBenefitDecisionList {
    pub items: Vec<DiseaseBenefitDecisionView>,
    pub next_cursor: Option<String>,
}

/// Filters of the decision list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDecisionsParams {
    /// `true`: only decisions that match no case; `false`: only linked ones.
    pub unmatched: Option<bool>,
    /// Decisions linked to this case.
    pub case_id: Option<uuid::Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List benefit decisions
///
/// Quyết định hưởng chế độ BNN nhận từ BHXH, newest first, each linked to its case (or
/// unmatched). `health_authority` and `admin`; reading is audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(ListDecisionsParams),
    responses((status = 200, description = "A page of decisions", body = DiseaseBenefitDecisionList))
)]
#[get("/exchange/bhxh/benefit-decisions")]
pub async fn list_bhxh_benefit_decisions(
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<ListDecisionsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?;
    let filter = DecisionFilter {
        unmatched: p.unmatched,
        case_id: p.case_id.map(|c| c.to_string()),
        ..DecisionFilter::default()
    };
    let (rows, next_cursor) = service::list_decisions(&db, &user, filter, page).await?;
    let items = rows
        .into_iter()
        .map(DiseaseBenefitDecisionView::from)
        .collect();
    Ok(HttpResponse::Ok().json(DiseaseBenefitDecisionList { items, next_cursor }))
}

/// Reconcile BHXH decisions with occupational-disease cases
///
/// Đối soát (bệnh nghề nghiệp): decisions dated in the year that match no diagnosed case
/// of that person (unreported disease), and cases diagnosed in the year with no decision
/// `wait_days` after the diagnosis (a claim never made). Each row explains itself.
/// incidents' reconciliation lists this part beside the accidents. `health_authority`,
/// `labor_authority` and `admin`; reading is audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(ReconciliationParams),
    responses((status = 200, description = "The disease part of the reconciliation", body = Reconciliation))
)]
#[get("/exchange/bhxh/reconciliation")]
pub async fn get_bhxh_disease_reconciliation(
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<ReconciliationParams>,
) -> Result<HttpResponse, ApiError> {
    let (year, wait_days) = params.parse()?;
    let today = shared::time::today();
    let items =
        crate::service::reconciliation::reconciliation(&db, &user, year, wait_days, today).await?;
    Ok(HttpResponse::Ok().json(Reconciliation {
        period: year.to_string(),
        wait_days,
        as_of: today,
        items,
        parts: vec![ReconciliationPart {
            source: crate::SERVICE.name.to_owned(),
            available: true,
            unavailable: None,
        }],
    }))
}
