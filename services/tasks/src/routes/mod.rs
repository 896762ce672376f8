//! HTTP routes of the tasks service, mounted under `/api/v1`.

pub mod agencies;
pub mod code_lists;
pub mod compliance;
pub mod consolidated;
pub mod data_sets;
pub mod plan_reports;
pub mod plans;
pub mod reminders;
pub mod revisions;
pub mod targets;
pub mod tasks;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    agencies::configure(cfg);
    plans::configure(cfg);
    tasks::configure(cfg);
    targets::configure(cfg);
    plan_reports::configure(cfg);
    compliance::configure(cfg);
    consolidated::configure(cfg);
    data_sets::configure(cfg);
    reminders::configure(cfg);
    code_lists::configure(cfg);
}
