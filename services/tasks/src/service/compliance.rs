//! Who has reported for a period (per agency) and where each task stands.

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection, parse_stored};
use shared::error::{ApiError, Text};
use shared::figures::ComplianceSummary;
use shared::period::Period;

use crate::db::models::{AgencyRow, AssignmentRow, PlanReportRow, TaskRow};
use crate::db::{agencies, plan_reports, plans};
use crate::domain::schedule;
use crate::domain::status::{self, FilingStatus, ReportStatus, TaskStatus};

/// The assignments of plan `plan_id` in force on `due_on`: who answered for each
/// task then. A closed agency's tasks are held by its successors from the day
/// after it closed (`succession::passed_on`), so for 2025 the district committees
/// answer for item 14 on 15 June and the commune committees on 15 December.
pub fn responsible_on(
    conn: &mut DbConnection,
    plan_id: &str,
    due_on: NaiveDate,
) -> Result<Vec<(AssignmentRow, AgencyRow)>, ApiError> {
    let all = agencies::all(conn)?;
    Ok(plans::plan_assignments(conn, plan_id)?
        .into_iter()
        .filter_map(|a| {
            let agency = all.iter().find(|g| g.code == a.agency_code)?.clone();
            a.in_force_on(&agency, due_on).then_some((a, agency))
        })
        .collect())
}

/// The tasks of plan `plan_id` that `agency` answered for on `due_on`, in plan
/// order, each with its assignment: what it reports on for that period.
pub fn tasks_held_on(
    conn: &mut DbConnection,
    plan_id: &str,
    agency: &str,
    due_on: NaiveDate,
) -> Result<Vec<(TaskRow, AssignmentRow)>, ApiError> {
    let held: Vec<AssignmentRow> = responsible_on(conn, plan_id, due_on)?
        .into_iter()
        .filter(|(a, _)| a.agency_code == agency)
        .map(|(a, _)| a)
        .collect();
    if held.is_empty() {
        return Ok(Vec::new());
    }
    Ok(plans::tasks(conn, Some(plan_id), Some(agency))?
        .into_iter()
        .filter_map(|t| {
            let a = held.iter().find(|a| a.task_id == t.id)?.clone();
            Some((t, a))
        })
        .collect())
}

/// The agencies expected to report for a deadline: those that report and answer
/// for a task of the plan on the due date.
pub fn expected_agencies(
    conn: &mut DbConnection,
    plan_id: &str,
    due_on: NaiveDate,
) -> Result<Vec<AgencyRow>, ApiError> {
    Ok(reporting(&responsible_on(conn, plan_id, due_on)?))
}

/// The agencies among `responsible` that send reports, once each, by code.
fn reporting(responsible: &[(AssignmentRow, AgencyRow)]) -> Vec<AgencyRow> {
    let mut out: Vec<AgencyRow> = Vec::new();
    for (_, agency) in responsible {
        if agency.reports && !out.iter().any(|a| a.code == agency.code) {
            out.push(agency.clone());
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
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
    /// Reports filed for the period by agencies not expected then (`UBND-XA`, all
    /// communes together, from before each commune reported on its own): shown,
    /// not counted.
    pub other_filings: Vec<AgencyEntry>,
}

impl Compliance {
    /// The counts and rates of the expected agencies (other filings are not counted).
    pub fn summary(&self) -> ComplianceSummary {
        let count = |s: FilingStatus| self.agencies.iter().filter(|e| e.status == s).count();
        ComplianceSummary::new(
            count(FilingStatus::OnTime),
            count(FilingStatus::Late),
            count(FilingStatus::Returned),
            count(FilingStatus::Missing),
            count(FilingStatus::NotYetDue),
        )
    }
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
        shared::db::transaction(conn, |conn| {
            let plan = match &plan_id {
                Some(id) => plans::find(conn, id)?,
                None => plans::all(conn)?.into_iter().last(),
            }
            .ok_or(ApiError::NotFound { resource: "plan" })?;
            let reports = plan_reports::all_for_period(conn, &plan.id, &period.to_string())?;
            let due_passed = today >= due_on;
            let report_of = |code: &str| reports.iter().find(|r| r.agency_code == code);
            // Every stored status is read here, so an unknown one fails the request
            // instead of counting as some other status.
            let statuses = reports
                .iter()
                .map(|r| {
                    let status =
                        parse_stored("plan_reports", "status", &r.status, ReportStatus::parse)?;
                    Ok((r.id.as_str(), status))
                })
                .collect::<Result<std::collections::HashMap<_, _>, ApiError>>()?;
            let state = |r: &PlanReportRow| Some((*statuses.get(r.id.as_str())?, r.on_time));
            let responsible = responsible_on(conn, &plan.id, due_on)?;
            let of_kind = |a: &AgencyRow| kind.as_deref().is_none_or(|k| a.kind == k);
            let agencies = reporting(&responsible)
                .into_iter()
                .filter(|a| of_kind(a))
                .map(|agency| {
                    let report = report_of(&agency.code).cloned();
                    AgencyEntry {
                        status: status::filing_status(report.as_ref().and_then(state), due_passed),
                        agency,
                        report,
                    }
                })
                .collect::<Vec<_>>();
            let expected: Vec<&str> = agencies.iter().map(|e| e.agency.code.as_str()).collect();
            let all_agencies = agencies::all(conn)?;
            let other_filings = reports
                .iter()
                .filter(|r| !expected.contains(&r.agency_code.as_str()))
                .filter_map(|r| {
                    let agency = all_agencies.iter().find(|a| a.code == r.agency_code)?;
                    of_kind(agency).then(|| AgencyEntry {
                        status: status::filing_status(state(r), due_passed),
                        agency: agency.clone(),
                        report: Some(r.clone()),
                    })
                })
                .collect();
            let tasks = plans::tasks(conn, Some(&plan.id), None)?
                .into_iter()
                .filter_map(|task| {
                    let holders: Vec<&AgencyRow> = responsible
                        .iter()
                        .filter(|(a, agency)| a.task_id == task.id && of_kind(agency))
                        .map(|(_, agency)| agency)
                        .collect();
                    // A task nobody (of the kind asked) answered for on the due date
                    // has no state for the period.
                    if holders.is_empty() {
                        return None;
                    }
                    let states: Vec<(String, TaskStatus)> = holders
                        .iter()
                        .filter(|agency| expected.contains(&agency.code.as_str()))
                        .map(|agency| {
                            let report = report_of(&agency.code).and_then(|r| {
                                Some((state(r)?.0, reports_in_progress(r, &task.id)))
                            });
                            (
                                agency.code.clone(),
                                status::task_status_of(report, due_passed),
                            )
                        })
                        .collect();
                    // Held only by agencies that send no report (Sở Nội vụ itself,
                    // the enterprises as a group): listed, as untracked.
                    let (status, states) = match states.iter().map(|(_, s)| *s).max() {
                        Some(worst) => (worst, states),
                        None => (
                            TaskStatus::Untracked,
                            holders
                                .iter()
                                .map(|a| (a.code.clone(), TaskStatus::Untracked))
                                .collect(),
                        ),
                    };
                    Some(TaskEntry {
                        task,
                        status,
                        agencies: states,
                    })
                })
                .collect();
            Ok::<_, ApiError>(Compliance {
                plan_id: plan.id,
                due_on,
                agencies,
                tasks,
                other_filings,
            })
        })
    })
    .await
}
