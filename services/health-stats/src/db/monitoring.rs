//! Storage of work-environment monitoring reports, their revisions and the
//! maintained monitoring statistics counters.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use diesel::upsert::excluded;
use serde::Serialize;
use shared::access::Scope;
use shared::db::fold::{self, FoldedTable};
use shared::db::{DbBackend, DbConnection};
use shared::filing::Filing;
use shared::per_backend;

use crate::domain::monitoring::{Counters, StatKey};

use super::schema::{
    monitoring_report_revisions, monitoring_report_revisions as rev, monitoring_reports,
    monitoring_reports as r, monitoring_stat_deltas as d,
};

/// A monitoring report as stored (its current version).
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = monitoring_reports, treat_none_as_null = true)]
pub struct MonitoringReportRow {
    pub id: String,
    pub tax_code: String,
    pub establishment_name: String,
    pub commune_code: Option<String>,
    pub vsic_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub organisation_name: String,
    pub organisation_licence: String,
    pub monitored_on: NaiveDate,
    pub monitoring_year: i64,
    pub has_harmful_factors: bool,
    pub factors: String,
    pub samples_taken: i64,
    pub samples_over_limit: i64,
    pub first_received_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub submitted_by: String,
    pub version: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = monitoring_report_revisions)]
pub struct MonitoringRevisionRow {
    pub report_id: String,
    pub version: i64,
    pub received_at: NaiveDateTime,
    pub submitted_by: String,
    pub change_reason: String,
    pub snapshot: String,
}

/// List filters.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub year: Option<i64>,
    pub tax_code: Option<String>,
    pub commune_code: Option<String>,
}

type Boxed<'a> = r::BoxedQuery<'a, DbBackend>;

fn restrict<'a>(query: Boxed<'a>, scope: &Scope) -> Boxed<'a> {
    match scope {
        Scope::All => query,
        Scope::TaxCode(tax) => query.filter(r::tax_code.eq(tax.clone())),
        // No monitoring report belongs to a commune or an agency.
        Scope::Commune(_) | Scope::Agency(_) => query.filter(r::id.eq("")),
    }
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    visibility: &Scope,
) -> QueryResult<Option<MonitoringReportRow>> {
    restrict(
        r::table.filter(r::id.eq(id.to_owned())).into_boxed(),
        visibility,
    )
    .select(MonitoringReportRow::as_select())
    .first(conn)
    .optional()
}

/// Every report of one establishment: what its statistics contribution is made of.
pub fn for_establishment(
    conn: &mut DbConnection,
    tax_code: &str,
) -> QueryResult<Vec<MonitoringReportRow>> {
    r::table
        .filter(r::tax_code.eq(tax_code))
        .select(MonitoringReportRow::as_select())
        .load(conn)
}

/// One report per visit: an establishment, an organisation, a day; the key is
/// `(tax_code, organisation licence, monitored_on)`.
impl Filing for MonitoringReportRow {
    type Key = (String, String, NaiveDate);
    const RECEIPT_KIND: &'static str = "monitoring_report";

    shared::filing_storage!(r, rev, MonitoringRevisionRow);

    fn find_for(conn: &mut DbConnection, key: &Self::Key) -> QueryResult<Option<Self>> {
        let (tax_code, licence, monitored_on) = key;
        r::table
            .filter(r::tax_code.eq(tax_code))
            .filter(r::organisation_licence.eq(licence))
            .filter(r::monitored_on.eq(monitored_on))
            .select(Self::as_select())
            .first(conn)
            .optional()
    }
}

pub fn revisions(
    conn: &mut DbConnection,
    report_id: &str,
) -> QueryResult<Vec<MonitoringRevisionRow>> {
    rev::table
        .filter(rev::report_id.eq(report_id))
        .order(rev::version.desc())
        .select(MonitoringRevisionRow::as_select())
        .load(conn)
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(visibility: &Scope, filter: &'a Filter) -> Boxed<'a> {
    let mut query = restrict(r::table.into_boxed(), visibility);
    if let Some(y) = filter.year {
        query = query.filter(r::monitoring_year.eq(y));
    }
    if let Some(t) = &filter.tax_code {
        query = query.filter(r::tax_code.eq(t.clone()));
    }
    if let Some(c) = &filter.commune_code {
        query = query.filter(r::commune_code.eq(c.clone()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(conn: &mut DbConnection, visibility: &Scope, filter: &Filter) -> QueryResult<i64> {
    filtered(visibility, filter).count().get_result(conn)
}

/// Reports newest first (by id); `before` pages by id.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Scope,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<MonitoringReportRow>> {
    let mut query = filtered(visibility, filter);
    if let Some(b) = before {
        query = query.filter(r::id.lt(b.to_owned()));
    }
    query
        .order(r::id.desc())
        .limit(limit)
        .select(MonitoringReportRow::as_select())
        .load(conn)
}

// ---------------------------------------------------------------------------
// Statistics counters

/// Adds `changes`, made on `changed_on`, to the counters: to the slot of the current
/// request ([`shared::db::counter_slot`]), key by key in order.
pub fn apply(
    conn: &mut DbConnection,
    changed_on: NaiveDate,
    changes: &[(StatKey, Counters)],
) -> QueryResult<()> {
    let slot = shared::db::counter_slot();
    let mut ordered: Vec<&(StatKey, Counters)> = changes.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, c) in ordered {
        let values = (
            d::slot.eq(slot),
            d::period_year.eq(key.year),
            d::dim_kind.eq(key.dim_kind),
            d::changed_on.eq(changed_on),
            d::dim_value.eq(&key.dim_value),
            d::establishments_reporting.eq(c.establishments_reporting),
            d::establishments_monitored.eq(c.establishments_monitored),
            d::establishments_with_exceedance.eq(c.establishments_with_exceedance),
            d::harmful_known.eq(c.harmful_known),
            d::reports.eq(c.reports),
            d::samples_taken.eq(c.samples_taken),
            d::samples_over_limit.eq(c.samples_over_limit),
        );
        // ON CONFLICT does not compile through the MultiConnection enum: run the same
        // statement on the concrete connection.
        per_backend!(conn, c => diesel::insert_into(d::table)
            .values(values)
            .on_conflict((d::dim_kind, d::period_year, d::changed_on, d::dim_value, d::slot))
            .do_update()
            .set((
                d::establishments_reporting.eq(d::establishments_reporting + excluded(d::establishments_reporting)),
                d::establishments_monitored.eq(d::establishments_monitored + excluded(d::establishments_monitored)),
                d::establishments_with_exceedance
                    .eq(d::establishments_with_exceedance + excluded(d::establishments_with_exceedance)),
                d::harmful_known.eq(d::harmful_known + excluded(d::harmful_known)),
                d::reports.eq(d::reports + excluded(d::reports)),
                d::samples_taken.eq(d::samples_taken + excluded(d::samples_taken)),
                d::samples_over_limit.eq(d::samples_over_limit + excluded(d::samples_over_limit)),
            ))
            .execute(c))?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct SumRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    establishments_reporting: i64,
    #[diesel(sql_type = BigInt)]
    establishments_monitored: i64,
    #[diesel(sql_type = BigInt)]
    establishments_with_exceedance: i64,
    #[diesel(sql_type = BigInt)]
    harmful_known: i64,
    #[diesel(sql_type = BigInt)]
    reports: i64,
    #[diesel(sql_type = BigInt)]
    samples_taken: i64,
    #[diesel(sql_type = BigInt)]
    samples_over_limit: i64,
}

/// Which years a sum covers.
#[derive(Clone, Copy, Debug)]
pub enum Years {
    /// The year itself: the yearly counts.
    Only(i64),
    /// Every year up to and including it: the running `harmful_known`.
    UpTo(i64),
}

/// The counter columns of `monitoring_stat_deltas` and `monitoring_stat_totals`.
const COUNTER_COLUMNS: [&str; 7] = [
    "establishments_reporting",
    "establishments_monitored",
    "establishments_with_exceedance",
    "harmful_known",
    "reports",
    "samples_taken",
    "samples_over_limit",
];

/// The deltas, their totals and the day folded through (migration `stat_totals`).
pub const FOLDED: FoldedTable = FoldedTable {
    deltas: "monitoring_stat_deltas",
    totals: "monitoring_stat_totals",
    marker: "monitoring_stat_folded",
    keys: &["dim_kind", "period_year", "dim_value"],
    counters: &COUNTER_COLUMNS,
};

/// Adds the deltas changed after the last fold and on or before `through` to the
/// totals, in one transaction; returns the totals rows written (0: already folded).
pub fn fold(conn: &mut DbConnection, through: NaiveDate) -> QueryResult<usize> {
    fold::fold(conn, &FOLDED, through)
}

/// The day through which the deltas are in the totals.
pub fn folded_through(conn: &mut DbConnection) -> QueryResult<NaiveDate> {
    fold::folded_through(conn, &FOLDED)
}

/// The counters of one dimension per group; with `as_of`, only the changes made on
/// or before that day. One statement over the totals and the deltas after them
/// (`shared::db::fold`), so the sum is the same whether a fold commits before,
/// during or after it.
pub fn sums(
    conn: &mut DbConnection,
    dim_kind: &str,
    years: Years,
    as_of: Option<NaiveDate>,
) -> QueryResult<Vec<(String, Counters)>> {
    let columns = COUNTER_COLUMNS
        .map(|col| format!("CAST(SUM({col}) AS BIGINT) AS {col}"))
        .join(", ");
    let (op, year) = match years {
        Years::Only(y) => ("=", y),
        Years::UpTo(y) => ("<=", y),
    };
    let select = format!("dim_value, {}", COUNTER_COLUMNS.join(", "));
    let rows_sql = fold::rows_sql(
        &FOLDED,
        &select,
        &format!("dim_kind = ? AND period_year {op} ?"),
        as_of.is_some(),
    );
    let sql = format!(
        "SELECT dim_value AS key, {columns} FROM ({rows_sql}) AS counted \
         GROUP BY dim_value ORDER BY dim_value"
    );
    let mut query =
        diesel::sql_query(shared::db::placeholders(conn, &sql)).into_boxed::<DbBackend>();
    // The filter's values, as_of; the filter's values again, as_of twice (fold::rows_sql).
    for part in 0..2 {
        query = query
            .bind::<Text, _>(dim_kind.to_owned())
            .bind::<BigInt, _>(year);
        if let Some(day) = as_of {
            query = query.bind::<Date, _>(day);
            if part == 1 {
                query = query.bind::<Date, _>(day);
            }
        }
    }
    let rows: Vec<SumRow> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.key,
                Counters {
                    establishments_reporting: r.establishments_reporting,
                    establishments_monitored: r.establishments_monitored,
                    establishments_with_exceedance: r.establishments_with_exceedance,
                    harmful_known: r.harmful_known,
                    reports: r.reports,
                    samples_taken: r.samples_taken,
                    samples_over_limit: r.samples_over_limit,
                },
            )
        })
        .collect())
}
