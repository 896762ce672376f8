//! Plain types and rules of the plan, without I/O: reporting deadlines and
//! timeliness, reminders, KPI arithmetic, task statuses, and the seed file's shape.

pub mod kpi;
pub mod schedule;
pub mod seed;
pub mod status;
