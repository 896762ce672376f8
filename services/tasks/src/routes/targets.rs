//! `/api/v1/plans/{id}/targets/{code}`: changing a plan's target, and its versions.

use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::extract::{Json, Query};
use shared::versioning::{self, IfMatch};
use utoipa::ToSchema;

use super::plans::TargetResponse;
use super::revisions::{self, RecordRevisionList};
use crate::domain::kpi::Direction;
use crate::service::editing::{self, TargetChange};
use shared::pagination::PageQuery;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(update_target).service(list_target_revisions);
}

/// A target as it should now be (its code and source name the figure its KPI reads,
/// so they stay), and why it changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "indicator": "Tỷ lệ tai nạn lao động chết người (tần suất trên 100.000 lao động)",
    "unit": "per_100000_workers",
    "direction": "decrease",
    "yearly_change_percent": 5,
    "baseline_year": 2024,
    "change_reason": "Điều chỉnh chỉ tiêu theo Kế hoạch năm 2026"
}))]
pub struct UpdateTargetRequest {
    pub indicator: String,
    pub unit: String,
    pub direction: Direction,
    /// At least this change a year, in percent (0–100), in `direction`.
    pub yearly_change_percent: i64,
    pub baseline_year: i32,
    /// Why (lý do thay đổi); required: without it the answer is 422
    /// `change_reason_required` at `/change_reason`.
    #[serde(default)]
    #[schema(example = "Điều chỉnh theo văn bản sửa đổi kế hoạch")]
    pub change_reason: String,
}

/// Update a target of a plan
///
/// Điều chỉnh chỉ tiêu: Sở Nội vụ (labor_authority) or admin. Send the `ETag` you read
/// (the target's `version`) in `If-Match` (412 when it is no longer current, 428
/// without it) and say why in `change_reason` (422 `change_reason_required` at
/// `/change_reason`). The earlier version stays readable under `/revisions`.
#[utoipa::path(
    tag = "plans",
    params(
        ("id" = String, Path, description = "Plan id"),
        ("code" = String, Path, description = "Target code"),
        IfMatch,
    ),
    request_body = UpdateTargetRequest,
    responses((status = 200, description = "Updated", body = TargetResponse,
        headers(("ETag" = String, description = "The new version"))))
)]
#[put("/plans/{id}/targets/{code}")]
pub async fn update_target(
    user: AuthUser,
    db: web::Data<Db>,
    path: web::Path<(uuid::Uuid, String)>,
    body: Json<UpdateTargetRequest>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, code) = path.into_inner();
    let b = body.body;
    let change = TargetChange {
        indicator: b.indicator,
        unit: b.unit,
        direction: b.direction,
        yearly_change_percent: b.yearly_change_percent,
        baseline_year: b.baseline_year,
        change_reason: b.change_reason,
    };
    let row =
        editing::update_target(&db, &user, plan_id.to_string(), code, expected, change).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(row.version)))
        .json(TargetResponse::try_from(&row)?))
}

/// Versions of a target
///
/// Lịch sử điều chỉnh chỉ tiêu: every version, newest first, with who changed it, when
/// and why, and the target as it was.
#[utoipa::path(
    tag = "plans",
    params(
        ("id" = String, Path, description = "Plan id"),
        ("code" = String, Path, description = "Target code"),
        PageQuery,
    ),
    responses((status = 200, description = "A page of versions, newest first", body = RecordRevisionList))
)]
#[get("/plans/{id}/targets/{code}/revisions")]
pub async fn list_target_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    path: web::Path<(uuid::Uuid, String)>,
    params: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, code) = path.into_inner();
    let rows = editing::target_revisions(&db, &user, plan_id.to_string(), code).await?;
    Ok(HttpResponse::Ok().json(revisions::page(rows, &params)?))
}
