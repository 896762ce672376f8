//! Repository functions for health-exam reports.

use diesel::prelude::*;
use shared::db::{DbBackend, DbConnection};

use super::models::{HealthReportRevisionRow, HealthReportRow};
use super::schema::{health_exam_report_revisions as revisions_t, health_exam_reports as r};

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    tax_code: Option<&str>,
) -> QueryResult<Option<HealthReportRow>> {
    let mut query = r::table
        .filter(r::id.eq(id.to_owned()))
        .into_boxed::<DbBackend>();
    if let Some(t) = tax_code {
        query = query.filter(r::tax_code.eq(t.to_owned()));
    }
    query
        .select(HealthReportRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for(
    conn: &mut DbConnection,
    tax_code: &str,
    period: &str,
) -> QueryResult<Option<HealthReportRow>> {
    r::table
        .filter(r::tax_code.eq(tax_code))
        .filter(r::period.eq(period))
        .select(HealthReportRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &HealthReportRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_if_version(
    conn: &mut DbConnection,
    row: &HealthReportRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        r::table
            .filter(r::id.eq(&row.id))
            .filter(r::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_revision(conn: &mut DbConnection, row: &HealthReportRevisionRow) -> QueryResult<()> {
    diesel::insert_into(revisions_t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn list(
    conn: &mut DbConnection,
    tax_code: Option<&str>,
    period: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<HealthReportRow>> {
    let mut query = r::table.into_boxed::<DbBackend>();
    if let Some(t) = tax_code {
        query = query.filter(r::tax_code.eq(t.to_owned()));
    }
    if let Some(p) = period {
        query = query.filter(r::period.eq(p.to_owned()));
    }
    if let Some(b) = before {
        query = query.filter(r::id.lt(b.to_owned()));
    }
    query
        .order(r::id.desc())
        .limit(limit)
        .select(HealthReportRow::as_select())
        .load(conn)
}
