//! The incidents service: establishments, accidents (TNLĐ), their investigations,
//! periodic accident reports and statistics, and the BHXH exchange for accident cases.

pub mod access;
pub mod db;
pub mod domain;
pub mod dto;
pub mod openapi;
pub mod routes;
pub mod service;

use shared::server::ServiceDef;
use utoipa::OpenApi as _;

pub static SERVICE: ServiceDef = ServiceDef {
    name: "incidents",
    title: "ATVSLD incidents API",
    description: "Establishments, occupational accidents (tai nạn lao động) and their statistics — Cao Bằng, Kế hoạch 664/KH-UBND.",
    api_doc: openapi::ApiDoc::openapi,
    configure: routes::configure,
    on_event: None,
    on_start: Some(service::overdue::on_start),
    migrations: &db::MIGRATIONS,
    import: Some(service::establishments::import::run),
    fold_statistics: Some(service::statistics::fold_counters),
    examples: include_str!("../../../openapi/examples/incidents.json"),
};
