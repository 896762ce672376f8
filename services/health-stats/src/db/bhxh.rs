//! The queries health-stats' BHXH exchange makes of its own tables; the feed and the
//! decisions are stored by `shared::bhxh::store`.

use chrono::NaiveDate;
use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::DiseaseCaseRow;
use super::schema::disease_cases;

pub fn cases_by_id(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<DiseaseCaseRow>> {
    disease_cases::table
        .filter(disease_cases::id.eq_any(ids))
        .select(DiseaseCaseRow::as_select())
        .load(conn)
}

/// Cases diagnosed on `from` ..< `before`, by id.
pub fn cases_diagnosed_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    before: NaiveDate,
) -> QueryResult<Vec<DiseaseCaseRow>> {
    disease_cases::table
        .filter(disease_cases::diagnosed_on.ge(from))
        .filter(disease_cases::diagnosed_on.lt(before))
        .order(disease_cases::id)
        .select(DiseaseCaseRow::as_select())
        .load(conn)
}
