//! The health-stats service: periodic health-check reports, occupational-disease (BNN)
//! cases, work-environment monitoring, and their statistics against the plan's
//! +5 %/year targets.

pub mod db;
pub mod domain;
pub mod openapi;
pub mod routes;
pub mod service;

use shared::server::ServiceDef;
use utoipa::OpenApi as _;

pub static SERVICE: ServiceDef = ServiceDef {
    name: "health-stats",
    title: "ATVSLD health statistics API",
    description: "Periodic health checks, occupational disease (bệnh nghề nghiệp) and work-environment monitoring (quan trắc môi trường lao động) — Cao Bằng, Kế hoạch 664/KH-UBND.",
    api_doc: openapi::ApiDoc::openapi,
    configure: routes::configure,
    on_event: Some(service::events::on_event),
    on_start: None,
    migrations: &db::MIGRATIONS,
    import: Some(service::health_import::run),
    fold_statistics: Some(service::counters::fold_counters),
    examples: include_str!("../../../openapi/examples/health-stats.json"),
};
