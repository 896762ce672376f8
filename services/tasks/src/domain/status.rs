//! Where a report and a task stand for a period.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The review state of a plan report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Received, waiting for Sở Nội vụ's review.
    Submitted,
    Accepted,
    /// Sent back with a comment; the agency resubmits.
    Returned,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "submitted",
            ReportStatus::Accepted => "accepted",
            ReportStatus::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<ReportStatus> {
        match text {
            "submitted" => Some(ReportStatus::Submitted),
            "accepted" => Some(ReportStatus::Accepted),
            "returned" => Some(ReportStatus::Returned),
            _ => None,
        }
    }
}

/// An agency's filing for a period, as compliance counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    OnTime,
    Late,
    /// Returned by Sở Nội vụ and not yet resubmitted.
    Returned,
    /// Due and not received.
    Missing,
    /// Not received, not yet due.
    NotYetDue,
}

/// Where one agency stands: a returned report stays `returned` until resubmitted,
/// whatever its timeliness.
pub fn filing_status(report: Option<(ReportStatus, bool)>, due_passed: bool) -> FilingStatus {
    match report {
        Some((ReportStatus::Returned, _)) => FilingStatus::Returned,
        Some((_, true)) => FilingStatus::OnTime,
        Some((_, false)) => FilingStatus::Late,
        None if due_passed => FilingStatus::Missing,
        None => FilingStatus::NotYetDue,
    }
}

/// Where a task stands for a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    // Ordered from best to worst: a task shows the worst of its agencies' states.
    /// Held only by agencies that send no plan report (Sở Nội vụ itself, the
    /// enterprises as a group): no report says where it stands.
    Untracked,
    Accepted,
    Submitted,
    /// Reported on as still under way.
    InProgress,
    /// Not reported on yet, not yet due.
    Assigned,
    Returned,
    /// Due and not reported on.
    Overdue,
}

/// One agency's part of a task: its report for the period (status, and whether it
/// reports the task as still under way), or none.
pub fn task_status_of(report: Option<(ReportStatus, bool)>, due_passed: bool) -> TaskStatus {
    match report {
        Some((ReportStatus::Returned, _)) => TaskStatus::Returned,
        Some((_, true)) => TaskStatus::InProgress,
        Some((ReportStatus::Accepted, false)) => TaskStatus::Accepted,
        Some((ReportStatus::Submitted, false)) => TaskStatus::Submitted,
        None if due_passed => TaskStatus::Overdue,
        None => TaskStatus::Assigned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_report_counts_as_returned_until_resubmitted() {
        assert_eq!(
            filing_status(Some((ReportStatus::Returned, true)), true),
            FilingStatus::Returned
        );
        assert_eq!(
            filing_status(Some((ReportStatus::Submitted, true)), true),
            FilingStatus::OnTime
        );
        assert_eq!(
            filing_status(Some((ReportStatus::Accepted, false)), true),
            FilingStatus::Late
        );
        assert_eq!(filing_status(None, true), FilingStatus::Missing);
        assert_eq!(filing_status(None, false), FilingStatus::NotYetDue);
    }

    #[test]
    fn a_task_shows_its_worst_agency() {
        let statuses = [
            task_status_of(Some((ReportStatus::Accepted, false)), true),
            task_status_of(None, true),
        ];
        assert_eq!(statuses.iter().max(), Some(&TaskStatus::Overdue));
        assert_eq!(task_status_of(None, false), TaskStatus::Assigned);
        assert_eq!(
            task_status_of(Some((ReportStatus::Submitted, true)), true),
            TaskStatus::InProgress
        );
    }
}
