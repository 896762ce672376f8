//! Use-cases of the incidents service: authorisation, then one unit of work each.

pub mod accident_reports;
pub mod accidents;
pub mod bhxh;
pub mod establishments;
pub mod overdue;
pub mod reconciliation;
pub mod statistics;
pub mod technical_incidents;
