//! Repository functions for the versions of agencies, tasks and targets.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::RecordRevisionRow;
use super::schema::record_revisions;

pub fn insert(conn: &mut DbConnection, row: &RecordRevisionRow) -> QueryResult<()> {
    diesel::insert_into(record_revisions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Whether `version` of the record is kept.
pub fn exists(
    conn: &mut DbConnection,
    resource: &str,
    record_id: &str,
    version: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        record_revisions::table.find((resource, record_id, version)),
    ))
    .get_result(conn)
}

/// Every kept version of the record, newest first.
pub fn list(
    conn: &mut DbConnection,
    resource: &str,
    record_id: &str,
) -> QueryResult<Vec<RecordRevisionRow>> {
    record_revisions::table
        .filter(record_revisions::resource.eq(resource))
        .filter(record_revisions::record_id.eq(record_id))
        .order(record_revisions::version.desc())
        .select(RecordRevisionRow::as_select())
        .load(conn)
}
