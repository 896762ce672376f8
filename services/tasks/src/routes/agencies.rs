//! `/api/v1/agencies`: the agencies the plan assigns, with their validity.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::versioning::{self, IfMatch};
use utoipa::{IntoParams, ToSchema};

use super::revisions::{self, RecordRevisionList};
use shared::pagination::PageQuery;

use crate::domain::seed::AgencyKind;
use crate::service::editing::{self, AgencyChange};
use crate::service::plans::{self as service, AgencyView};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_agencies)
        .service(create_agency)
        .service(get_agency)
        .service(update_agency)
        .service(list_agency_revisions);
}

/// An agency (cơ quan, đơn vị).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyResponse {
    #[schema(example = "SYT")]
    pub code: String,
    #[schema(example = "Sở Y tế")]
    pub name: String,
    pub kind: AgencyKind,
    /// Whether it sends the plan's six-month and annual reports to Sở Nội vụ.
    pub reports: bool,
    pub valid_from: NaiveDate,
    /// Last day in existence; `null` while it exists.
    pub valid_to: Option<NaiveDate>,
    /// The agency that took over its tasks, as the plan's readers know it
    /// (`UBND-XA`, all communes and wards, for the district committees).
    pub successor_code: Option<String>,
    /// The agencies its open tasks pass to when it closes, from the day after its
    /// `valid_to`: for a district committee, the committees of the communes that
    /// took over its communes (`UBND-XA-<commune code>`); else `successor_code`.
    pub successors: Vec<String>,
    /// The record's version (its `ETag`), sent back in `If-Match` to change it.
    pub version: i64,
}

impl TryFrom<&AgencyView> for AgencyResponse {
    type Error = ApiError;

    fn try_from(v: &AgencyView) -> Result<Self, ApiError> {
        let r = &v.agency;
        Ok(Self {
            successors: v.successors.clone(),
            code: r.code.clone(),
            name: r.name.clone(),
            kind: parse_stored("agencies", "kind", &r.kind, AgencyKind::parse)?,
            reports: r.reports,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            successor_code: r.successor_code.clone(),
            version: r.version,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyList {
    pub items: Vec<AgencyResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAgenciesParams {
    pub kind: Option<AgencyKind>,
    /// Agencies a page (1–500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "SGDDT", "name": "Sở Giáo dục và Đào tạo", "kind": "department", "valid_from": "2025-03-01"}))]
pub struct CreateAgencyRequest {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    #[serde(default = "default_true")]
    pub reports: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
}

/// An agency as it should now be: every field it keeps (its code never changes) and
/// why it changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Sở Giáo dục và Đào tạo", "kind": "department", "reports": true, "valid_from": "2025-03-01", "change_reason": "Sửa tên theo quyết định thành lập"}))]
pub struct UpdateAgencyRequest {
    pub name: String,
    pub kind: AgencyKind,
    pub reports: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
    /// Why (lý do thay đổi); required: without it the answer is 422
    /// `change_reason_required` at `/change_reason`.
    #[serde(default)]
    #[schema(example = "Điều chỉnh theo văn bản sửa đổi kế hoạch")]
    pub change_reason: String,
}

fn default_true() -> bool {
    true
}

fn render(view: &AgencyView) -> Result<StoredResponse, ApiError> {
    Ok(
        StoredResponse::new(StatusCode::CREATED, &AgencyResponse::try_from(view)?)?
            .with_location(format!("/api/v1/agencies/{}", view.agency.code)),
    )
}

/// List agencies
///
/// Every agency the plan names, including those that no longer exist (the district
/// committees, closed on 30 June 2025, with their successors), and the committees of
/// the 56 communes and wards in force since 1 July 2025 (`UBND-XA-<commune code>`).
#[utoipa::path(
    tag = "agencies",
    params(ListAgenciesParams),
    responses((status = 200, description = "The agencies", body = AgencyList))
)]
#[get("/agencies")]
pub async fn list_agencies(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListAgenciesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let rows = service::list_agencies(&db, &user, params.kind).await?;
    let total = shared::pagination::total_of(params.total, &rows);
    let (rows, next_cursor) =
        shared::pagination::page_read_whole(rows, params.limit, params.cursor.as_deref(), |r| {
            r.agency.code.as_str()
        })?;
    Ok(HttpResponse::Ok().json(AgencyList {
        items: rows
            .iter()
            .map(AgencyResponse::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor,
        total,
    }))
}

/// Get an agency
///
/// Một cơ quan, đơn vị: its name, kind, whether it reports on the plan, and its validity
/// (a district committee closed in 2025 names the commune committees that succeeded it).
#[utoipa::path(
    tag = "agencies",
    params(("code" = String, Path, description = "Agency code")),
    responses((status = 200, description = "The agency", body = AgencyResponse))
)]
#[get("/agencies/{code}")]
pub async fn get_agency(
    user: AuthUser,
    db: web::Data<Db>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get_agency(&db, &user, code.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.agency.version)))
        .json(AgencyResponse::try_from(&view)?))
}

/// Register an agency
///
/// Sở Nội vụ (labor_authority) or admin.
#[utoipa::path(
    tag = "agencies",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreateAgencyRequest,
    responses((status = 201, description = "Registered", body = AgencyResponse))
)]
#[post("/agencies")]
pub async fn create_agency(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<CreateAgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let new = service::NewAgency {
        code: b.code.trim().to_owned(),
        name: b.name,
        kind: b.kind,
        reports: b.reports,
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        successor_code: b.successor_code,
    };
    let outcome =
        service::create_agency(&db, &user, new, idempotent, params.dry_run, render).await?;
    Ok(outcome.into_response())
}

/// Update an agency
///
/// Cập nhật cơ quan, đơn vị: Sở Nội vụ (labor_authority) or admin. Send the `ETag` you
/// read in `If-Match` (412 when it is no longer current, 428 without it) and say why in
/// `change_reason` (422 `change_reason_required` at `/change_reason`). The earlier
/// version stays readable under `/revisions`. Closing an agency (`valid_to`) passes its
/// open tasks on to its successor, as for a seeded one.
#[utoipa::path(
    tag = "agencies",
    params(("code" = String, Path, description = "Agency code"), IfMatch),
    request_body = UpdateAgencyRequest,
    responses((status = 200, description = "Updated", body = AgencyResponse,
        headers(("ETag" = String, description = "The new version"))))
)]
#[put("/agencies/{code}")]
pub async fn update_agency(
    user: AuthUser,
    db: web::Data<Db>,
    code: web::Path<String>,
    body: Json<UpdateAgencyRequest>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let b = body.body;
    let change = AgencyChange {
        name: b.name,
        kind: b.kind,
        reports: b.reports,
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        successor_code: b.successor_code,
        change_reason: b.change_reason,
    };
    let view = editing::update_agency(&db, &user, code.into_inner(), expected, change).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.agency.version)))
        .json(AgencyResponse::try_from(&view)?))
}

/// Versions of an agency
///
/// Lịch sử thay đổi: every version, newest first, with who changed it, when and why,
/// and the agency as it was.
#[utoipa::path(
    tag = "agencies",
    params(("code" = String, Path, description = "Agency code"), PageQuery),
    responses((status = 200, description = "A page of versions, newest first", body = RecordRevisionList))
)]
#[get("/agencies/{code}/revisions")]
pub async fn list_agency_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    code: web::Path<String>,
    params: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = editing::agency_revisions(&db, &user, code.into_inner()).await?;
    Ok(HttpResponse::Ok().json(revisions::page(rows, &params)?))
}
