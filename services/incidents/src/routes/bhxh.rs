//! `/api/v1/exchange/bhxh`: the exchange with BHXH (Vietnam Social Security) — the feed
//! of confirmed occupational-accident casualties, benefit decisions and reconciliation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::bhxh::reconciliation::{Reconciliation, ReconciliationParams};
use shared::config::Upstreams;
use shared::db::Db;
use shared::error::{ApiError, Text};
use shared::extract::Json;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{DEFAULT_LIMIT, MAX_LIMIT, Page};
use utoipa::{IntoParams, ToSchema};

use super::accident_dto::{Warning, warnings};
use crate::db::bhxh::{DecisionFilter, DecisionRow};
use crate::domain::bhxh::{self as rules, BenefitDecision, FeedReason};
use crate::service::bhxh::{self as service, ItemOutcome, ItemResult};
use crate::service::reconciliation::{DiseasePart, reconciliation};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_bhxh_accident_cases)
        .service(get_bhxh_accident_case_dossier)
        .service(receive_bhxh_benefit_decisions)
        .service(list_bhxh_benefit_decisions)
        .service(get_bhxh_reconciliation);
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

/// A confirmed occupational-accident casualty as BHXH needs it for a benefit decision
/// (docs/domain.md, "BHXH claim dossier"), at the change that put it in the feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentCase {
    /// Why this change is in the feed.
    pub reason: FeedReason,
    pub changed_at: DateTime<Utc>,
    /// Whether the casualty is in the feed now; `false` after a `withdrawn` change.
    pub confirmed: bool,
    /// The case reference to quote in a benefit decision (mã người bị nạn).
    pub casualty_id: String,
    pub accident_id: String,
    /// Số định danh cá nhân, also the social insurance number. For a casualty
    /// identified otherwise (an identity card, or a foreign worker's passport) this is
    /// that document's number, and `identity` says which it is.
    pub personal_id: String,
    /// The identity document the number belongs to.
    pub identity: crate::routes::accident_dto::IdentityResponse,
    /// Họ và tên.
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: i64,
    /// `male` or `female`.
    pub gender: String,
    /// Mã số thuế of the employer (none for workers without a labour contract).
    pub employer_tax_code: Option<String>,
    /// Mã đơn vị BHXH of the employer, where registered.
    pub bhxh_unit_code: Option<String>,
    /// Ngày xảy ra tai nạn (Viet Nam time).
    pub accident_date: NaiveDate,
    /// Tai nạn trên đường đi làm.
    pub commute_accident: bool,
    /// `fatal`, `serious` or `minor`.
    pub severity: String,
    /// Số ngày nghỉ việc.
    pub days_off: i64,
    /// Mức suy giảm khả năng lao động (%): incidents does not record the medical
    /// assessment, so this is `null`; BHXH holds it.
    pub capacity_loss_percent: Option<i64>,
}

/// The claim dossier of one casualty (hồ sơ giải quyết chế độ TNLĐ): the minimum BHXH
/// needs besides the feed entry — the investigation's conclusion and the reference of
/// its record, and the loss of working capacity once a decision stated it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "casualty_id": "0195f7a2-7c1e-7d3a-9b1e-3f7c2a9d4e51",
    "accident_id": "0195f7a2-7c1e-7d3a-9b1e-3f7c2a9d4e50",
    "severity": "serious",
    "investigation_level": "provincial",
    "record_reference": "125/QĐ-SNV",
    "record_decision_date": "2026-03-03",
    "is_occupational_accident": true,
    "conclusions": "Người lao động không được huấn luyện an toàn khi làm việc tại khai trường.",
    "record_announced_on": "2026-03-25",
    "capacity_loss_percent": 21
}))]
pub struct AccidentCaseDossier {
    pub casualty_id: String,
    pub accident_id: String,
    /// `fatal`, `serious` or `minor`.
    pub severity: String,
    /// The level of the team that made the record (cấp đoàn điều tra).
    pub investigation_level: crate::domain::accident::InvestigationLevel,
    /// Number of the decision forming the investigation team, the record's reference.
    pub record_reference: Option<String>,
    pub record_decision_date: Option<NaiveDate>,
    /// Whether the record concluded it is an occupational accident (có phải TNLĐ).
    pub is_occupational_accident: Option<bool>,
    /// The record's conclusions (kết luận).
    pub conclusions: Option<String>,
    /// When the record was announced (ngày công bố biên bản).
    pub record_announced_on: Option<NaiveDate>,
    /// Mức suy giảm khả năng lao động (%), from the latest benefit decision stating it.
    pub capacity_loss_percent: Option<i64>,
}

/// Claim dossier of one casualty
///
/// Hồ sơ giải quyết chế độ TNLĐ của một người bị nạn: the investigation's conclusion and
/// record reference, and the loss of working capacity if known. `insurer` for the
/// casualties in its feed (any other is 404), `labor_authority` and `admin` for any;
/// every read is audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(("casualty_id" = String, Path, description = "The casualty id, as in the feed")),
    responses((status = 200, description = "The dossier", body = AccidentCaseDossier))
)]
#[get("/exchange/bhxh/accident-cases/{casualty_id}/dossier")]
pub async fn get_bhxh_accident_case_dossier(
    user: AuthUser,
    db: web::Data<Db>,
    casualty_id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let d = service::dossier(&db, &user, casualty_id.to_string()).await?;
    Ok(HttpResponse::Ok().json(AccidentCaseDossier {
        casualty_id: d.casualty_id,
        accident_id: d.accident_id,
        severity: d.severity,
        investigation_level: d.investigation.team_level,
        record_reference: d.investigation.decision_number,
        record_decision_date: d.investigation.decision_date,
        is_occupational_accident: d.investigation.is_occupational_accident,
        conclusions: d.investigation.conclusions,
        record_announced_on: d.investigation.record_announced_on,
        capacity_loss_percent: d.capacity_loss_percent,
    }))
}

/// A page of the feed. Pass `next_cursor` back to resume after the last change seen; it
/// is given even on the last page, so a poller can wait there for new changes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccidentCaseFeed {
    pub items: Vec<AccidentCase>,
    pub next_cursor: String,
    /// Whether more changes follow right now.
    pub has_more: bool,
}

/// Confirmed accident cases for BHXH
///
/// Danh sách người bị TNLĐ đã được kết luận (biên bản điều tra: là TNLĐ), as a change
/// feed in commit order: a reader that resumes from `next_cursor` never skips or
/// repeats a change, even while writes go on. `insurer` only; every read is audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(FeedParams),
    responses((status = 200, description = "A page of changes", body = AccidentCaseFeed))
)]
#[get("/exchange/bhxh/accident-cases")]
pub async fn get_bhxh_accident_cases(
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = feed_limit(p.limit)?;
    let page = service::feed(&db, &user, p.cursor, limit).await?;
    let vietnam = shared::time::vietnam();
    let items = page
        .entries
        .into_iter()
        .map(|e| AccidentCase {
            identity: crate::routes::accident_dto::IdentityResponse::of(&e.casualty),
            reason: FeedReason::parse(&e.change.reason).unwrap_or(FeedReason::Confirmed),
            changed_at: e.change.changed_at.and_utc(),
            confirmed: e.confirmed,
            casualty_id: e.casualty.id,
            accident_id: e.accident.id,
            personal_id: e.casualty.personal_id,
            full_name: e.casualty.full_name,
            birth_date: e.casualty.birth_date,
            birth_year: e.casualty.birth_year,
            gender: e.casualty.gender,
            employer_tax_code: e.accident.establishment_tax_code,
            bhxh_unit_code: e.establishment.and_then(|x| x.bhxh_unit_code),
            accident_date: e
                .accident
                .occurred_at
                .and_utc()
                .with_timezone(&vietnam)
                .date_naive(),
            commute_accident: e.accident.commute_accident,
            severity: e.casualty.severity,
            days_off: e.casualty.days_off,
            capacity_loss_percent: None,
        })
        .collect();
    Ok(HttpResponse::Ok().json(AccidentCaseFeed {
        items,
        next_cursor: rules::encode_cursor(page.last_seq),
        has_more: page.has_more,
    }))
}

/// The result of one decision of a batch.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionResult {
    /// Position in the batch, from 0.
    pub index: usize,
    pub decision_number: Option<String>,
    /// `created`, `updated`, `unchanged` or `rejected`.
    pub result: String,
    /// The stored decision's id (none when rejected).
    pub id: Option<String>,
    /// `false` when the case reference names no casualty of this person: the decision
    /// is kept and shows in the reconciliation.
    pub matched: Option<bool>,
    /// Why it was rejected, with pointers into the batch (`/3/personal_id`).
    pub errors: Vec<Warning>,
}

/// Counts of a batch.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct BatchSummary {
    pub received: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Stored decisions whose case reference matched no casualty.
    pub unmatched: usize,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionBatchResponse {
    pub items: Vec<DecisionResult>,
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
            let matched = o.decision.as_ref().map(|d| d.casualty_id.is_some());
            if matched == Some(false) {
                summary.unmatched += 1;
            }
            DecisionResult {
                index: o.index,
                decision_number: o.decision_number.clone(),
                result: o.result.as_str().to_owned(),
                id: o.decision.as_ref().map(|d| d.id.clone()),
                matched,
                errors: warnings(&o.errors),
            }
        })
        .collect();
    StoredResponse::new(StatusCode::OK, &DecisionBatchResponse { items, summary })
}

/// Receive benefit decisions from BHXH
///
/// Nhận quyết định hưởng chế độ TNLĐ của BHXH, a JSON array (at most 1000). Idempotent
/// by decision number: a decision sent again as it is is `unchanged`, a changed one
/// `updated`. Each decision is checked on its own; a bad one is `rejected` with its
/// problems and the others are stored. A decision whose `case_reference` names no
/// casualty of that person is kept (`matched: false`) for reconciliation. `insurer` only.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body(content = Vec<BenefitDecision>, example = json!([{
        "decision_number": "152/QĐ-BHXH",
        "decision_date": "2026-03-20",
        "personal_id": "004090001234",
        "case_reference": "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11",
        "capacity_loss_percent": 21,
        "benefit_type": "one_time",
        "amount_vnd": 30420000,
        "status": "issued"
    }])),
    responses((status = 200, description = "A result per decision and a summary", body = DecisionBatchResponse))
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
pub struct BenefitDecisionView {
    pub id: String,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub personal_id: String,
    pub case_reference: String,
    /// The casualty the decision is linked to; `null` when unmatched.
    pub casualty_id: Option<String>,
    pub matched: bool,
    pub capacity_loss_percent: Option<i64>,
    pub benefit_type: String,
    pub amount_vnd: i64,
    pub status: String,
    pub version: i64,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DecisionRow> for BenefitDecisionView {
    fn from(r: DecisionRow) -> Self {
        Self {
            matched: r.casualty_id.is_some(),
            id: r.id,
            decision_number: r.decision_number,
            decision_date: r.decision_date,
            personal_id: r.personal_id,
            case_reference: r.case_reference,
            casualty_id: r.casualty_id,
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
pub struct BenefitDecisionList {
    pub items: Vec<BenefitDecisionView>,
    pub next_cursor: Option<String>,
}

/// Filters of the decision list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDecisionsParams {
    /// `true`: only decisions that match no casualty; `false`: only linked ones.
    pub unmatched: Option<bool>,
    /// Decisions linked to this casualty.
    pub casualty_id: Option<uuid::Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List benefit decisions
///
/// Quyết định hưởng chế độ TNLĐ nhận từ BHXH, newest first, each linked to its casualty
/// (or unmatched). `labor_authority` and `admin`; reading is audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(ListDecisionsParams),
    responses((status = 200, description = "A page of decisions", body = BenefitDecisionList))
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
        casualty_id: p.casualty_id.map(|c| c.to_string()),
        ..DecisionFilter::default()
    };
    let (rows, next_cursor) = service::list_decisions(&db, &user, filter, page).await?;
    let items = rows.into_iter().map(BenefitDecisionView::from).collect();
    Ok(HttpResponse::Ok().json(BenefitDecisionList { items, next_cursor }))
}

/// Reconcile BHXH decisions with accident and occupational-disease records
///
/// Đối soát: decisions dated in the year whose case reference matches no accident
/// casualty of that person (under-reported accidents), fatal casualties of the year with
/// no decision `wait_days` after the accident, and — read from health-stats with the
/// caller's token — disease decisions with no diagnosed case and diagnosed cases with
/// no decision after `wait_days`. Each row explains itself; `parts` says whether the
/// disease part could be read (health-stats down or slow: `available: false`, with the
/// reason, within `upstreams.timeout_ms`). `labor_authority` and `admin`; reading is
/// audited.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(ReconciliationParams),
    responses((status = 200, description = "The reconciliation", body = Reconciliation))
)]
#[get("/exchange/bhxh/reconciliation")]
pub async fn get_bhxh_reconciliation(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    client: web::Data<reqwest::Client>,
    upstreams: web::Data<Upstreams>,
    params: web::Query<ReconciliationParams>,
) -> Result<HttpResponse, ApiError> {
    let (year, wait_days) = params.parse()?;
    let disease = DiseasePart {
        client: &client,
        upstreams: &upstreams,
        bearer: shared::http_client::bearer_of(&req),
    };
    let today = shared::time::today();
    let answer = reconciliation(&db, &user, disease, year, wait_days, today).await?;
    Ok(HttpResponse::Ok().json(answer))
}
