//! Repository functions for occupational-disease cases.

use diesel::prelude::*;
use shared::db::{DbBackend, DbConnection};

use super::models::{DiseaseCaseRevisionRow, DiseaseCaseRow};
use super::schema::{disease_case_revisions as revisions_t, disease_cases as c};

pub fn insert(conn: &mut DbConnection, row: &DiseaseCaseRow) -> QueryResult<()> {
    diesel::insert_into(c::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A case by id, within an employer's cases when `tax_code` is given.
pub fn find(
    conn: &mut DbConnection,
    id: &str,
    tax_code: Option<&str>,
) -> QueryResult<Option<DiseaseCaseRow>> {
    let mut query = c::table
        .filter(c::id.eq(id.to_owned()))
        .into_boxed::<DbBackend>();
    if let Some(t) = tax_code {
        query = query.filter(c::tax_code.eq(t.to_owned()));
    }
    query
        .select(DiseaseCaseRow::as_select())
        .first(conn)
        .optional()
}

/// The case of this person and disease, if any: a person has one case per disease.
pub fn find_same(
    conn: &mut DbConnection,
    personal_id: &str,
    disease_code: &str,
) -> QueryResult<Option<DiseaseCaseRow>> {
    c::table
        .filter(c::personal_id.eq(personal_id))
        .filter(c::disease_code.eq(disease_code))
        .select(DiseaseCaseRow::as_select())
        .first(conn)
        .optional()
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(
    tax_code: Option<&str>,
    disease_code: Option<&str>,
) -> c::BoxedQuery<'a, DbBackend> {
    let mut query = c::table.into_boxed::<DbBackend>();
    if let Some(t) = tax_code {
        query = query.filter(c::tax_code.eq(t.to_owned()));
    }
    if let Some(d) = disease_code {
        query = query.filter(c::disease_code.eq(d.to_owned()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(
    conn: &mut DbConnection,
    tax_code: Option<&str>,
    disease_code: Option<&str>,
) -> QueryResult<i64> {
    filtered(tax_code, disease_code).count().get_result(conn)
}

pub fn list(
    conn: &mut DbConnection,
    tax_code: Option<&str>,
    disease_code: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<DiseaseCaseRow>> {
    let mut query = filtered(tax_code, disease_code);
    if let Some(b) = before {
        query = query.filter(c::id.lt(b.to_owned()));
    }
    query
        .order(c::id.desc())
        .limit(limit)
        .select(DiseaseCaseRow::as_select())
        .load(conn)
}

pub fn update_if_version(
    conn: &mut DbConnection,
    row: &DiseaseCaseRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        c::table
            .filter(c::id.eq(&row.id))
            .filter(c::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_revision(conn: &mut DbConnection, row: &DiseaseCaseRevisionRow) -> QueryResult<()> {
    diesel::insert_into(revisions_t::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}
