//! Repository functions for reminders.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::ReminderRow;
use super::schema::reminders;

/// Inserts the reminder unless the same one (plan, agency, period, kind) exists;
/// true when this call made it. Replicas racing on the same reminder make one row.
pub fn insert_or_ignore(conn: &mut DbConnection, row: &ReminderRow) -> QueryResult<bool> {
    let n = shared::per_backend!(conn, c => diesel::insert_into(reminders::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(
    agency: Option<&str>,
    period: Option<&str>,
) -> reminders::BoxedQuery<'a, shared::db::DbBackend> {
    let mut query = reminders::table.into_boxed();
    if let Some(a) = agency {
        query = query.filter(reminders::agency_code.eq(a.to_owned()));
    }
    if let Some(p) = period {
        query = query.filter(reminders::period.eq(p.to_owned()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(
    conn: &mut DbConnection,
    agency: Option<&str>,
    period: Option<&str>,
) -> QueryResult<i64> {
    filtered(agency, period).count().get_result(conn)
}

pub fn list(
    conn: &mut DbConnection,
    agency: Option<&str>,
    period: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ReminderRow>> {
    let mut query = filtered(agency, period);
    if let Some(b) = before {
        query = query.filter(reminders::id.lt(b.to_owned()));
    }
    query
        .order(reminders::id.desc())
        .limit(limit)
        .select(ReminderRow::as_select())
        .load(conn)
}
