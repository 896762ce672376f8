//! The routes every service serves under `/api/v1` with the same shape, implemented
//! once here (README.md, the resource tables): filing receipts, the audit trail, subscriptions and jobs.
//! [`crate::server`] mounts them beside each service's own routes.

pub mod audit;
pub mod internal;
pub mod jobs;
pub mod receipts;
pub mod subscriptions;
pub mod unmatched;

use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the shared routes; called inside the `/api/v1` scope.
pub fn configure(cfg: &mut ServiceConfig) {
    receipts::configure(cfg);
    audit::configure(cfg);
    subscriptions::configure(cfg);
    jobs::configure(cfg);
}

/// The tags of the shared routes, merged into every service's document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "receipts", description = "Biên nhận: checking the filing receipts that statutory submissions answer with."),
    (name = "subscriptions", description = "Đăng ký nhận sự kiện: webhooks for this service's events, their delivery log and replay (admin only)."),
    (name = "jobs", description = "Công việc chạy nền: progress and results of large bulk imports (their creator or an admin)."),
    (name = "internal", description = "Service-to-service event delivery, signed with a shared secret."),
    (name = "audit", description = "Nhật ký truy cập dữ liệu cá nhân: the tamper-evident audit trail (admin only)."),
))]
pub struct SharedDoc;
