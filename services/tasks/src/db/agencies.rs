//! Repository functions for agencies.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::AgencyRow;
use super::schema::agencies;

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<AgencyRow>> {
    agencies::table
        .order(agencies::code.asc())
        .select(AgencyRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<Option<AgencyRow>> {
    agencies::table
        .find(code)
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &AgencyRow) -> QueryResult<()> {
    diesel::insert_into(agencies::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
