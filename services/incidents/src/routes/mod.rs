//! HTTP routes of the incidents service, mounted under `/api/v1`.

pub mod accident_dto;
pub mod accident_reports;
pub mod accidents;
pub mod bhxh;
pub mod code_lists;
pub mod establishments;
pub mod establishments_import;
pub mod quick_report_document;
pub mod statistics;
pub mod statutory_document;
pub mod statutory_reports;
pub mod technical_incidents;

// The establishment bodies live outside the routes because the bulk import (a service)
// reads the same body per row.
pub use crate::dto;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    establishments_import::configure(cfg);
    establishments::configure(cfg);
    accidents::configure(cfg);
    accident_reports::configure(cfg);
    statistics::configure(cfg);
    statutory_reports::configure(cfg);
    code_lists::configure(cfg);
    bhxh::configure(cfg);
    technical_incidents::configure(cfg);
}
