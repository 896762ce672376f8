//! The rules of the incidents service: plain types and checks, no I/O.

pub mod accident;
pub mod accident_report;
pub mod bhxh;
pub mod declaration;
pub mod establishment;
pub mod identity;
pub mod investigation;
pub mod quick_report;
pub mod statistics;
pub mod statutory_report;
pub mod technical_incident;
