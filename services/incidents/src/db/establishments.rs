//! Repository functions for establishments and their revisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::access::Scope;
use shared::db::DbConnection;

use super::models::{EstablishmentRow, RevisionRow};
use super::schema::{establishment_revisions, establishments};

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &EstablishmentRow) -> QueryResult<()> {
    diesel::insert_into(establishments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    visibility: &Scope,
) -> QueryResult<Option<EstablishmentRow>> {
    let mut query = establishments::table
        .filter(establishments::id.eq(id))
        .into_boxed();
    query = restrict(query, visibility);
    query
        .select(EstablishmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_external_ref(
    conn: &mut DbConnection,
    owner: &str,
    external_ref: &str,
) -> QueryResult<Option<EstablishmentRow>> {
    establishments::table
        .filter(establishments::external_ref_owner.eq(owner))
        .filter(establishments::external_ref.eq(external_ref))
        .select(EstablishmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn tax_code_taken(conn: &mut DbConnection, tax_code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        establishments::table.filter(establishments::tax_code.eq(tax_code)),
    ))
    .get_result(conn)
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(
    visibility: &Scope,
    filter: &'a Filter,
) -> establishments::BoxedQuery<'a, shared::db::DbBackend> {
    let mut query = restrict(establishments::table.into_boxed(), visibility);
    if let Some(code) = &filter.commune_code {
        query = query.filter(establishments::commune_code.eq(code));
    }
    if let Some(section) = &filter.vsic_section {
        query = query.filter(establishments::vsic_section.eq(section));
    }
    if let Some(kind) = &filter.ownership_type {
        query = query.filter(establishments::ownership_type.eq(kind));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(establishments::updated_at.ge(since));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(conn: &mut DbConnection, visibility: &Scope, filter: &Filter) -> QueryResult<i64> {
    filtered(visibility, filter).count().get_result(conn)
}

/// Newest first, `limit` rows older than `before`.
pub fn list(
    conn: &mut DbConnection,
    visibility: &Scope,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<EstablishmentRow>> {
    let mut query = filtered(visibility, filter);
    if let Some(before) = before {
        query = query.filter(establishments::id.lt(before));
    }
    query
        .order(establishments::id.desc())
        .limit(limit)
        .select(EstablishmentRow::as_select())
        .load(conn)
}

/// Writes `row` over the stored record only if it is still at `expected_version`;
/// returns whether it did.
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &EstablishmentRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        establishments::table
            .filter(establishments::id.eq(&row.id))
            .filter(establishments::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_revision(conn: &mut DbConnection, revision: &RevisionRow) -> QueryResult<()> {
    diesel::insert_into(establishment_revisions::table)
        .values(revision)
        .execute(conn)
        .map(|_| ())
}

pub fn revisions(conn: &mut DbConnection, establishment_id: &str) -> QueryResult<Vec<RevisionRow>> {
    establishment_revisions::table
        .filter(establishment_revisions::establishment_id.eq(establishment_id))
        .order(establishment_revisions::version.desc())
        .select(RevisionRow::as_select())
        .load(conn)
}

fn restrict<'a>(
    query: establishments::BoxedQuery<'a, shared::db::DbBackend>,
    visibility: &Scope,
) -> establishments::BoxedQuery<'a, shared::db::DbBackend> {
    match visibility {
        Scope::All => query,
        Scope::TaxCode(code) => query.filter(establishments::tax_code.eq(code.clone())),
        Scope::Commune(code) => query.filter(establishments::commune_code.eq(code.clone())),
        // No establishment belongs to an agency; agencies read the registry as a whole.
        Scope::Agency(_) => query.filter(establishments::id.eq("")),
    }
}

pub fn find_by_tax_code(
    conn: &mut DbConnection,
    tax_code: &str,
    visibility: &Scope,
) -> QueryResult<Option<EstablishmentRow>> {
    restrict(
        establishments::table
            .filter(establishments::tax_code.eq(tax_code.to_owned()))
            .into_boxed(),
        visibility,
    )
    .select(EstablishmentRow::as_select())
    .first(conn)
    .optional()
}

/// Every establishment, oldest first (compliance lists everyone expected to report).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<EstablishmentRow>> {
    establishments::table
        .order(establishments::id)
        .select(EstablishmentRow::as_select())
        .load(conn)
}

/// Rows per multi-row `INSERT`: 18 columns × 1,000 stays under SQLite's 32,766
/// bound variables.
const ROWS_PER_INSERT: usize = 1000;

/// The establishments with these tax codes (any scope: imports see the whole registry),
/// each look-up planned for its codes.
pub fn find_by_tax_codes(
    conn: &mut DbConnection,
    tax_codes: &[&str],
) -> QueryResult<Vec<EstablishmentRow>> {
    shared::db::planned_for_values(conn, |conn| {
        let mut found = Vec::with_capacity(tax_codes.len());
        for part in tax_codes.chunks(ROWS_PER_INSERT) {
            found.extend(
                establishments::table
                    .filter(establishments::tax_code.eq_any(part))
                    .select(EstablishmentRow::as_select())
                    .load(conn)?,
            );
        }
        Ok(found)
    })
}

/// Inserts many establishments: PostgreSQL's `COPY` (binary), multi-row `INSERT`s on
/// SQLite. Both run in the caller's transaction and check every constraint.
pub fn insert_many(conn: &mut DbConnection, rows: &[EstablishmentRow]) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => diesel::copy_from(establishments::table)
            .from_insertable(rows)
            .execute(c)
            .map(|_| ()),
        DbConnection::Sqlite(c) => {
            for part in rows.chunks(ROWS_PER_INSERT) {
                diesel::insert_into(establishments::table)
                    .values(part)
                    .execute(c)?;
            }
            Ok(())
        }
    }
}

/// Inserts many revisions, as [`insert_many`] does establishments.
pub fn insert_revisions(conn: &mut DbConnection, revisions: &[RevisionRow]) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => diesel::copy_from(establishment_revisions::table)
            .from_insertable(revisions)
            .execute(c)
            .map(|_| ()),
        DbConnection::Sqlite(c) => {
            for part in revisions.chunks(ROWS_PER_INSERT) {
                diesel::insert_into(establishment_revisions::table)
                    .values(part)
                    .execute(c)?;
            }
            Ok(())
        }
    }
}
