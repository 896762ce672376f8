//! The maintained statistics counters and the headcounts they are divided by.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use diesel::upsert::excluded;
use shared::db::fold::{self, FoldedTable};
use shared::db::{DbBackend, DbConnection};
use shared::per_backend;

use super::schema::accident_stat_deltas as d;
use crate::domain::statistics::{Counters, StatKey};

/// Adds `changes`, made on `changed_on`, to the counters: to the slot of the current
/// request, key by key in order, so that two transactions on one slot lock its rows in
/// the same order.
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
            d::period_month.eq(&key.period_month),
            d::dim_kind.eq(key.dim_kind),
            d::changed_on.eq(changed_on),
            d::sector.eq(&key.sector),
            d::dim_value.eq(&key.dim_value),
            d::slot.eq(slot),
            d::cases.eq(c.cases),
            d::cases_fatal.eq(c.cases_fatal),
            d::cases_multi.eq(c.cases_multi),
            d::casualties.eq(c.casualties),
            d::fatal.eq(c.fatal),
            d::serious.eq(c.serious),
            d::minor.eq(c.minor),
            d::female.eq(c.female),
            d::days_off.eq(c.days_off),
            d::cost_medical.eq(c.cost_medical),
            d::cost_wages.eq(c.cost_wages),
            d::cost_compensation.eq(c.cost_compensation),
        );
        // ON CONFLICT does not compile through the MultiConnection enum: run the same
        // statement on the concrete connection.
        per_backend!(conn, c => diesel::insert_into(d::table)
            .values(values)
            .on_conflict((d::dim_kind, d::period_month, d::changed_on, d::sector, d::dim_value, d::slot))
            .do_update()
            .set((
                d::cases.eq(d::cases + excluded(d::cases)),
                d::cases_fatal.eq(d::cases_fatal + excluded(d::cases_fatal)),
                d::cases_multi.eq(d::cases_multi + excluded(d::cases_multi)),
                d::casualties.eq(d::casualties + excluded(d::casualties)),
                d::fatal.eq(d::fatal + excluded(d::fatal)),
                d::serious.eq(d::serious + excluded(d::serious)),
                d::minor.eq(d::minor + excluded(d::minor)),
                d::female.eq(d::female + excluded(d::female)),
                d::days_off.eq(d::days_off + excluded(d::days_off)),
                d::cost_medical.eq(d::cost_medical + excluded(d::cost_medical)),
                d::cost_wages.eq(d::cost_wages + excluded(d::cost_wages)),
                d::cost_compensation.eq(d::cost_compensation + excluded(d::cost_compensation)),
            ))
            .execute(c))?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct SumRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    sector: String,
    #[diesel(sql_type = BigInt)]
    cases: i64,
    #[diesel(sql_type = BigInt)]
    cases_fatal: i64,
    #[diesel(sql_type = BigInt)]
    cases_multi: i64,
    #[diesel(sql_type = BigInt)]
    casualties: i64,
    #[diesel(sql_type = BigInt)]
    fatal: i64,
    #[diesel(sql_type = BigInt)]
    serious: i64,
    #[diesel(sql_type = BigInt)]
    minor: i64,
    #[diesel(sql_type = BigInt)]
    female: i64,
    #[diesel(sql_type = BigInt)]
    days_off: i64,
    #[diesel(sql_type = BigInt)]
    cost_medical: i64,
    #[diesel(sql_type = BigInt)]
    cost_wages: i64,
    #[diesel(sql_type = BigInt)]
    cost_compensation: i64,
}

/// The counter columns of the deltas and the totals.
const COUNTERS: [&str; 12] = [
    "cases",
    "cases_fatal",
    "cases_multi",
    "casualties",
    "fatal",
    "serious",
    "minor",
    "female",
    "days_off",
    "cost_medical",
    "cost_wages",
    "cost_compensation",
];

/// The deltas, their totals and the day folded through (migration `stat_totals`).
pub const FOLDED: FoldedTable = FoldedTable {
    deltas: "accident_stat_deltas",
    totals: "accident_stat_totals",
    marker: "accident_stat_folded",
    keys: &["dim_kind", "period_month", "sector", "dim_value"],
    counters: &COUNTERS,
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

/// The counters of one dimension for months in `[month_from, month_to)`, per group
/// and sector; with `as_of`, only changes made on or before that day. One statement
/// over the totals and the deltas after them (`shared::db::fold`), so the sum is the
/// same whether a fold commits before, during or after it.
pub fn sums(
    conn: &mut DbConnection,
    dim_kind: &str,
    by_month: bool,
    month_from: &str,
    month_to: &str,
    as_of: Option<NaiveDate>,
) -> QueryResult<Vec<(String, String, Counters)>> {
    let group = if by_month {
        "period_month"
    } else {
        "dim_value"
    };
    let sum = |col: &str| format!("CAST(SUM({col}) AS BIGINT) AS {col}");
    let columns = COUNTERS.map(sum).join(", ");
    let select = format!("{group} AS key, sector, {}", COUNTERS.join(", "));
    let rows_sql = fold::rows_sql(
        &FOLDED,
        &select,
        "dim_kind = ? AND period_month >= ? AND period_month < ?",
        as_of.is_some(),
    );
    let sql = format!(
        "SELECT key, sector, {columns} FROM ({rows_sql}) AS counted \
         GROUP BY key, sector ORDER BY key, sector"
    );
    let mut query =
        diesel::sql_query(shared::db::placeholders(conn, &sql)).into_boxed::<DbBackend>();
    // The filter's values, as_of; the filter's values again, as_of twice (fold::rows_sql).
    for part in 0..2 {
        query = query
            .bind::<Text, _>(dim_kind.to_owned())
            .bind::<Text, _>(month_from.to_owned())
            .bind::<Text, _>(month_to.to_owned());
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
            let counters = Counters {
                cases: r.cases,
                cases_fatal: r.cases_fatal,
                cases_multi: r.cases_multi,
                casualties: r.casualties,
                fatal: r.fatal,
                serious: r.serious,
                minor: r.minor,
                female: r.female,
                days_off: r.days_off,
                cost_medical: r.cost_medical,
                cost_wages: r.cost_wages,
                cost_compensation: r.cost_compensation,
            };
            (r.key, r.sector, counters)
        })
        .collect())
}

#[derive(QueryableByName)]
struct HeadcountRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    workers: Option<i64>,
}

/// Workers in the establishments registry, per value of `column` (or in total), the
/// fallback denominator of the rates.
pub fn registry_headcounts(
    conn: &mut DbConnection,
    column: Option<&str>,
) -> QueryResult<Vec<(String, i64)>> {
    let sql = match column {
        Some(col @ ("commune_code" | "vsic_section" | "ownership_type")) => format!(
            "SELECT {col} AS key, CAST(SUM(workers_total) AS BIGINT) AS workers FROM establishments GROUP BY {col}"
        ),
        _ => "SELECT 'total' AS key, CAST(COALESCE(SUM(workers_total), 0) AS BIGINT) AS workers FROM establishments".to_owned(),
    };
    let rows: Vec<HeadcountRow> = diesel::sql_query(sql).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key, r.workers.unwrap_or(0)))
        .collect())
}

/// Workers stated in the employer reports filed for `period`, per value of an
/// establishment `column` (or in total); empty when nobody filed.
pub fn report_headcounts(
    conn: &mut DbConnection,
    period: &str,
    column: Option<&str>,
) -> QueryResult<Vec<(String, i64)>> {
    let (key, group) = match column {
        Some(col @ ("commune_code" | "vsic_section" | "ownership_type")) => {
            (format!("e.{col}"), format!(" GROUP BY e.{col}"))
        }
        _ => ("'total'".to_owned(), String::new()),
    };
    let sql = format!(
        "SELECT {key} AS key, CAST(SUM(r.workers_total) AS BIGINT) AS workers \
         FROM accident_reports r JOIN establishments e ON e.id = r.establishment_id \
         WHERE r.kind = 'employer' AND r.workers_total IS NOT NULL AND r.period = ?{group}"
    );
    let rows: Vec<HeadcountRow> = diesel::sql_query(shared::db::placeholders(conn, &sql))
        .into_boxed::<DbBackend>()
        .bind::<Text, _>(period.to_owned())
        .load(conn)?;
    // SUM over no rows is one NULL row in total mode; it is filtered by the caller as 0.
    Ok(rows
        .into_iter()
        .filter_map(|r| r.workers.filter(|n| *n > 0).map(|n| (r.key, n)))
        .collect())
}
