//! Repository functions for plan reports and their revisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::db::DbConnection;
use shared::filing::{self, Filing};

use super::models::{PlanReportRevisionRow, PlanReportRow};
use super::schema::{plan_report_revisions, plan_reports};
use crate::domain::status::ReportStatus;

/// One report per plan, agency and period; the key is `(plan_id, agency, period)`.
/// Filing again replaces the report with a new version awaiting review.
impl Filing for PlanReportRow {
    type Key = (String, String, String);
    const RECEIPT_KIND: &'static str = "plan_report";

    fn id(&self) -> &str {
        &self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    fn first_received_at(&self) -> NaiveDateTime {
        self.first_received_at
    }

    fn find_for(conn: &mut DbConnection, key: &Self::Key) -> QueryResult<Option<Self>> {
        let (plan_id, agency, period) = key;
        find_for(conn, plan_id, agency, period)
    }

    fn insert(&self, conn: &mut DbConnection) -> QueryResult<()> {
        insert(conn, self)
    }

    fn update_if_version(&self, conn: &mut DbConnection, expected: i64) -> QueryResult<bool> {
        update_if_version(conn, self, expected)
    }

    fn insert_revision(
        &self,
        conn: &mut DbConnection,
        previous: Option<&Self>,
        reason: &str,
    ) -> QueryResult<()> {
        insert_revision(
            conn,
            &PlanReportRevisionRow {
                report_id: self.id.clone(),
                version: self.version,
                changed_at: self.received_at,
                changed_by: self.submitted_by.clone(),
                action: if previous.is_some() {
                    "resubmit"
                } else {
                    "submit"
                }
                .into(),
                change_reason: reason.to_owned(),
                snapshot: filing::snapshot(self)?,
            },
        )
    }

    /// Sở Nội vụ's verdict is on what it accepted: changing that needs a reason. A
    /// report awaiting review, or returned to be filed again, is simply replaced.
    fn needs_reason(existing: &Self) -> bool {
        existing.status == ReportStatus::Accepted.as_str()
    }

    fn default_reason(previous: Option<&Self>) -> &'static str {
        match previous.map(|p| p.status.as_str()) {
            None => "Nộp lần đầu",
            Some("returned") => "Nộp lại sau khi bị trả lại",
            Some(_) => "Nộp bản sửa đổi",
        }
    }
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    agency: Option<&str>,
) -> QueryResult<Option<PlanReportRow>> {
    let mut query = plan_reports::table
        .filter(plan_reports::id.eq(id.to_owned()))
        .into_boxed();
    if let Some(a) = agency {
        query = query.filter(plan_reports::agency_code.eq(a.to_owned()));
    }
    query
        .select(PlanReportRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for(
    conn: &mut DbConnection,
    plan_id: &str,
    agency: &str,
    period: &str,
) -> QueryResult<Option<PlanReportRow>> {
    plan_reports::table
        .filter(plan_reports::plan_id.eq(plan_id))
        .filter(plan_reports::agency_code.eq(agency))
        .filter(plan_reports::period.eq(period))
        .select(PlanReportRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &PlanReportRow) -> QueryResult<()> {
    diesel::insert_into(plan_reports::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Replaces the report if it is still at `expected`; false when someone was first.
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &PlanReportRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        plan_reports::table
            .filter(plan_reports::id.eq(&row.id))
            .filter(plan_reports::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_revision(conn: &mut DbConnection, row: &PlanReportRevisionRow) -> QueryResult<()> {
    diesel::insert_into(plan_report_revisions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn revisions(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<PlanReportRevisionRow>> {
    plan_report_revisions::table
        .filter(plan_report_revisions::report_id.eq(id))
        .order(plan_report_revisions::version.desc())
        .select(PlanReportRevisionRow::as_select())
        .load(conn)
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(
    agency: Option<&str>,
    period: Option<&str>,
    status: Option<&str>,
) -> plan_reports::BoxedQuery<'a, shared::db::DbBackend> {
    let mut query = plan_reports::table.into_boxed();
    if let Some(a) = agency {
        query = query.filter(plan_reports::agency_code.eq(a.to_owned()));
    }
    if let Some(p) = period {
        query = query.filter(plan_reports::period.eq(p.to_owned()));
    }
    if let Some(s) = status {
        query = query.filter(plan_reports::status.eq(s.to_owned()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(
    conn: &mut DbConnection,
    agency: Option<&str>,
    period: Option<&str>,
    status: Option<&str>,
) -> QueryResult<i64> {
    filtered(agency, period, status).count().get_result(conn)
}

/// Reports newest first; `before` pages by id.
pub fn list(
    conn: &mut DbConnection,
    agency: Option<&str>,
    period: Option<&str>,
    status: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PlanReportRow>> {
    let mut query = filtered(agency, period, status);
    if let Some(b) = before {
        query = query.filter(plan_reports::id.lt(b.to_owned()));
    }
    query
        .order(plan_reports::id.desc())
        .limit(limit)
        .select(PlanReportRow::as_select())
        .load(conn)
}

pub fn all_for_period(
    conn: &mut DbConnection,
    plan_id: &str,
    period: &str,
) -> QueryResult<Vec<PlanReportRow>> {
    plan_reports::table
        .filter(plan_reports::plan_id.eq(plan_id))
        .filter(plan_reports::period.eq(period))
        .select(PlanReportRow::as_select())
        .load(conn)
}
