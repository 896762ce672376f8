//! The maintained health-statistics counters.

use std::collections::BTreeMap;

use crate::domain::health_statistics::{Counters, StatKey};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, SmallInt, Text};
use shared::db::fold::{self, FoldedTable};
use shared::db::{DbBackend, DbConnection};

/// Keys per multi-row upsert: 14 columns × 1,000 stays under SQLite's 32,766 bound
/// variables (and PostgreSQL's 65,535).
const KEYS_PER_UPSERT: usize = 1000;

/// Adds `changes`, made on `changed_on`, to the counters: to the slot of the current
/// request ([`shared::db::counter_slot`]). A key listed twice is summed first (one
/// statement may not touch a row twice); the keys go in their order
/// ([`StatKey`]'s), so two writers lock the rows they share in the same order, in one
/// multi-row upsert per thousand keys.
pub fn apply(
    conn: &mut DbConnection,
    changed_on: NaiveDate,
    changes: &[(StatKey, Counters)],
) -> QueryResult<()> {
    let slot = shared::db::counter_slot();
    let mut summed: BTreeMap<&StatKey, Counters> = BTreeMap::new();
    for (key, c) in changes {
        let e = summed.entry(key).or_default();
        *e = e.plus(*c);
    }
    let summed: Vec<(&StatKey, Counters)> = summed.into_iter().collect();
    for part in summed.chunks(KEYS_PER_UPSERT) {
        let row = format!("({})", ["?"; 14].join(", "));
        let sql = format!(
            "INSERT INTO health_stat_deltas (slot, period, dim_kind, changed_on, dim_value, \
             reports, workers, hazardous_workers, periodic_exams, exposed_workers, \
             bnn_examined, bnn_suspected, bnn_confirmed, disease_cases) VALUES {} \
             ON CONFLICT (dim_kind, period, changed_on, dim_value, slot) DO UPDATE SET {}",
            vec![row; part.len()].join(", "),
            COUNTER_COLUMNS
                .map(|c| format!("{c} = health_stat_deltas.{c} + excluded.{c}"))
                .join(", ")
        );
        let mut query =
            diesel::sql_query(shared::db::placeholders(conn, &sql)).into_boxed::<DbBackend>();
        for (key, c) in part {
            query = query
                .bind::<SmallInt, _>(slot)
                .bind::<Text, _>(key.period.clone())
                .bind::<Text, _>(key.dim_kind)
                .bind::<Date, _>(changed_on)
                .bind::<Text, _>(key.dim_value.clone());
            for n in [
                c.reports,
                c.workers,
                c.hazardous_workers,
                c.periodic_exams,
                c.exposed_workers,
                c.workers_examined_for_bnn,
                c.bnn_suspected,
                c.bnn_confirmed,
                c.disease_cases,
            ] {
                query = query.bind::<BigInt, _>(n);
            }
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// The counter columns of `health_stat_deltas` and `health_stat_totals`, in
/// [`Counters`]' order.
const COUNTER_COLUMNS: [&str; 9] = [
    "reports",
    "workers",
    "hazardous_workers",
    "periodic_exams",
    "exposed_workers",
    "bnn_examined",
    "bnn_suspected",
    "bnn_confirmed",
    "disease_cases",
];

#[derive(QueryableByName)]
struct SumRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    reports: i64,
    #[diesel(sql_type = BigInt)]
    workers: i64,
    #[diesel(sql_type = BigInt)]
    hazardous_workers: i64,
    #[diesel(sql_type = BigInt)]
    periodic_exams: i64,
    #[diesel(sql_type = BigInt)]
    exposed_workers: i64,
    #[diesel(sql_type = BigInt)]
    bnn_examined: i64,
    #[diesel(sql_type = BigInt)]
    bnn_suspected: i64,
    #[diesel(sql_type = BigInt)]
    bnn_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    disease_cases: i64,
}

/// The deltas, their totals and the day folded through (migration `stat_totals`).
pub const FOLDED: FoldedTable = FoldedTable {
    deltas: "health_stat_deltas",
    totals: "health_stat_totals",
    marker: "health_stat_folded",
    keys: &["dim_kind", "period", "dim_value"],
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

/// The counters of one dimension in a period, per group; with `as_of`, only changes
/// made on or before that day. One statement over the totals and the deltas after
/// them (`shared::db::fold`), so the sum is the same whether a fold commits before,
/// during or after it.
pub fn sums(
    conn: &mut DbConnection,
    dim_kind: &str,
    period: &str,
    as_of: Option<NaiveDate>,
) -> QueryResult<Vec<(String, Counters)>> {
    let columns = COUNTER_COLUMNS
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .join(", ");
    let select = format!("dim_value, {}", COUNTER_COLUMNS.join(", "));
    let rows_sql = fold::rows_sql(
        &FOLDED,
        &select,
        "dim_kind = ? AND period = ?",
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
            .bind::<Text, _>(period.to_owned());
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
                    reports: r.reports,
                    workers: r.workers,
                    hazardous_workers: r.hazardous_workers,
                    periodic_exams: r.periodic_exams,
                    exposed_workers: r.exposed_workers,
                    workers_examined_for_bnn: r.bnn_examined,
                    bnn_suspected: r.bnn_suspected,
                    bnn_confirmed: r.bnn_confirmed,
                    disease_cases: r.disease_cases,
                },
            )
        })
        .collect())
}
