//! Use-cases of the tasks service: authorisation, one `Db::run` per unit of work,
//! and the calls to the other services (never inside a unit of work).

pub mod access;
pub mod code_lists;
pub mod compliance;
pub mod consolidated;
pub mod data_sets;
pub mod drafts;
pub mod editing;
pub mod events;
pub mod kpis;
pub mod plan_imports;
pub mod plan_reports;
pub mod plans;
pub mod reminders;
pub mod seed;
pub mod startup;

pub(crate) use access::agency_scope;
