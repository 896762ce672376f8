//! `/api/v1/exchange/bhxh`: the exchange with BHXH (Vietnam Social Security) — the feed
//! of confirmed occupational-accident casualties, benefit decisions and reconciliation.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::bhxh::api::FeedParams;
use shared::bhxh::exchange;
use shared::bhxh::reconciliation::{Reconciliation, ReconciliationParams};
use shared::config::Upstreams;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Query;
use utoipa::ToSchema;

use crate::domain::bhxh::{self as rules, FeedReason};
use crate::service::bhxh::{self as service, Casualties};
use crate::service::reconciliation::{DiseasePart, reconciliation};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_bhxh_accident_cases)
        .service(get_bhxh_accident_case_dossier)
        .service(receive_bhxh_benefit_decisions)
        .service(list_bhxh_benefit_decisions)
        .service(get_bhxh_reconciliation);
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
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
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
    params: Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = params.limit()?;
    let p = params.into_inner();
    let page = exchange::feed::<Casualties>(
        &db,
        &user,
        "get_bhxh_accident_cases",
        p.cursor,
        limit,
        p.total,
    )
    .await?;
    let vietnam = shared::time::vietnam();
    let items = page
        .entries
        .into_iter()
        .map(|e| (e.change, e.record))
        .map(|(change, e)| {
            Ok(AccidentCase {
                identity: crate::routes::accident_dto::IdentityResponse::try_of(&e.casualty)?,
                reason: parse_stored("bhxh_feed", "reason", &change.reason, FeedReason::parse)?,
                changed_at: change.changed_at.and_utc(),
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
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(AccidentCaseFeed {
        items,
        next_cursor: rules::encode_cursor(page.last_seq),
        has_more: page.has_more,
        total: page.total,
    }))
}

shared::bhxh_decisions_api! {
    subject: Casualties,
    field: casualty_id,
    result: DecisionResult,
    batch: DecisionBatchResponse,
    view: BenefitDecisionView,
    list: BenefitDecisionList,
    /// Receive benefit decisions from BHXH
    ///
    /// Nhận quyết định hưởng chế độ TNLĐ của BHXH, a JSON array (at most 1000). Idempotent
    /// by decision number: a decision sent again as it is is `unchanged`, a changed one
    /// `updated`. Each decision is checked on its own; a bad one is `rejected` with its
    /// problems and the others are stored. A decision whose `case_reference` names no
    /// casualty of that person is kept (`matched: false`) for reconciliation. `insurer` only.
    receive,
    /// List benefit decisions
    ///
    /// Quyết định hưởng chế độ TNLĐ nhận từ BHXH, newest first, each linked to its casualty
    /// (or unmatched). `labor_authority` and `admin`; reading is audited.
    list,
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
    params: Query<ReconciliationParams>,
) -> Result<HttpResponse, ApiError> {
    let (year, wait_days) = params.parse()?;
    let disease = DiseasePart {
        client: &client,
        upstreams: &upstreams,
        bearer: shared::http_client::bearer_of(&req),
    };
    let today = shared::time::today();
    let answer = reconciliation(&db, &user, disease, year, wait_days, today).await?;
    Ok(HttpResponse::Ok().json(answer.page(&params)?))
}
