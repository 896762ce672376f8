//! Storage of serious technical incidents: their tables (kept here, beside the
//! rest of the resource), rows and repository functions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use shared::access::Scope;
use shared::db::{DbBackend, DbConnection};

diesel::table! {
    technical_incidents (id) {
        id -> Text,
        kind -> Text,
        establishment_id -> Text,
        establishment_tax_code -> Text,
        vsic_section -> Text,
        ownership_type -> Text,
        commune_code -> Text,
        place -> Text,
        occurred_at -> Timestamp,
        notified_at -> Timestamp,
        description -> Text,
        damage_vnd -> BigInt,
        anyone_hurt -> Bool,
        accident_ids -> Text,
        investigation_days -> BigInt,
        deadline_at -> Timestamp,
        investigation -> Nullable<Text>,
        record_announced_on -> Nullable<Date>,
        status -> Text,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    technical_incident_revisions (incident_id, version) {
        incident_id -> Text,
        version -> BigInt,
        changed_at -> Timestamp,
        changed_by -> Text,
        change_reason -> Text,
        snapshot -> Text,
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = technical_incidents, treat_none_as_null = true)]
pub struct TechnicalIncidentRow {
    pub id: String,
    pub kind: String,
    pub establishment_id: String,
    pub establishment_tax_code: String,
    pub vsic_section: String,
    pub ownership_type: String,
    pub commune_code: String,
    pub place: String,
    pub occurred_at: NaiveDateTime,
    pub notified_at: NaiveDateTime,
    pub description: String,
    pub damage_vnd: i64,
    pub anyone_hurt: bool,
    /// Comma-separated accident ids.
    pub accident_ids: String,
    pub investigation_days: i64,
    pub deadline_at: NaiveDateTime,
    /// The investigation record (JSON), once recorded.
    pub investigation: Option<String>,
    pub record_announced_on: Option<NaiveDate>,
    pub status: String,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = technical_incident_revisions)]
pub struct TechnicalIncidentRevisionRow {
    pub incident_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub change_reason: String,
    pub snapshot: String,
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub occurred_from: Option<NaiveDateTime>,
    pub occurred_before: Option<NaiveDateTime>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub commune_code: Option<String>,
}

type Boxed<'a> = technical_incidents::BoxedQuery<'a, DbBackend>;

/// Which incidents a caller may see: an employer its own establishment's, a commune
/// those that happened in it; an agency none (no agency owns an incident).
fn restrict<'a>(query: Boxed<'a>, visibility: &Scope) -> Boxed<'a> {
    match visibility {
        Scope::All => query,
        Scope::TaxCode(tax_code) => {
            query.filter(technical_incidents::establishment_tax_code.eq(tax_code.clone()))
        }
        Scope::Commune(code) => query.filter(technical_incidents::commune_code.eq(code.clone())),
        Scope::Agency(_) => query.filter(technical_incidents::id.is_null()),
    }
}

pub fn insert(conn: &mut DbConnection, row: &TechnicalIncidentRow) -> QueryResult<()> {
    diesel::insert_into(technical_incidents::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
    visibility: &Scope,
) -> QueryResult<Option<TechnicalIncidentRow>> {
    restrict(
        technical_incidents::table
            .filter(technical_incidents::id.eq(id))
            .into_boxed(),
        visibility,
    )
    .select(TechnicalIncidentRow::as_select())
    .first(conn)
    .optional()
}

/// The rows `list` pages through, before paging.
fn filtered<'a>(visibility: &Scope, filter: &'a Filter) -> Boxed<'a> {
    let mut query = restrict(technical_incidents::table.into_boxed(), visibility);
    if let Some(from) = filter.occurred_from {
        query = query.filter(technical_incidents::occurred_at.ge(from));
    }
    if let Some(to) = filter.occurred_before {
        query = query.filter(technical_incidents::occurred_at.lt(to));
    }
    if let Some(v) = &filter.kind {
        query = query.filter(technical_incidents::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(technical_incidents::status.eq(v.clone()));
    }
    if let Some(v) = &filter.commune_code {
        query = query.filter(technical_incidents::commune_code.eq(v.clone()));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count(conn: &mut DbConnection, visibility: &Scope, filter: &Filter) -> QueryResult<i64> {
    filtered(visibility, filter).count().get_result(conn)
}

/// Newest first, `limit` rows older than `before` (ids are UUIDv7: time-ordered).
pub fn list(
    conn: &mut DbConnection,
    visibility: &Scope,
    filter: &Filter,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<TechnicalIncidentRow>> {
    let mut query = filtered(visibility, filter);
    if let Some(b) = before {
        query = query.filter(technical_incidents::id.lt(b.to_owned()));
    }
    query
        .order(technical_incidents::id.desc())
        .limit(limit)
        .select(TechnicalIncidentRow::as_select())
        .load(conn)
}

/// Writes `row` if the stored version is still `expected`; `false` when it is not.
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &TechnicalIncidentRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        technical_incidents::table
            .filter(technical_incidents::id.eq(&row.id))
            .filter(technical_incidents::version.eq(expected)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_revision(
    conn: &mut DbConnection,
    row: &TechnicalIncidentRevisionRow,
) -> QueryResult<()> {
    diesel::insert_into(technical_incident_revisions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Newest first.
pub fn revisions(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Vec<TechnicalIncidentRevisionRow>> {
    technical_incident_revisions::table
        .filter(technical_incident_revisions::incident_id.eq(id))
        .order(technical_incident_revisions::version.desc())
        .select(TechnicalIncidentRevisionRow::as_select())
        .load(conn)
}

/// The incidents that occurred in `[from, before)` and were declared by `declared_by`
/// (the end of an `as_of` day), for the statistics: kind, whether anyone was hurt,
/// damage and status of each.
pub fn for_statistics(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    before: NaiveDateTime,
    declared_by: Option<NaiveDateTime>,
) -> QueryResult<Vec<(String, bool, i64, String)>> {
    let mut query = technical_incidents::table
        .filter(technical_incidents::occurred_at.ge(from))
        .filter(technical_incidents::occurred_at.lt(before))
        .into_boxed();
    if let Some(t) = declared_by {
        query = query.filter(technical_incidents::created_at.lt(t));
    }
    query
        .select((
            technical_incidents::kind,
            technical_incidents::anyone_hurt,
            technical_incidents::damage_vnd,
            technical_incidents::status,
        ))
        .load(conn)
}
