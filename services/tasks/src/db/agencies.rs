//! Repository functions for agencies.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::{AgencyRow, AgencySuccessorRow};
use super::schema::{agencies, agency_successors};

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

/// Every recorded successor of every agency.
pub fn successors(conn: &mut DbConnection) -> QueryResult<Vec<AgencySuccessorRow>> {
    agency_successors::table
        .order((
            agency_successors::agency_code.asc(),
            agency_successors::successor_code.asc(),
        ))
        .select(AgencySuccessorRow::as_select())
        .load(conn)
}

/// Records a successor unless it is recorded (safe when replicas race).
pub fn insert_successor_if_absent(
    conn: &mut DbConnection,
    row: &AgencySuccessorRow,
) -> QueryResult<()> {
    shared::per_backend!(conn, c => diesel::insert_into(agency_successors::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Inserts the agency unless its code exists (safe when replicas race); true
/// when this call added it.
pub fn insert_if_absent(conn: &mut DbConnection, row: &AgencyRow) -> QueryResult<bool> {
    let n = shared::per_backend!(conn, c => diesel::insert_into(agencies::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Writes `row` (its new version) if the stored agency is still at `expected`;
/// false when another change came first.
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &AgencyRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        agencies::table
            .find(&row.code)
            .filter(agencies::version.eq(expected)),
    )
    .set((
        agencies::name.eq(&row.name),
        agencies::kind.eq(&row.kind),
        agencies::reports.eq(row.reports),
        agencies::valid_from.eq(row.valid_from),
        agencies::valid_to.eq(row.valid_to),
        agencies::successor_code.eq(&row.successor_code),
        agencies::version.eq(row.version),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
