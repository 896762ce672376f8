//! Repository functions for health-exam reports.

use diesel::prelude::*;
use shared::db::{DbBackend, DbConnection};
use shared::filing::Filing;

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

/// One report per establishment and period; the key is `(tax_code, period)`.
impl Filing for HealthReportRow {
    type Key = (String, String);
    const RECEIPT_KIND: &'static str = "health_exam_report";

    shared::filing_storage!(r, revisions_t, HealthReportRevisionRow);

    fn find_for(conn: &mut DbConnection, key: &Self::Key) -> QueryResult<Option<Self>> {
        let (tax_code, period) = key;
        r::table
            .filter(r::tax_code.eq(tax_code))
            .filter(r::period.eq(period))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// A bulk row that repeats the stored figures leaves the report alone (the
    /// establishment's details are kept current either way).
    fn same_content(stored: &Self, new: &Self) -> bool {
        stored.nil_report == new.nil_report && stored.figures == new.figures
    }
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(tax_code: Option<&str>, period: Option<&str>) -> r::BoxedQuery<'a, DbBackend> {
    let mut query = r::table.into_boxed::<DbBackend>();
    if let Some(t) = tax_code {
        query = query.filter(r::tax_code.eq(t.to_owned()));
    }
    if let Some(p) = period {
        query = query.filter(r::period.eq(p.to_owned()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(
    conn: &mut DbConnection,
    tax_code: Option<&str>,
    period: Option<&str>,
) -> QueryResult<i64> {
    filtered(tax_code, period).count().get_result(conn)
}

pub fn list(
    conn: &mut DbConnection,
    tax_code: Option<&str>,
    period: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<HealthReportRow>> {
    let mut query = filtered(tax_code, period);
    if let Some(b) = before {
        query = query.filter(r::id.lt(b.to_owned()));
    }
    query
        .order(r::id.desc())
        .limit(limit)
        .select(HealthReportRow::as_select())
        .load(conn)
}
