//! Use-cases of the incidents service: authorisation, then one unit of work each.

pub mod accident_reports;
pub mod accidents;
pub mod bhxh;
pub mod establishments;
pub mod overdue;
pub mod quick_reports;
pub mod reconciliation;
pub mod statistics;
pub mod statutory_reports;
pub mod technical_incidents;

/// The record a change is for, at which version, and the operation (of the access
/// table) it is.
pub(crate) struct Target {
    pub operation: &'static str,
    pub id: String,
    pub expected_version: i64,
}

impl Target {
    pub(crate) fn new(operation: &'static str, id: String, expected_version: i64) -> Self {
        Self {
            operation,
            id,
            expected_version,
        }
    }
}
