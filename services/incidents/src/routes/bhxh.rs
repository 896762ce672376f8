//! `/api/v1/exchange/bhxh`: the exchange with BHXH (Vietnam Social Security) — the feed
//! of confirmed occupational-accident casualties, benefit decisions and reconciliation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::{ApiError, Text};
use shared::extract::Json;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{DEFAULT_LIMIT, MAX_LIMIT, Page};
use utoipa::{IntoParams, ToSchema};

use super::accident_dto::{Warning, warnings};
use crate::db::bhxh::{DecisionFilter, DecisionRow};
use crate::domain::bhxh::{self as rules, BenefitDecision, FeedReason};
use crate::service::bhxh::{self as service, ItemOutcome, ItemResult, ReconciliationRow};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_bhxh_accident_cases)
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
/// (domain.md §5.3), at the change that put it in the feed.
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
    /// Số định danh cá nhân, also the social insurance number.
    pub personal_id: String,
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

/// Parameters of the reconciliation.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReconciliationParams {
    /// The year (`2026`): decisions dated in it, accidents that occurred in it.
    pub period: String,
    /// Days after the accident without a decision before a fatal casualty is listed
    /// (default 60).
    pub wait_days: Option<i64>,
}

/// What a reconciliation row is about.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A BHXH decision for which no accident record exists: a sign of an accident
    /// that was never declared.
    DecisionWithoutAccident,
    /// A fatal casualty with no BHXH decision after the waiting period.
    FatalWithoutDecision,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationItem {
    pub kind: FindingKind,
    /// Why the row is listed, in the caller's language.
    pub explanation: String,
    pub decision_id: Option<String>,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub case_reference: Option<String>,
    pub casualty_id: Option<String>,
    pub accident_id: Option<String>,
    pub accident_date: Option<NaiveDate>,
    pub personal_id: String,
    pub days_since_accident: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Reconciliation {
    pub period: String,
    pub wait_days: i64,
    pub as_of: NaiveDate,
    pub items: Vec<ReconciliationItem>,
}

/// Reconcile BHXH decisions with accident records
///
/// Đối soát: decisions dated in the year whose case reference matches no accident
/// casualty of that person (under-reported accidents), and fatal casualties of the
/// year with no decision `wait_days` after the accident. Each row explains itself.
/// The disease part (health-stats) is not included. `labor_authority` and `admin`.
#[utoipa::path(
    tag = "exchange-bhxh",
    params(ReconciliationParams),
    responses((status = 200, description = "The reconciliation", body = Reconciliation))
)]
#[get("/exchange/bhxh/reconciliation")]
pub async fn get_bhxh_reconciliation(
    user: AuthUser,
    db: web::Data<Db>,
    params: web::Query<ReconciliationParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let invalid_period = || {
        ApiError::bad_parameter(
            "period",
            "invalid_period",
            Text::new(
                "period phải là một năm, ví dụ 2026.",
                "period must be a year, e.g. 2026.",
            ),
        )
    };
    let year = p
        .period
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(invalid_period)?;
    let wait_days = p.wait_days.unwrap_or(60);
    if !(0..=3650).contains(&wait_days) {
        return Err(ApiError::bad_parameter(
            "wait_days",
            "invalid_wait_days",
            Text::new(
                "wait_days phải từ 0 đến 3650.",
                "wait_days must be between 0 and 3650.",
            ),
        ));
    }
    let today = shared::time::today();
    let rows = service::reconciliation(&db, &user, year, wait_days, today).await?;
    let lang = shared::context::current().lang;
    let vietnam = shared::time::vietnam();
    let items = rows
        .into_iter()
        .map(|row| match row {
            ReconciliationRow::Decision(d) => ReconciliationItem {
                kind: FindingKind::DecisionWithoutAccident,
                explanation: Text::new(
                    format!(
                        "Quyết định {} ngày {} của BHXH không khớp với người bị nạn nào trong hồ sơ tai nạn lao động (mã hồ sơ {} không phải của người có số định danh này): có thể có vụ tai nạn chưa được khai báo.",
                        d.decision_number, d.decision_date, d.case_reference
                    ),
                    format!(
                        "BHXH decision {} of {} matches no casualty in the accident records (case reference {} is not this person's): an accident may not have been declared.",
                        d.decision_number, d.decision_date, d.case_reference
                    ),
                )
                .get(lang)
                .to_owned(),
                decision_id: Some(d.id),
                decision_number: Some(d.decision_number),
                decision_date: Some(d.decision_date),
                case_reference: Some(d.case_reference),
                casualty_id: None,
                accident_id: None,
                accident_date: None,
                personal_id: d.personal_id,
                days_since_accident: None,
            },
            ReconciliationRow::Casualty {
                casualty,
                accident,
                days_since,
            } => {
                let date = accident
                    .occurred_at
                    .and_utc()
                    .with_timezone(&vietnam)
                    .date_naive();
                ReconciliationItem {
                    kind: FindingKind::FatalWithoutDecision,
                    explanation: Text::new(
                        format!(
                            "Người bị nạn chết trong vụ tai nạn ngày {date}, đã {days_since} ngày (quá {wait_days} ngày) mà chưa có quyết định hưởng chế độ nào của BHXH."
                        ),
                        format!(
                            "A worker died in the accident of {date}, {days_since} days ago (more than {wait_days}), and BHXH has sent no benefit decision."
                        ),
                    )
                    .get(lang)
                    .to_owned(),
                    decision_id: None,
                    decision_number: None,
                    decision_date: None,
                    case_reference: None,
                    casualty_id: Some(casualty.id),
                    accident_id: Some(accident.id),
                    accident_date: Some(date),
                    personal_id: casualty.personal_id,
                    days_since_accident: Some(days_since),
                }
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(Reconciliation {
        period: year.to_string(),
        wait_days,
        as_of: today,
        items,
    }))
}
