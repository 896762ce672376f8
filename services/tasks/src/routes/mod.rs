//! HTTP routes of the tasks service, mounted under `/api/v1`.

pub mod agencies;
pub mod compliance;
pub mod consolidated;
pub mod plan_reports;
pub mod plans;
pub mod reminders;
pub mod tasks;
pub mod xlsx;

/// The caller's bearer token, passed on to the other services: they decide what it
/// may read there.
pub(crate) fn bearer_of(req: &actix_web::HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    agencies::configure(cfg);
    plans::configure(cfg);
    tasks::configure(cfg);
    plan_reports::configure(cfg);
    compliance::configure(cfg);
    consolidated::configure(cfg);
    reminders::configure(cfg);
}
