//! Plan reports: an assigned agency files its six-month or annual report, Sở Nội vụ
//! (labor_authority) accepts it or returns it with a comment, the agency resubmits.
//! Every filing is a new revision with a filing receipt; timeliness is judged by the
//! server time of the first filing against the due date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Text};
use shared::filing::{self, Correction, Filed, Filing};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use shared::period::Period;
use shared::receipts::{self, Receipt};
use utoipa::ToSchema;

use crate::db::data_sets;
use crate::db::models::{PlanReportRevisionRow, PlanReportRow};
use crate::db::{plan_reports as repo, plans};
use crate::domain::data_set::{self, ReportedValue, ValueInput};
use crate::domain::schedule;
use crate::domain::status::ReportStatus;

pub const RECEIPT_KIND: &str = PlanReportRow::RECEIPT_KIND;

/// What an agency reports about one of its tasks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskNarrative {
    pub task_id: String,
    /// What was done in the period (kết quả thực hiện).
    pub text: String,
    #[serde(default)]
    pub progress: Progress,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    #[default]
    Done,
    InProgress,
}

/// A document the report refers to (stored elsewhere: the e-office system).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    /// Where it can be fetched: a document number or a URL.
    pub reference: String,
}

pub struct Submission {
    pub plan_id: String,
    pub agency: Option<String>,
    pub period: String,
    pub narrative: Vec<TaskNarrative>,
    pub figures: serde_json::Map<String, serde_json::Value>,
    pub attachments: Vec<Attachment>,
    /// Indicator values (the plan's data set), checked against it before storing.
    pub values: Vec<ValueInput>,
    pub change_reason: Option<String>,
}

pub struct ReportView {
    pub report: PlanReportRow,
    pub receipt: Option<Receipt>,
}

/// Makes the answer to store for replay; the route picks the status from [`Filed`].
pub type Render = fn(&ReportView, Filed) -> Result<StoredResponse, ApiError>;

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "plan report",
    }
}

fn field(pointer: impl Into<String>, code: &'static str, vi: &str, en: &str) -> FieldError {
    FieldError::body(pointer, code, Text::new(vi.to_owned(), en.to_owned()))
}

/// The agency a report is for: the caller's own, or the one an authority names.
fn reporting_agency(user: &AuthUser, named: Option<&String>) -> Result<String, ApiError> {
    match super::agency_scope("submit_plan_report", user)? {
        Some(own) if named.is_some_and(|a| *a != own) => Err(ApiError::Forbidden),
        Some(own) => Ok(own),
        None => named.cloned().ok_or_else(|| {
            ApiError::field(
                "/agency",
                "agency_required",
                Text::new(
                    "Nêu mã cơ quan báo cáo khi nộp thay.",
                    "Name the reporting agency when filing on its behalf.",
                ),
            )
        }),
    }
}

/// The checks of a report before any database work: its period and due date.
fn check(submission: &Submission) -> Result<(Period, NaiveDate), ApiError> {
    let mut errors = Vec::new();
    let period = Period::parse(&submission.period).filter(|p| schedule::is_reporting_period(*p));
    if period.is_none() {
        errors.push(field(
            "/period",
            "invalid_report_period",
            "Kỳ báo cáo là 6 tháng đầu năm (2025-H1) hoặc cả năm (2025).",
            "The reporting period is the first half (2025-H1) or the year (2025).",
        ));
    }
    for (i, n) in submission.narrative.iter().enumerate() {
        if n.text.trim().is_empty() {
            errors.push(field(
                format!("/narrative/{i}/text"),
                "required",
                "Cần nêu kết quả thực hiện nhiệm vụ.",
                "Say what was done.",
            ));
        }
    }
    period
        .and_then(|p| schedule::due_on(p).map(|d| (p, d)))
        .filter(|_| errors.is_empty())
        .ok_or_else(|| ApiError::validation(errors))
}

/// The plan exists, the agency reports only on tasks it held on the due date, and
/// its indicator values fit the plan's data set; returns the values to store.
fn check_assignment(
    conn: &mut DbConnection,
    submission: &Submission,
    agency: &str,
    period: Period,
    due_on: NaiveDate,
) -> Result<Vec<ReportedValue>, ApiError> {
    let Some(plan) = plans::find(conn, &submission.plan_id)? else {
        return Err(ApiError::field(
            "/plan_id",
            "unknown_plan",
            Text::new("Không có kế hoạch này.", "No such plan."),
        ));
    };
    // The tasks it answered for on the period's due date: a commune committee files
    // for 2025 the district committees' tasks it took over, and cannot file for
    // 2025-H1, before it existed.
    let own_tasks: Vec<String> =
        crate::service::compliance::tasks_held_on(conn, &submission.plan_id, agency, due_on)?
            .into_iter()
            .map(|(t, _)| t.id)
            .collect();
    if own_tasks.is_empty() {
        return Err(ApiError::field(
            "/agency",
            "not_assigned",
            Text::new(
                "Cơ quan này không được giao nhiệm vụ nào trong kế hoạch cho kỳ báo cáo này.",
                "This agency has no task in the plan for this period.",
            ),
        ));
    }
    let foreign: Vec<FieldError> = submission
        .narrative
        .iter()
        .enumerate()
        .filter(|(_, n)| !own_tasks.contains(&n.task_id))
        .map(|(i, _)| {
            field(
                format!("/narrative/{i}/task_id"),
                "task_not_assigned",
                "Nhiệm vụ này không được giao cho cơ quan.",
                "This task is not assigned to the agency.",
            )
        })
        .collect();
    if !foreign.is_empty() {
        return Err(ApiError::validation(foreign));
    }
    let data_set = data_sets::for_plan(conn, &plan.number)?;
    data_set::check_values(data_set.as_ref(), agency, period, &submission.values)
}

/// Files (or files again) an agency's report for a period.
#[tracing::instrument(skip_all)]
pub async fn submit(
    db: &Db,
    user: &AuthUser,
    submission: Submission,
    body_sha256: String,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    let agency = reporting_agency(user, submission.agency.as_ref())?;
    let (period, due_on) = check(&submission)?;
    let principal = user.principal();
    let narrative = serde_json::to_string(&submission.narrative).map_err(anyhow::Error::from)?;
    let figures = serde_json::to_string(&submission.figures).map_err(anyhow::Error::from)?;
    let attachments =
        serde_json::to_string(&submission.attachments).map_err(anyhow::Error::from)?;
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let values = check_assignment(conn, &submission, &agency, period, due_on)?;
            let values = serde_json::to_string(&values).map_err(anyhow::Error::from)?;
            let key = (
                submission.plan_id.clone(),
                agency.clone(),
                period.to_string(),
            );
            let request = filing::Request {
                principal: &principal,
                body_sha256: &body_sha256,
                change_reason: submission.change_reason.as_deref(),
                correction: Correction::NeedsReason,
                receipt: !dry_run,
            };
            let stored = filing::file(conn, &key, &request, |next| PlanReportRow {
                id: next.id,
                plan_id: submission.plan_id.clone(),
                agency_code: agency.clone(),
                period: period.to_string(),
                due_on,
                status: ReportStatus::Submitted.as_str().to_owned(),
                narrative: narrative.clone(),
                figures: figures.clone(),
                attachments: attachments.clone(),
                first_received_at: next.first_received_at,
                received_at: next.now,
                // A resubmission asked for by Sở Nội vụ does not make a report late.
                on_time: schedule::on_time(next.first_received_at, due_on),
                submitted_by: principal.clone(),
                review_comment: None,
                reviewed_by: None,
                reviewed_at: None,
                version: next.version,
                indicator_values: values.clone(),
            })?;
            render(
                &ReportView {
                    report: stored.row,
                    receipt: stored.receipt,
                },
                stored.filed,
            )
        })
    })
    .await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    /// Trả lại: back to the agency with a comment.
    Return,
}

/// Sở Nội vụ accepts or returns a submitted report (the version named by If-Match).
#[allow(clippy::too_many_arguments)]
pub async fn review(
    db: &Db,
    user: &AuthUser,
    id: String,
    expected_version: i64,
    decision: Decision,
    comment: Option<String>,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    super::access::check("review_plan_report", user)?;
    let comment = comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if decision == Decision::Return && comment.is_none() {
        return Err(ApiError::field(
            "/comment",
            "comment_required",
            Text::new(
                "Trả lại báo cáo phải kèm nhận xét (comment).",
                "Returning a report needs a comment.",
            ),
        ));
    }
    let principal = user.principal();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let old = repo::find(conn, &id, None)?.ok_or_else(not_found)?;
            shared::versioning::check_version(expected_version, old.version)?;
            if old.status != ReportStatus::Submitted.as_str() {
                return Err(ApiError::Conflict {
                    code: "not_awaiting_review",
                    detail: Text::new(
                        "Báo cáo này không ở trạng thái chờ xem xét.",
                        "This report is not awaiting review.",
                    ),
                });
            }
            let now = shared::db::now();
            let status = match decision {
                Decision::Accept => ReportStatus::Accepted,
                Decision::Return => ReportStatus::Returned,
            };
            let row = PlanReportRow {
                status: status.as_str().to_owned(),
                review_comment: comment.clone(),
                reviewed_by: Some(principal.clone()),
                reviewed_at: Some(now),
                version: old.version + 1,
                ..old.clone()
            };
            if !repo::update_if_version(conn, &row, old.version)? {
                return Err(ApiError::PreconditionFailed {
                    current_version: old.version + 1,
                });
            }
            repo::insert_revision(
                conn,
                &PlanReportRevisionRow {
                    report_id: row.id.clone(),
                    version: row.version,
                    changed_at: now,
                    changed_by: principal.clone(),
                    action: status.as_str().into(),
                    change_reason: comment.clone().unwrap_or_else(|| "Chấp nhận".into()),
                    snapshot: filing::snapshot(&row)?,
                },
            )?;
            let receipt = latest_receipt(conn, &row.id)?;
            // A review changes the report: 200 with its new version.
            render(
                &ReportView {
                    report: row,
                    receipt,
                },
                Filed::Updated,
            )
        })
    })
    .await
}

fn latest_receipt(conn: &mut DbConnection, id: &str) -> Result<Option<Receipt>, ApiError> {
    Ok(receipts::for_subject(conn, RECEIPT_KIND, id)?.pop())
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<ReportView, ApiError> {
    let scope = super::agency_scope("get_plan_report", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let report = repo::find(conn, &id, scope.as_deref())?.ok_or_else(not_found)?;
            let receipt = latest_receipt(conn, &report.id)?;
            Ok::<_, ApiError>(ReportView { report, receipt })
        })
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    agency: Option<String>,
    period: Option<String>,
    status: Option<ReportStatus>,
    page: Page,
) -> Result<Paged<PlanReportRow>, ApiError> {
    let scope = super::agency_scope("list_plan_reports", user)?;
    if scope.is_some() && agency.is_some() && agency != scope {
        return Ok(page.finish_counted(Vec::new(), page.count.then_some(0), |r| r.id.as_str()));
    }
    let agency = scope.or(agency);
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let (agency, period) = (agency.as_deref(), period.as_deref());
            let status = status.map(ReportStatus::as_str);
            let total = fetch.total(|| repo::count(conn, agency, period, status))?;
            let rows = repo::list(
                conn,
                agency,
                period,
                status,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            Ok::<_, diesel::result::Error>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}

pub async fn revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<PlanReportRevisionRow>, ApiError> {
    let scope = super::agency_scope("list_plan_report_revisions", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            repo::find(conn, &id, scope.as_deref())?.ok_or_else(not_found)?;
            Ok::<_, ApiError>(repo::revisions(conn, &id)?)
        })
    })
    .await
}
