//! Folding statistics deltas into totals, so a read sums one row per group and period
//! (a month for incidents, a reporting period or year for health-stats) plus the few
//! deltas of the last days, however many change-days the data spans.
//!
//! A `*_stat_deltas` table holds one row per group, period, change day and slot: what
//! the writes of that day added. Its `*_stat_totals` table holds, per group and period
//! (the table's `keys`, whatever they are), the sum of every delta with `changed_on` on
//! or before the day in the one-row marker table (`folded_through`). Deltas are kept:
//! they answer `as_of` before the marker.
//! A read is one statement (one snapshot): totals plus the deltas after the marker, or
//! with `as_of` before the marker, the deltas up to `as_of` alone. The fold moves the
//! marker in the same transaction as it adds to the totals, so a read sees both or
//! neither, and replicas folding at once take turns on the marker row.

use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable};

use super::{Db, DbConnection};
use crate::error::ApiError;

/// One deltas table with its totals and marker tables.
pub struct FoldedTable {
    /// `changed_on` plus `keys` plus `slot` plus `counters`.
    pub deltas: &'static str,
    /// `keys` (its primary key) plus `counters`.
    pub totals: &'static str,
    /// One row, `folded_through DATE`.
    pub marker: &'static str,
    pub keys: &'static [&'static str],
    pub counters: &'static [&'static str],
}

/// Folds a service's tables through a day; returns how many totals rows it wrote.
pub type FoldFn = fn(&mut DbConnection, NaiveDate) -> Result<usize, ApiError>;

#[derive(QueryableByName)]
struct Marker {
    #[diesel(sql_type = Nullable<Date>)]
    folded_through: Option<NaiveDate>,
}

/// The day through which the deltas are in the totals.
pub fn folded_through(conn: &mut DbConnection, t: &FoldedTable) -> QueryResult<NaiveDate> {
    let sql = format!("SELECT folded_through FROM {}", t.marker);
    let row: Marker = diesel::sql_query(sql).get_result(conn)?;
    row.folded_through.ok_or(diesel::result::Error::NotFound)
}

/// Adds the deltas changed after the marker and on or before `through` to the totals
/// and moves the marker to `through`; nothing when the marker is already there. Runs
/// in one transaction that locks the marker row first (`FOR UPDATE` on PostgreSQL,
/// `BEGIN IMMEDIATE` on SQLite), so a second replica folding at the same time waits,
/// then reads the moved marker and adds nothing twice.
pub fn fold(conn: &mut DbConnection, t: &FoldedTable, through: NaiveDate) -> QueryResult<usize> {
    super::transaction(conn, |conn| {
        let lock = match conn {
            DbConnection::Postgres(_) => " FOR UPDATE",
            DbConnection::Sqlite(_) => "",
        };
        let sql = format!("SELECT folded_through FROM {}{lock}", t.marker);
        let row: Marker = diesel::sql_query(sql).get_result(conn)?;
        let from = row.folded_through.ok_or(diesel::result::Error::NotFound)?;
        if through <= from {
            return Ok(0);
        }
        let keys = t.keys.join(", ");
        let sums = t
            .counters
            .iter()
            .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let updates = t
            .counters
            .iter()
            .map(|c| format!("{c} = {}.{c} + excluded.{c}", t.totals))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {totals} ({keys}, {counters}) \
             SELECT {keys}, {sums} FROM {deltas} WHERE changed_on > ? AND changed_on <= ? \
             GROUP BY {keys} \
             ON CONFLICT ({keys}) DO UPDATE SET {updates}",
            totals = t.totals,
            deltas = t.deltas,
            counters = t.counters.join(", "),
        );
        let written = diesel::sql_query(super::placeholders(conn, &sql))
            .bind::<Date, _>(from)
            .bind::<Date, _>(through)
            .execute(conn)?;
        let sql = format!("UPDATE {} SET folded_through = ?", t.marker);
        diesel::sql_query(super::placeholders(conn, &sql))
            .bind::<Date, _>(through)
            .execute(conn)?;
        Ok(written)
    })
}

/// The rows to sum, as a subquery for `FROM (…) AS rows`: each part selects `select`
/// from its table where `filter` holds (SQL over the key columns with `?`
/// placeholders). Bind, in order: the filter's values, then `as_of` if given, then the
/// filter's values again, then `as_of` twice if given.
///
/// Without `as_of`: the totals and the deltas after the marker. With it: the totals
/// and the deltas after the marker up to `as_of` when `as_of` is on or after the
/// marker, else the deltas up to `as_of` alone. The marker is read inside the
/// statement, so a fold committing meanwhile is seen entirely or not at all.
pub fn rows_sql(t: &FoldedTable, select: &str, filter: &str, as_of: bool) -> String {
    let marker = format!("(SELECT folded_through FROM {})", t.marker);
    let (totals_when, deltas_when) = if as_of {
        (
            format!(" AND ? >= {marker}"),
            format!(" AND changed_on <= ? AND (changed_on > {marker} OR ? < {marker})"),
        )
    } else {
        (String::new(), format!(" AND changed_on > {marker}"))
    };
    format!(
        "SELECT {select} FROM {totals} WHERE {filter}{totals_when} \
         UNION ALL SELECT {select} FROM {deltas} WHERE {filter}{deltas_when}",
        totals = t.totals,
        deltas = t.deltas,
    )
}

/// The day a fold may go through: Viet Nam's today minus two days, so that no write
/// still in flight (begun yesterday, committed today) carries a day already folded.
pub fn safe_through() -> NaiveDate {
    crate::time::today() - chrono::Days::new(2)
}

/// Folds at once, then every `every`, until the process ends.
pub fn spawn(db: Db, fold: FoldFn, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let through = safe_through();
            match db.run(move |conn| fold(conn, through)).await {
                Ok(rows) => tracing::debug!(%through, rows, "statistics folded"),
                Err(e) => tracing::warn!(error = %e, "statistics could not be folded"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
