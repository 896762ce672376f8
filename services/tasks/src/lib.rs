//! The tasks service: the plan, its targets and KPIs, tasks assigned to agencies,
//! their 15 June / 15 December reports, compliance and reminders.
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
    name: "tasks",
    title: "ATVSLĐ tasks API",
    description: "Plan 664/KH-UBND as data: targets and KPIs, tasks assigned to agencies, their 15 June / 15 December reports and compliance.",
    api_doc: openapi::ApiDoc::openapi,
    configure,
    on_start: None,
    migrations: &MIGRATIONS,
};
