//! `/api/v1/occupational-disease-cases`: the case registry. Health data: every read and
//! write is audited, and only the authorities and the worker's employer see a case.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::Page;
use shared::versioning::{self, IfMatch};
use utoipa::{IntoParams, ToSchema};

use crate::db::models::DiseaseCaseRow;
use crate::domain::disease_case::{CaseStatus, NewCase};
use crate::service::disease_cases::{self as service, Assessment};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(record_disease_case)
        .service(list_disease_cases)
        .service(get_disease_case)
        .service(assess_disease_case);
}

/// An occupational-disease case (trường hợp bệnh nghề nghiệp).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseCaseResponse {
    pub id: String,
    pub personal_id: String,
    pub full_name: String,
    pub gender: String,
    pub birth_date: Option<NaiveDate>,
    pub tax_code: String,
    pub disease_code: String,
    pub disease_name: Option<String>,
    pub exposure_factor: Option<String>,
    pub diagnosed_on: NaiveDate,
    pub diagnosis_facility: String,
    pub capacity_loss_percent: Option<i64>,
    pub assessed_on: Option<NaiveDate>,
    pub status: CaseStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<&DiseaseCaseRow> for DiseaseCaseResponse {
    type Error = ApiError;

    fn try_from(r: &DiseaseCaseRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: r.id.clone(),
            personal_id: r.personal_id.clone(),
            full_name: r.full_name.clone(),
            gender: r.gender.clone(),
            birth_date: r.birth_date,
            tax_code: r.tax_code.clone(),
            disease_code: r.disease_code.clone(),
            disease_name: shared::refdata::occupational_disease(&r.disease_code)
                .map(|d| d.name_vi.clone()),
            exposure_factor: r.exposure_factor.clone(),
            diagnosed_on: r.diagnosed_on,
            diagnosis_facility: r.diagnosis_facility.clone(),
            capacity_loss_percent: r.capacity_loss_percent,
            assessed_on: r.assessed_on,
            status: parse_stored("disease_cases", "status", &r.status, CaseStatus::parse)?,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiseaseCaseList {
    pub items: Vec<DiseaseCaseResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCasesParams {
    pub disease_code: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// The assessment and status of a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "assessed", "capacity_loss_percent": 31, "assessed_on": "2026-06-20", "change_reason": "Biên bản giám định y khoa số 45/GĐYK"}))]
pub struct AssessCaseRequest {
    pub status: CaseStatus,
    pub capacity_loss_percent: Option<u8>,
    pub assessed_on: Option<NaiveDate>,
    pub change_reason: String,
}

impl From<AssessCaseRequest> for Assessment {
    fn from(b: AssessCaseRequest) -> Self {
        Assessment {
            status: b.status,
            capacity_loss_percent: b.capacity_loss_percent,
            assessed_on: b.assessed_on,
            change_reason: b.change_reason,
        }
    }
}

fn render(row: &DiseaseCaseRow, created: bool) -> Result<StoredResponse, ApiError> {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(
        StoredResponse::new(status, &DiseaseCaseResponse::try_from(row)?)?
            .with_location(format!("/api/v1/occupational-disease-cases/{}", row.id))
            .with_etag(versioning::etag(row.version)),
    )
}

/// Record an occupational-disease case
///
/// Ghi nhận trường hợp bệnh nghề nghiệp (health authority). The same person and disease
/// is one case: recording it again is 409 `duplicate_case`, naming the existing case.
#[utoipa::path(
    tag = "occupational-disease-cases",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = NewCase,
    responses((status = 201, description = "Recorded", body = DiseaseCaseResponse), (status = 200, description = "Dry run", body = DiseaseCaseResponse))
)]
#[post("/occupational-disease-cases")]
pub async fn record_disease_case(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<NewCase>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let outcome =
        service::record(&db, &user, body.body, idempotent, params.dry_run, render).await?;
    Ok(outcome.into_response())
}

/// List occupational-disease cases
///
/// The authorities see every case, an employer its own workers'; every listed case is audited.
#[utoipa::path(
    tag = "occupational-disease-cases",
    params(ListCasesParams),
    responses((status = 200, description = "A page of cases", body = DiseaseCaseList))
)]
#[get("/occupational-disease-cases")]
pub async fn list_disease_cases(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListCasesParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    let (rows, next_cursor, total) = service::list(&db, &user, p.disease_code, page)
        .await?
        .into_parts();
    Ok(HttpResponse::Ok().json(DiseaseCaseList {
        items: rows
            .iter()
            .map(DiseaseCaseResponse::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor,
        total,
    }))
}

/// Get an occupational-disease case
///
/// Một ca bệnh nghề nghiệp: the worker, the disease (BNN code), diagnosis and assessment.
/// Health data (Nghị định 13/2023): the authorities and the worker's own employer only;
/// every read is audited. A case the caller may not see answers 404, as if absent.
#[utoipa::path(
    tag = "occupational-disease-cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = DiseaseCaseResponse))
)]
#[get("/occupational-disease-cases/{id}")]
pub async fn get_disease_case(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(row.version)))
        .json(DiseaseCaseResponse::try_from(&row)?))
}

/// Assess a case
///
/// Cập nhật giám định: the assessed loss of working capacity and the status, with
/// `If-Match` and a reason.
#[utoipa::path(
    tag = "occupational-disease-cases",
    params(("id" = String, Path, description = "Case id"), IfMatch),
    request_body = AssessCaseRequest,
    responses((status = 200, description = "Updated", body = DiseaseCaseResponse))
)]
#[put("/occupational-disease-cases/{id}")]
pub async fn assess_disease_case(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<AssessCaseRequest>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let row = service::assess(&db, &user, id.to_string(), version, body.body.into()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(row.version)))
        .json(DiseaseCaseResponse::try_from(&row)?))
}
