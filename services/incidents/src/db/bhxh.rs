//! The queries incidents' BHXH exchange makes of its own tables; the feed and the
//! decisions are stored by `shared::bhxh::store`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::{AccidentRow, CasualtyRow, EstablishmentRow};
use super::schema::{accidents, casualties, establishments};

pub fn casualties_by_id(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<CasualtyRow>> {
    casualties::table
        .filter(casualties::id.eq_any(ids))
        .select(CasualtyRow::as_select())
        .load(conn)
}

pub fn accidents_by_id(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<AccidentRow>> {
    accidents::table
        .filter(accidents::id.eq_any(ids))
        .select(AccidentRow::as_select())
        .load(conn)
}

pub fn establishments_by_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<EstablishmentRow>> {
    establishments::table
        .filter(establishments::id.eq_any(ids))
        .select(EstablishmentRow::as_select())
        .load(conn)
}

/// The casualties (with their accidents) of `severity` whose accident happened in
/// `[from, before)`.
pub fn casualties_of_severity(
    conn: &mut DbConnection,
    severity: &str,
    from: NaiveDateTime,
    before: NaiveDateTime,
) -> QueryResult<Vec<(CasualtyRow, AccidentRow)>> {
    casualties::table
        .inner_join(accidents::table)
        .filter(casualties::severity.eq(severity))
        .filter(accidents::occurred_at.ge(from))
        .filter(accidents::occurred_at.lt(before))
        .order(casualties::id)
        .select((CasualtyRow::as_select(), AccidentRow::as_select()))
        .load(conn)
}
