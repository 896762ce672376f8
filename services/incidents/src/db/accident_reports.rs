//! Repository functions for periodic accident reports.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::access::Scope;
use shared::db::{DbBackend, DbConnection};
use shared::filing::Filing;

use super::models::{AccidentReportRevisionRow, AccidentReportRow};
use super::schema::{
    accident_report_revisions, accident_reports, accidents, casualties, establishments,
};

type Boxed<'a> = accident_reports::BoxedQuery<'a, DbBackend>;

/// The reports within `scope`: an employer's of its establishment, a commune's own
/// commune reports.
fn restrict<'a>(query: Boxed<'a>, scope: &Scope) -> Boxed<'a> {
    match scope {
        Scope::All => query,
        Scope::TaxCode(tax_code) => query.filter(
            accident_reports::establishment_id.eq_any(
                establishments::table
                    .filter(establishments::tax_code.eq(tax_code.clone()))
                    .select(establishments::id.nullable()),
            ),
        ),
        Scope::Commune(code) => query
            .filter(accident_reports::kind.eq("commune"))
            .filter(accident_reports::reporter.eq(code.clone())),
        // No accident report belongs to an agency.
        Scope::Agency(_) => query.filter(accident_reports::id.eq("")),
    }
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    visibility: &Scope,
) -> QueryResult<Option<AccidentReportRow>> {
    restrict(
        accident_reports::table
            .filter(accident_reports::id.eq(id.to_owned()))
            .into_boxed(),
        visibility,
    )
    .select(AccidentReportRow::as_select())
    .first(conn)
    .optional()
}

/// One report per kind, period and reporter (establishment id or commune code);
/// the key is `(kind, period, reporter)`.
impl Filing for AccidentReportRow {
    type Key = (String, String, String);
    const RECEIPT_KIND: &'static str = "accident_report";

    shared::filing_storage!(
        accident_reports,
        accident_report_revisions,
        AccidentReportRevisionRow
    );

    fn find_for(conn: &mut DbConnection, key: &Self::Key) -> QueryResult<Option<Self>> {
        let (kind, period, reporter) = key;
        accident_reports::table
            .filter(accident_reports::kind.eq(kind))
            .filter(accident_reports::period.eq(period))
            .filter(accident_reports::reporter.eq(reporter))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }
}

pub fn revisions(
    conn: &mut DbConnection,
    report_id: &str,
) -> QueryResult<Vec<AccidentReportRevisionRow>> {
    accident_report_revisions::table
        .filter(accident_report_revisions::report_id.eq(report_id))
        .order(accident_report_revisions::version.desc())
        .select(AccidentReportRevisionRow::as_select())
        .load(conn)
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(visibility: &Scope, period: Option<&str>, kind: Option<&str>) -> Boxed<'a> {
    let mut query = restrict(accident_reports::table.into_boxed(), visibility);
    if let Some(p) = period {
        query = query.filter(accident_reports::period.eq(p.to_owned()));
    }
    if let Some(k) = kind {
        query = query.filter(accident_reports::kind.eq(k.to_owned()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(
    conn: &mut DbConnection,
    visibility: &Scope,
    period: Option<&str>,
    kind: Option<&str>,
) -> QueryResult<i64> {
    filtered(visibility, period, kind).count().get_result(conn)
}

/// Reports of a period (and kind), oldest reporter first; `before` pages by id.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Scope,
    period: Option<&str>,
    kind: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AccidentReportRow>> {
    let mut query = filtered(visibility, period, kind);
    if let Some(b) = before {
        query = query.filter(accident_reports::id.lt(b.to_owned()));
    }
    query
        .order(accident_reports::id.desc())
        .limit(limit)
        .select(AccidentReportRow::as_select())
        .load(conn)
}

/// Every report of a period and kind (for compliance; one per reporter).
pub fn all_for_period(
    conn: &mut DbConnection,
    period: &str,
    kind: &str,
) -> QueryResult<Vec<AccidentReportRow>> {
    accident_reports::table
        .filter(accident_reports::period.eq(period))
        .filter(accident_reports::kind.eq(kind))
        .select(AccidentReportRow::as_select())
        .load(conn)
}

/// Cases, casualties and deaths declared for an establishment, or for a commune's
/// no-contract sector, that occurred in `[from, to)`.
pub fn declared_counts(
    conn: &mut DbConnection,
    establishment_id: Option<&str>,
    commune: Option<&str>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<(i64, i64, i64)> {
    let mut query = accidents::table
        .filter(accidents::occurred_at.ge(from))
        .filter(accidents::occurred_at.lt(to))
        .into_boxed();
    if let Some(id) = establishment_id {
        query = query.filter(accidents::establishment_id.eq(id.to_owned()));
    }
    if let Some(code) = commune {
        query = query
            .filter(accidents::sector.eq("without_labour_contract"))
            .filter(accidents::commune_code.eq(code.to_owned()));
    }
    let ids: Vec<String> = query.select(accidents::id).load(conn)?;
    let severities: Vec<String> = casualties::table
        .filter(casualties::accident_id.eq_any(&ids))
        .select(casualties::severity)
        .load(conn)?;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok((
        count(ids.len()),
        count(severities.len()),
        count(severities.iter().filter(|s| *s == "fatal").count()),
    ))
}
