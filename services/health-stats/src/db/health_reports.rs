//! Repository functions for health-exam reports.

use std::collections::{BTreeSet, HashMap, HashSet};

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

/// Rows per multi-row statement: 14 columns × 1,000 stays under SQLite's 32,766 bound
/// variables (and PostgreSQL's 65,535).
const ROWS_PER_INSERT: usize = 1000;

/// The reports filed for any of `keys` (`(tax_code, period)`), by key: one query per
/// thousand tax codes, not one per key.
pub fn find_for_keys(
    conn: &mut DbConnection,
    keys: &[(String, String)],
) -> QueryResult<HashMap<(String, String), HealthReportRow>> {
    let wanted: HashSet<&(String, String)> = keys.iter().collect();
    let tax_codes: BTreeSet<&str> = keys.iter().map(|(t, _)| t.as_str()).collect();
    let periods: BTreeSet<&str> = keys.iter().map(|(_, p)| p.as_str()).collect();
    let tax_codes: Vec<&str> = tax_codes.into_iter().collect();
    let periods: Vec<&str> = periods.into_iter().collect();
    shared::db::planned_for_values(conn, |conn| {
        let mut found = HashMap::with_capacity(keys.len());
        for part in tax_codes.chunks(ROWS_PER_INSERT) {
            let rows: Vec<HealthReportRow> = r::table
                .filter(r::tax_code.eq_any(part))
                .filter(r::period.eq_any(&periods))
                .select(HealthReportRow::as_select())
                .load(conn)?;
            for row in rows {
                let key = (row.tax_code.clone(), row.period.clone());
                if wanted.contains(&key) {
                    found.insert(key, row);
                }
            }
        }
        Ok(found)
    })
}

/// Inserts many new reports in as few statements as the backend allows.
pub fn insert_many(conn: &mut DbConnection, rows: &[HealthReportRow]) -> QueryResult<()> {
    for part in rows.chunks(ROWS_PER_INSERT) {
        shared::per_backend!(conn, c => diesel::insert_into(r::table)
            .values(part)
            .execute(c))?;
    }
    Ok(())
}

/// The revision that records `row` (what `Filing::insert_revision` writes).
pub fn revision_of(row: &HealthReportRow, reason: &str) -> QueryResult<HealthReportRevisionRow> {
    Ok(HealthReportRevisionRow {
        report_id: row.id.clone(),
        version: row.version,
        received_at: row.received_at,
        submitted_by: row.submitted_by.clone(),
        change_reason: reason.to_owned(),
        snapshot: shared::filing::snapshot(row)?,
    })
}

/// Inserts many revisions in as few statements as the backend allows.
pub fn insert_revisions(
    conn: &mut DbConnection,
    revisions: &[HealthReportRevisionRow],
) -> QueryResult<()> {
    for part in revisions.chunks(ROWS_PER_INSERT) {
        shared::per_backend!(conn, c => diesel::insert_into(revisions_t::table)
            .values(part)
            .execute(c))?;
    }
    Ok(())
}
