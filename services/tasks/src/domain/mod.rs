//! Plain types and rules of the plan, without I/O: reporting deadlines and
//! timeliness, reminders, KPI arithmetic, task statuses, which live figures concern
//! which agency, who answers for a task when its agency closes, and the seed
//! file's shape.

pub mod data_set;
pub mod draft;
pub mod kpi;
pub mod schedule;
pub mod seed;
pub mod status;
pub mod succession;
