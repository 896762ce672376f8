//! Use-cases of the tasks service: authorisation, one `Db::run` per unit of work,
//! and the calls to the other services (never inside a unit of work).

pub mod code_lists;
pub mod compliance;
pub mod consolidated;
pub mod drafts;
pub mod events;
pub mod kpis;
pub mod plan_reports;
pub mod plans;
pub mod reminders;
pub mod seed;

use shared::auth::{AuthUser, Role};
use shared::error::ApiError;

/// Whose records a caller reads: every agency's (`None`) or only its own.
pub(crate) fn agency_scope(user: &AuthUser, readers: &[Role]) -> Result<Option<String>, ApiError> {
    if user.has_any(&[Role::Admin, Role::LaborAuthority]) || user.has_any(readers) {
        Ok(None)
    } else if user.has(Role::Agency) {
        // An agency token without its agency code sees nothing rather than everything.
        user.org
            .clone()
            .filter(|o| !o.is_empty())
            .map(Some)
            .ok_or(ApiError::Forbidden)
    } else {
        Err(ApiError::Forbidden)
    }
}
