//! The health-stats service: periodic health-check reports, occupational-disease (BNN)
//! exams and cases, work-environment monitoring, and their statistics.
//!
//! Its resources arrive with their own issues; today it serves the operations
//! endpoints, its OpenAPI document and docs, on its own database.

pub mod openapi;

use shared::server::ServiceDef;
use utoipa::OpenApi as _;

pub const MIGRATIONS: shared::db::Migrations = shared::db::Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};

/// Routes under `/api/v1`.
pub fn configure(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}

pub static SERVICE: ServiceDef = ServiceDef {
    name: "health-stats",
    title: "ATVSLĐ health statistics API",
    description: "Periodic health checks, occupational disease (bệnh nghề nghiệp) and work-environment monitoring (quan trắc môi trường lao động) — Cao Bằng, Kế hoạch 664/KH-UBND.",
    api_doc: openapi::ApiDoc::openapi,
    configure,
    migrations: &MIGRATIONS,
};
