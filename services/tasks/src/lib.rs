//! The tasks service: plan 664/KH-UBND as data (agencies, plans, targets, tasks and
//! their assignments), the agencies' 15 June / 15 December reports with review,
//! compliance, reminders, and the plan's KPIs read from the other services.

pub mod db;
pub mod domain;
pub mod openapi;
pub mod routes;
pub mod service;

use shared::server::ServiceDef;
use utoipa::OpenApi as _;

pub use db::MIGRATIONS;

pub static SERVICE: ServiceDef = ServiceDef {
    name: "tasks",
    title: "ATVSLD tasks API",
    description: "Plan 664/KH-UBND as data: targets and KPIs, tasks assigned to agencies, their 15 June / 15 December reports and compliance.",
    api_doc: openapi::ApiDoc::openapi,
    configure: routes::configure,
    // Plan 664 on an empty database, this year's deadlines, the reminders job.
    on_event: Some(service::events::on_event),
    on_start: Some(service::startup::on_start),
    migrations: &db::MIGRATIONS,
    import: None,
    fold_statistics: None,
    examples: include_str!("../../../openapi/examples/tasks.json"),
};
