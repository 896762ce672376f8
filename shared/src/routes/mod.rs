//! The routes every service serves under `/api/v1` with the same shape, implemented
//! once here (api.md, "Paths and resources"): filing receipts and the audit trail.
//! [`crate::server`] mounts them beside each service's own routes.

pub mod audit;
pub mod receipts;

use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the shared routes; called inside the `/api/v1` scope.
pub fn configure(cfg: &mut ServiceConfig) {
    receipts::configure(cfg);
    audit::configure(cfg);
}

/// The tags of the shared routes, merged into every service's document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "receipts", description = "Biên nhận: checking the filing receipts that statutory submissions answer with."),
    (name = "audit", description = "Nhật ký truy cập dữ liệu cá nhân: the tamper-evident audit trail (admin only)."),
))]
pub struct SharedDoc;
