//! Who has reported for a period (per agency) and where each task stands.

use chrono::NaiveDate;
use diesel::Connection;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, Text};
use shared::period::Period;

use crate::db::models::{AgencyRow, PlanReportRow, TaskRow};
use crate::db::{agencies, plan_reports, plans};
use crate::domain::schedule;
use crate::domain::status::{self, FilingStatus, ReportStatus, TaskStatus};

/// The agencies expected to report for a deadline: those that report, have a task
/// in the plan and exist on the due date; an agency closed by then (the district
/// committees after 1 July 2025) is replaced by its successor.
pub fn expected_agencies(
    conn: &mut DbConnection,
    plan_id: &str,
    due_on: NaiveDate,
) -> Result<Vec<AgencyRow>, ApiError> {
    let assigned: Vec<String> = plans::plan_assignments(conn, plan_id)?
        .into_iter()
        .map(|a| a.agency_code)
        .collect();
    let all = agencies::all(conn)?;
    let successors: Vec<String> = all
        .iter()
        .filter(|a| assigned.contains(&a.code) && !a.in_force_on(due_on))
        .filter_map(|a| a.successor_code.clone())
        .collect();
    Ok(all
        .into_iter()
        .filter(|a| a.reports && a.in_force_on(due_on))
        .filter(|a| assigned.contains(&a.code) || successors.contains(&a.code))
        .collect())
}

pub struct AgencyEntry {
    pub agency: AgencyRow,
    pub status: FilingStatus,
    pub report: Option<PlanReportRow>,
}

pub struct TaskEntry {
    pub task: TaskRow,
    pub status: TaskStatus,
    /// Each assigned agency's state.
    pub agencies: Vec<(String, TaskStatus)>,
}

pub struct Compliance {
    pub plan_id: String,
    pub due_on: NaiveDate,
    pub agencies: Vec<AgencyEntry>,
    pub tasks: Vec<TaskEntry>,
}

/// Whether a report says a task is still under way (`progress: "in_progress"` in
/// its narrative for that task).
fn reports_in_progress(report: &PlanReportRow, task_id: &str) -> bool {
    serde_json::from_str::<Vec<serde_json::Value>>(&report.narrative)
        .unwrap_or_default()
        .iter()
        .any(|n| {
            n.get("task_id").and_then(|v| v.as_str()) == Some(task_id)
                && n.get("progress").and_then(|v| v.as_str()) == Some("in_progress")
        })
}

/// Compliance of plan `plan_id` (the first plan when `None`) for `period`, on `today`.
pub async fn compliance(
    db: &Db,
    user: &AuthUser,
    plan_id: Option<String>,
    period: Period,
    kind: Option<String>,
    today: NaiveDate,
) -> Result<Compliance, ApiError> {
    super::access::check("get_compliance", user)?;
    let Some(due_on) = schedule::due_on(period) else {
        return Err(ApiError::bad_parameter(
            "period",
            "invalid_report_period",
            Text::new(
                "Kỳ báo cáo của Kế hoạch là 6 tháng đầu năm (2025-H1) hoặc cả năm (2025).",
                "The plan's reporting periods are the first half (2025-H1) and the year (2025).",
            ),
        ));
    };
    db.run(move |conn| {
        conn.transaction(|conn| {
            let plan = match &plan_id {
                Some(id) => plans::find(conn, id)?,
                None => plans::all(conn)?.into_iter().last(),
            }
            .ok_or(ApiError::NotFound { resource: "plan" })?;
            let reports = plan_reports::all_for_period(conn, &plan.id, &period.to_string())?;
            let due_passed = today >= due_on;
            let report_of = |code: &str| reports.iter().find(|r| r.agency_code == code);
            let state = |r: &PlanReportRow| {
                (
                    ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Submitted),
                    r.on_time,
                )
            };
            let agencies = expected_agencies(conn, &plan.id, due_on)?
                .into_iter()
                .filter(|a| kind.as_deref().is_none_or(|k| a.kind == k))
                .map(|agency| {
                    let report = report_of(&agency.code).cloned();
                    AgencyEntry {
                        status: status::filing_status(report.as_ref().map(state), due_passed),
                        agency,
                        report,
                    }
                })
                .collect::<Vec<_>>();
            let expected: Vec<&str> = agencies.iter().map(|e| e.agency.code.as_str()).collect();
            let tasks = plans::tasks(conn, Some(&plan.id), None)?;
            let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
            let assignments = plans::assignments_of(conn, &ids)?;
            let tasks = tasks
                .into_iter()
                .filter_map(|task| {
                    let states: Vec<(String, TaskStatus)> = assignments
                        .iter()
                        .filter(|a| {
                            a.task_id == task.id && expected.contains(&a.agency_code.as_str())
                        })
                        .map(|a| {
                            let report = report_of(&a.agency_code)
                                .map(|r| (state(r).0, reports_in_progress(r, &task.id)));
                            (
                                a.agency_code.clone(),
                                status::task_status_of(report, due_passed),
                            )
                        })
                        .collect();
                    // A task none of whose agencies reports (or passes the filter) has no state.
                    let worst = states.iter().map(|(_, s)| *s).max()?;
                    Some(TaskEntry {
                        task,
                        status: worst,
                        agencies: states,
                    })
                })
                .collect();
            Ok::<_, ApiError>(Compliance {
                plan_id: plan.id,
                due_on,
                agencies,
                tasks,
            })
        })
    })
    .await
}
