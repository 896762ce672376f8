//! Repository functions for accidents, their casualties, revisions and investigations.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::access::Scope;
use shared::db::{DbBackend, DbConnection};

use super::models::{
    AccidentRevisionRow, AccidentRow, CasualtyRow, InvestigationRow, SeverityChangeRow,
};
use super::schema::{accident_revisions, accidents, casualties, investigations, severity_changes};

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub occurred_from: Option<NaiveDateTime>,
    pub occurred_before: Option<NaiveDateTime>,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub severity: Option<String>,
    pub status: Option<String>,
    pub sector: Option<String>,
    pub establishment_id: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

type Boxed<'a> = accidents::BoxedQuery<'a, DbBackend>;

/// The accidents within `scope`: an employer's by its tax code; a commune reads those
/// that happened in it (`writing == false`) and changes the no-contract accidents it
/// reported (`writing`).
fn restrict<'a>(query: Boxed<'a>, scope: &Scope, writing: bool) -> Boxed<'a> {
    match scope {
        Scope::All => query,
        Scope::TaxCode(tax_code) => {
            query.filter(accidents::establishment_tax_code.eq(tax_code.clone()))
        }
        Scope::Commune(code) if writing => {
            query.filter(accidents::reporting_commune.eq(code.clone()))
        }
        Scope::Commune(code) => query.filter(accidents::commune_code.eq(code.clone())),
        // No accident belongs to an agency.
        Scope::Agency(_) => query.filter(accidents::id.eq("")),
    }
}

pub fn insert(
    conn: &mut DbConnection,
    row: &AccidentRow,
    casualty_rows: &[CasualtyRow],
) -> QueryResult<()> {
    diesel::insert_into(accidents::table)
        .values(row)
        .execute(conn)?;
    for casualty in casualty_rows {
        diesel::insert_into(casualties::table)
            .values(casualty)
            .execute(conn)?;
    }
    Ok(())
}

/// One accident the caller may read.
pub fn find(conn: &mut DbConnection, id: &str, scope: &Scope) -> QueryResult<Option<AccidentRow>> {
    find_in(conn, id, scope, false)
}

/// One accident the caller may change.
pub fn find_for_write(
    conn: &mut DbConnection,
    id: &str,
    scope: &Scope,
) -> QueryResult<Option<AccidentRow>> {
    find_in(conn, id, scope, true)
}

fn find_in(
    conn: &mut DbConnection,
    id: &str,
    scope: &Scope,
    writing: bool,
) -> QueryResult<Option<AccidentRow>> {
    restrict(
        accidents::table.filter(accidents::id.eq(id)).into_boxed(),
        scope,
        writing,
    )
    .select(AccidentRow::as_select())
    .first(conn)
    .optional()
}

pub fn find_by_external_ref(
    conn: &mut DbConnection,
    owner: &str,
    external_ref: &str,
) -> QueryResult<Option<AccidentRow>> {
    accidents::table
        .filter(accidents::external_ref_owner.eq(owner))
        .filter(accidents::external_ref.eq(external_ref))
        .select(AccidentRow::as_select())
        .first(conn)
        .optional()
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(scope: &Scope, filter: &Filter) -> Boxed<'a> {
    let mut query = restrict(accidents::table.into_boxed(), scope, false);
    if let Some(from) = filter.occurred_from {
        query = query.filter(accidents::occurred_at.ge(from));
    }
    if let Some(to) = filter.occurred_before {
        query = query.filter(accidents::occurred_at.lt(to));
    }
    if let Some(v) = &filter.commune_code {
        query = query.filter(accidents::commune_code.eq(v.clone()));
    }
    if let Some(v) = &filter.vsic_section {
        query = query.filter(accidents::vsic_section.eq(v.clone()));
    }
    if let Some(v) = &filter.severity {
        query = query.filter(accidents::case_severity.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(accidents::status.eq(v.clone()));
    }
    if let Some(v) = &filter.sector {
        query = query.filter(accidents::sector.eq(v.clone()));
    }
    if let Some(v) = &filter.establishment_id {
        query = query.filter(accidents::establishment_id.eq(v.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(accidents::updated_at.ge(since));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(conn: &mut DbConnection, scope: &Scope, filter: &Filter) -> QueryResult<i64> {
    filtered(scope, filter).count().get_result(conn)
}

/// Newest first, `limit` rows older than `before`.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AccidentRow>> {
    let mut query = filtered(scope, filter);
    if let Some(before) = before {
        query = query.filter(accidents::id.lt(before.to_owned()));
    }
    query
        .order(accidents::id.desc())
        .limit(limit)
        .select(AccidentRow::as_select())
        .load(conn)
}

/// The casualties of the given accidents, in declaration order.
pub fn casualties_of(
    conn: &mut DbConnection,
    accident_ids: &[String],
) -> QueryResult<Vec<CasualtyRow>> {
    casualties::table
        .filter(casualties::accident_id.eq_any(accident_ids))
        .order((casualties::accident_id, casualties::position))
        .select(CasualtyRow::as_select())
        .load(conn)
}

/// Writes `row` only if the stored accident is still at `expected_version`.
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &AccidentRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        accidents::table
            .filter(accidents::id.eq(&row.id))
            .filter(accidents::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn set_casualty_severity(
    conn: &mut DbConnection,
    casualty_id: &str,
    severity: &str,
) -> QueryResult<()> {
    diesel::update(casualties::table.find(casualty_id))
        .set(casualties::severity.eq(severity))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_severity_change(
    conn: &mut DbConnection,
    change: &SeverityChangeRow,
) -> QueryResult<()> {
    diesel::insert_into(severity_changes::table)
        .values(change)
        .execute(conn)
        .map(|_| ())
}

pub fn severity_changes_of(
    conn: &mut DbConnection,
    casualty_ids: &[String],
) -> QueryResult<Vec<SeverityChangeRow>> {
    severity_changes::table
        .filter(severity_changes::casualty_id.eq_any(casualty_ids))
        .order(severity_changes::changed_at)
        .select(SeverityChangeRow::as_select())
        .load(conn)
}

pub fn insert_revision(conn: &mut DbConnection, revision: &AccidentRevisionRow) -> QueryResult<()> {
    diesel::insert_into(accident_revisions::table)
        .values(revision)
        .execute(conn)
        .map(|_| ())
}

pub fn revisions(
    conn: &mut DbConnection,
    accident_id: &str,
) -> QueryResult<Vec<AccidentRevisionRow>> {
    accident_revisions::table
        .filter(accident_revisions::accident_id.eq(accident_id))
        .order(accident_revisions::version.desc())
        .select(AccidentRevisionRow::as_select())
        .load(conn)
}

pub fn investigation(
    conn: &mut DbConnection,
    accident_id: &str,
) -> QueryResult<Option<InvestigationRow>> {
    investigations::table
        .find(accident_id)
        .select(InvestigationRow::as_select())
        .first(conn)
        .optional()
}

/// The investigations of the given accidents (for lists).
pub fn investigations_of(
    conn: &mut DbConnection,
    accident_ids: &[String],
) -> QueryResult<Vec<InvestigationRow>> {
    investigations::table
        .filter(investigations::accident_id.eq_any(accident_ids))
        .select(InvestigationRow::as_select())
        .load(conn)
}

pub fn save_investigation(conn: &mut DbConnection, row: &InvestigationRow) -> QueryResult<()> {
    let updated = diesel::update(investigations::table.find(&row.accident_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(investigations::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
