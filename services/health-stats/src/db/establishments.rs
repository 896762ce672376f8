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

/// Rows per statement: 6 columns × 1,000 bound variables, well within PostgreSQL's 65,535.
const ROWS_PER_UPSERT: usize = 1000;

/// [`upsert`] for many establishments, in as few statements as the backend allows.
/// A tax code listed twice keeps its last row (one statement may not touch a row twice).
pub fn upsert_many(conn: &mut DbConnection, rows: &[EstablishmentRow]) -> QueryResult<()> {
    let mut last = std::collections::HashMap::with_capacity(rows.len());
    for (n, row) in rows.iter().enumerate() {
        last.insert(row.tax_code.as_str(), n);
    }
    let unique: Vec<&EstablishmentRow> = rows
        .iter()
        .enumerate()
        .filter(|(n, row)| last.get(row.tax_code.as_str()) == Some(n))
        .map(|(_, row)| row)
        .collect();
    let DbConnection::Postgres(c) = conn else {
        // diesel has no multi-row upsert on SQLite: a statement a row, in the
        // caller's transaction.
        for row in unique {
            upsert(conn, row)?;
        }
        return Ok(());
    };
    for part in unique.chunks(ROWS_PER_UPSERT) {
        diesel::insert_into(e::table)
            .values(part.iter().copied().cloned().collect::<Vec<_>>())
            .on_conflict(e::tax_code)
            .do_update()
            .set((
                e::name.eq(excluded(e::name)),
                e::commune_code.eq(excluded(e::commune_code)),
                e::vsic_section.eq(excluded(e::vsic_section)),
                e::ownership_type.eq(excluded(e::ownership_type)),
                e::updated_at.eq(excluded(e::updated_at)),
            ))
            .execute(c)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, tax_code: &str) -> QueryResult<Option<EstablishmentRow>> {
    e::table
        .find(tax_code)
        .select(EstablishmentRow::as_select())
        .first(conn)
        .optional()
}
