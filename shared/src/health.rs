//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::{HttpResponse, http::header, web};

use crate::db::Db;
use crate::error::ApiError;

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// How long readiness waits for a pooled connection: a pool that cannot hand one out
/// this soon is too busy to take more traffic.
const POOL_WAIT: Duration = Duration::from_secs(1);

/// Readiness: the pool hands out a connection promptly and the database answers.
/// Otherwise 503 `unavailable` with a `reason`, so that a load balancer sends traffic
/// elsewhere and an operator sees why.
pub async fn readyz(db: web::Data<Db>) -> HttpResponse {
    match db.ready(POOL_WAIT).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            let ctx = crate::context::current();
            let mut problem = serde_json::to_value(ApiError::Unavailable(String::new()).problem(
                ctx.lang,
                ctx.path.clone(),
                ctx.request_id,
            ))
            .unwrap_or_default();
            if let Some(fields) = problem.as_object_mut() {
                fields.insert("reason".into(), reason.into());
            }
            HttpResponse::ServiceUnavailable()
                .content_type("application/problem+json")
                .insert_header((header::RETRY_AFTER, "5"))
                .body(problem.to_string())
        }
    }
}
