//! The revisions of the accidents' Phụ lục XIII quick reports.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::QuickReportRow;
use super::schema::quick_reports as q;

/// Every revision of the quick report of `accident_id`, newest first.
pub fn revisions(conn: &mut DbConnection, accident_id: &str) -> QueryResult<Vec<QuickReportRow>> {
    q::table
        .filter(q::accident_id.eq(accident_id))
        .order(q::revision.desc())
        .select(QuickReportRow::as_select())
        .load(conn)
}

/// The newest revision, if the accident has a quick report.
pub fn latest(conn: &mut DbConnection, accident_id: &str) -> QueryResult<Option<QuickReportRow>> {
    q::table
        .filter(q::accident_id.eq(accident_id))
        .order(q::revision.desc())
        .select(QuickReportRow::as_select())
        .first(conn)
        .optional()
}

/// Adds a revision; the key (accident, revision) refuses a second writer of one revision.
pub fn insert(conn: &mut DbConnection, row: &QuickReportRow) -> QueryResult<()> {
    diesel::insert_into(q::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
