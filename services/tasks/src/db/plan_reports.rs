//! Repository functions for plan reports and their revisions.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::{PlanReportRevisionRow, PlanReportRow};
use super::schema::{plan_report_revisions, plan_reports};

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

/// Reports newest first; `before` pages by id.
pub fn list(
    conn: &mut DbConnection,
    agency: Option<&str>,
    period: Option<&str>,
    status: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PlanReportRow>> {
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
