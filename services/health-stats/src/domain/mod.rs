//! The rules of the health-stats service: plain types and checks, no I/O.

pub mod bhxh;
pub mod disease_case;
pub mod establishment;
pub mod health_report;
pub mod health_statistics;
pub mod monitoring;
