//! The maintained health-statistics counters.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use diesel::upsert::excluded;
use shared::db::{DbBackend, DbConnection};
use shared::per_backend;

use super::schema::health_stat_deltas as d;
use crate::domain::health_statistics::{Counters, StatKey};

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
            d::period.eq(&key.period),
            d::dim_kind.eq(key.dim_kind),
            d::changed_on.eq(changed_on),
            d::dim_value.eq(&key.dim_value),
            d::reports.eq(c.reports),
            d::workers.eq(c.workers),
            d::hazardous_workers.eq(c.hazardous_workers),
            d::periodic_exams.eq(c.periodic_exams),
            d::exposed_workers.eq(c.exposed_workers),
            d::bnn_examined.eq(c.workers_examined_for_bnn),
            d::bnn_suspected.eq(c.bnn_suspected),
            d::bnn_confirmed.eq(c.bnn_confirmed),
            d::disease_cases.eq(c.disease_cases),
        );
        per_backend!(conn, conn => diesel::insert_into(d::table)
            .values(values)
            .on_conflict((d::dim_kind, d::period, d::changed_on, d::dim_value, d::slot))
            .do_update()
            .set((
                d::reports.eq(d::reports + excluded(d::reports)),
                d::workers.eq(d::workers + excluded(d::workers)),
                d::hazardous_workers.eq(d::hazardous_workers + excluded(d::hazardous_workers)),
                d::periodic_exams.eq(d::periodic_exams + excluded(d::periodic_exams)),
                d::exposed_workers.eq(d::exposed_workers + excluded(d::exposed_workers)),
                d::bnn_examined.eq(d::bnn_examined + excluded(d::bnn_examined)),
                d::bnn_suspected.eq(d::bnn_suspected + excluded(d::bnn_suspected)),
                d::bnn_confirmed.eq(d::bnn_confirmed + excluded(d::bnn_confirmed)),
                d::disease_cases.eq(d::disease_cases + excluded(d::disease_cases)),
            ))
            .execute(conn))?;
    }
    Ok(())
}

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

/// The counters of one dimension in a period, per group; with `as_of`, only changes
/// made on or before that day.
pub fn sums(
    conn: &mut DbConnection,
    dim_kind: &str,
    period: &str,
    as_of: Option<NaiveDate>,
) -> QueryResult<Vec<(String, Counters)>> {
    let columns = [
        "reports",
        "workers",
        "hazardous_workers",
        "periodic_exams",
        "exposed_workers",
        "bnn_examined",
        "bnn_suspected",
        "bnn_confirmed",
        "disease_cases",
    ]
    .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
    .join(", ");
    let mut sql = format!(
        "SELECT dim_value AS key, {columns} FROM health_stat_deltas WHERE dim_kind = ? AND period = ?"
    );
    if as_of.is_some() {
        sql.push_str(" AND changed_on <= ?");
    }
    sql.push_str(" GROUP BY dim_value ORDER BY dim_value");
    let mut query = diesel::sql_query(shared::db::placeholders(conn, &sql))
        .into_boxed::<DbBackend>()
        .bind::<Text, _>(dim_kind.to_owned())
        .bind::<Text, _>(period.to_owned());
    if let Some(day) = as_of {
        query = query.bind::<Date, _>(day);
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
