//! Use-cases of the health-stats service: authorisation, then one unit of work each.

pub mod access;
pub mod bhxh;
pub mod counters;
pub mod disease_cases;
pub mod events;
pub mod health_import;
pub mod health_reports;
pub mod health_statistics;
pub mod monitoring;
pub mod reconciliation;
