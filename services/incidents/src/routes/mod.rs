//! HTTP routes of the incidents service, mounted under `/api/v1`.

pub mod code_lists;
pub mod dto;
pub mod establishments;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    establishments::configure(cfg);
    code_lists::configure(cfg);
}
