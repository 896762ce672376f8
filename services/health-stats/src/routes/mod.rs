//! HTTP routes of the health-stats service, mounted under `/api/v1`.

pub mod bhxh;
pub mod code_lists;
pub mod disease_cases;
pub mod health_reports;
pub mod health_statistics;
pub mod monitoring;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    health_reports::configure(cfg);
    disease_cases::configure(cfg);
    health_statistics::configure(cfg);
    monitoring::configure(cfg);
    bhxh::configure(cfg);
    code_lists::configure(cfg);
}
