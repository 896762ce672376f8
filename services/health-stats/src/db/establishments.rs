//! The establishments known to this service.

use diesel::prelude::*;
use diesel::upsert::excluded;
use shared::db::DbConnection;
use shared::per_backend;

use super::schema::establishments as e;

/// An establishment as a report describes it.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = e)]
pub struct EstablishmentRow {
    pub tax_code: String,
    pub name: String,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub updated_at: chrono::NaiveDateTime,
}

/// Records what a report says of its establishment; the latest report wins.
pub fn upsert(conn: &mut DbConnection, row: &EstablishmentRow) -> QueryResult<()> {
    per_backend!(conn, c => diesel::insert_into(e::table)
        .values(row)
        .on_conflict(e::tax_code)
        .do_update()
        .set((
            e::name.eq(excluded(e::name)),
            e::commune_code.eq(excluded(e::commune_code)),
            e::vsic_section.eq(excluded(e::vsic_section)),
            e::ownership_type.eq(excluded(e::ownership_type)),
            e::updated_at.eq(excluded(e::updated_at)),
        ))
        .execute(c))
    .map(|_| ())
}

pub fn find(conn: &mut DbConnection, tax_code: &str) -> QueryResult<Option<EstablishmentRow>> {
    e::table
        .find(tax_code)
        .select(EstablishmentRow::as_select())
        .first(conn)
        .optional()
}
