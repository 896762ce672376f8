//! Who may see and change what in this service.

use shared::auth::{AuthUser, Role};
use shared::error::ApiError;

/// The establishments a caller may see records of: all, or only its own tax code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Own(String),
}

impl Scope {
    pub fn tax_code(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Own(t) => Some(t.as_str()),
        }
    }

    pub fn allows(&self, tax_code: &str) -> bool {
        self.tax_code().is_none_or(|own| own == tax_code)
    }
}

fn own(user: &AuthUser) -> Scope {
    let tax = user
        .org
        .as_deref()
        .and_then(|o| shared::validate::parse_tax_code(o).ok())
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    Scope::Own(tax)
}

/// Health reports: the authorities read all, an employer its own.
pub fn read_reports(user: &AuthUser) -> Result<Scope, ApiError> {
    if user.has_any(&[Role::Admin, Role::HealthAuthority, Role::LaborAuthority]) {
        Ok(Scope::All)
    } else if user.has(Role::Enterprise) {
        Ok(own(user))
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Health reports: filed by the employer itself, or by the health authority.
pub fn write_reports(user: &AuthUser) -> Result<Scope, ApiError> {
    if user.has_any(&[Role::Admin, Role::HealthAuthority]) {
        Ok(Scope::All)
    } else if user.has(Role::Enterprise) {
        Ok(own(user))
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Disease cases: health data, only to the health and labour authorities, admin, and
/// the worker's own employer.
pub fn read_cases(user: &AuthUser) -> Result<Scope, ApiError> {
    read_reports(user)
}

/// Disease cases are recorded by the health authority (from the diagnosing facilities).
pub fn write_cases(user: &AuthUser) -> Result<(), ApiError> {
    user.require_any(&[Role::Admin, Role::HealthAuthority])
}

/// Statistics: aggregates, for the authorities, agencies and viewers.
pub fn read_statistics(user: &AuthUser) -> Result<bool, ApiError> {
    user.require_any(&[
        Role::Admin,
        Role::LaborAuthority,
        Role::HealthAuthority,
        Role::Agency,
        Role::Viewer,
    ])?;
    // Viewers get small cells hidden.
    Ok(!user.has_any(&[
        Role::Admin,
        Role::LaborAuthority,
        Role::HealthAuthority,
        Role::Agency,
    ]))
}
