//! `/api/v1/exchange/bhxh`: the exchange with BHXH (Vietnam Social Security) — the feed
//! of diagnosed occupational-disease cases, the benefit decisions BHXH sends back, and
//! the disease part of their reconciliation.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::bhxh::api::FeedParams;
use shared::bhxh::exchange;
use shared::bhxh::reconciliation::{Reconciliation, ReconciliationParams, ReconciliationPart};
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Query;
use utoipa::ToSchema;

use crate::domain::bhxh::{self as rules, FeedReason};
use crate::service::bhxh::DiseaseCases;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_bhxh_disease_cases)
        .service(receive_bhxh_benefit_decisions)
        .service(list_bhxh_benefit_decisions)
        .service(get_bhxh_disease_reconciliation);
}

shared::bhxh_decisions_api! {
    subject: DiseaseCases,
    field: case_id,
    result: DiseaseDecisionResult,
    batch: DiseaseDecisionBatchResponse,
    view: DiseaseBenefitDecisionView,
    list: DiseaseBenefitDecisionList,
    /// Receive benefit decisions from BHXH
    ///
    /// Nhận quyết định hưởng chế độ BNN của BHXH, a JSON array (at most 1000). Idempotent
    /// by decision number: a decision sent again as it is is `unchanged`, a changed one
    /// `updated`. Each decision is checked on its own; a bad one is `rejected` with its
    /// problems and the others are stored. A decision whose `case_reference` names no case
    /// of that person is kept (`matched: false`) for reconciliation. `insurer` only.
    receive,
    /// List benefit decisions
    ///
    /// Quyết định hưởng chế độ BNN nhận từ BHXH, newest first, each linked to its case (or
    /// unmatched). `health_authority` and `admin`; reading is audited.
    list,
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
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
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
    params: Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = params.limit()?;
    let p = params.into_inner();
    let page = exchange::feed::<DiseaseCases>(
        &db,
        &user,
        "get_bhxh_disease_cases",
        p.cursor,
        limit,
        p.total,
    )
    .await?;
    let items = page
        .entries
        .into_iter()
        .map(|e| {
            Ok(DiseaseCase {
                reason: parse_stored("bhxh_feed", "reason", &e.change.reason, FeedReason::parse)?,
                changed_at: e.change.changed_at.and_utc(),
                case_id: e.record.id,
                personal_id: e.record.personal_id,
                full_name: e.record.full_name,
                birth_date: e.record.birth_date,
                gender: e.record.gender,
                employer_tax_code: e.record.tax_code,
                disease_code: e.record.disease_code,
                diagnosed_on: e.record.diagnosed_on,
                status: e.record.status,
                capacity_loss_percent: e.record.capacity_loss_percent,
                assessed_on: e.record.assessed_on,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(DiseaseCaseFeed {
        items,
        next_cursor: rules::encode_cursor(page.last_seq),
        has_more: page.has_more,
        total: page.total,
    }))
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
    params: Query<ReconciliationParams>,
) -> Result<HttpResponse, ApiError> {
    let (year, wait_days) = params.parse()?;
    let today = shared::time::today();
    let items =
        crate::service::reconciliation::reconciliation(&db, &user, year, wait_days, today).await?;
    let whole = Reconciliation::new(
        year.to_string(),
        wait_days,
        today,
        items,
        vec![ReconciliationPart {
            source: crate::SERVICE.name.to_owned(),
            available: true,
            unavailable: None,
        }],
    );
    Ok(HttpResponse::Ok().json(whole.page(&params)?))
}
