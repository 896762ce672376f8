//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};

use crate::db::Db;
use crate::error::ApiError;

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers too.
pub async fn readyz(db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    db.ping().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
