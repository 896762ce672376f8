//! `/api/v1/jobs/{id}`: a bulk import running in the background, for its creator or an admin.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::jobs::{self, FAILED, ItemResult, JobRow, SUCCEEDED, Summary};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_job);
}

/// Rows done of the total.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobProgress {
    pub done: u64,
    pub total: u64,
}

/// A job (công việc chạy nền): its state, progress and, once it ends, its results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobResponse {
    pub id: String,
    /// What it imports, e.g. `establishments`, `health_exam_reports`.
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// A dry run validates every row and writes nothing.
    pub dry_run: bool,
    pub progress: JobProgress,
    /// Counts of the rows done so far.
    pub summary: Summary,
    /// Per-row results, in request order, once the job has ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<ItemResult>>,
    /// Why a failed job stopped; the rows counted in `progress` were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl JobResponse {
    pub fn of(row: &JobRow, results: Option<Vec<ItemResult>>) -> Self {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Self {
            id: row.id.clone(),
            kind: row.kind.clone(),
            status: row.status.clone(),
            dry_run: row.dry_run,
            progress: JobProgress {
                done: n(row.done),
                total: n(row.total),
            },
            summary: row.summary(),
            results,
            error: row.error.clone(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// Get a job
///
/// Tiến độ và kết quả của một lần nhập hàng loạt. Only the caller who started it, or an
/// admin, sees it; anyone else gets 404. Poll until `status` is `succeeded` or `failed`.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, description = "The job", body = JobResponse))
)]
#[get("/jobs/{id}")]
pub async fn get_job(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.to_string();
    let principal = user.principal();
    // Every job for a grant without condition (admin), the caller's own otherwise.
    let admin = crate::access::COMMON_POLICY
        .check("get_job", &user)?
        .condition
        != crate::access::Condition::OwnJobs;
    let job = db
        .run(move |conn| {
            let row = jobs::find(conn, &id)?
                .filter(|row| admin || row.created_by == principal)
                .ok_or(ApiError::NotFound { resource: "job" })?;
            let ended = row.status == SUCCEEDED || row.status == FAILED;
            let results = if ended {
                Some(jobs::results(conn, &id)?)
            } else {
                None
            };
            Ok::<_, ApiError>(JobResponse::of(&row, results))
        })
        .await?;
    Ok(HttpResponse::Ok().json(job))
}
