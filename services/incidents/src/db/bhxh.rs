//! Storage of the BHXH exchange: the accident-case change feed and benefit decisions.
//!
//! The tables live here rather than in `schema.rs` because nothing else joins them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use shared::db::{DbBackend, DbConnection};

use super::models::{AccidentRow, CasualtyRow, EstablishmentRow};
use super::schema::{accidents, casualties, establishments};

diesel::table! {
    bhxh_feed_head (id) {
        id -> Integer,
        seq -> BigInt,
    }
}

diesel::table! {
    bhxh_accident_feed (seq) {
        seq -> BigInt,
        casualty_id -> Text,
        accident_id -> Text,
        reason -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    bhxh_benefit_decisions (id) {
        id -> Text,
        decision_number -> Text,
        decision_date -> Date,
        personal_id -> Text,
        case_reference -> Text,
        casualty_id -> Nullable<Text>,
        capacity_loss_percent -> Nullable<BigInt>,
        benefit_type -> Text,
        amount_vnd -> BigInt,
        status -> Text,
        received_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

/// One change of the feed.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = bhxh_accident_feed)]
pub struct FeedRow {
    pub seq: i64,
    pub casualty_id: String,
    pub accident_id: String,
    pub reason: String,
    pub changed_at: NaiveDateTime,
}

/// A benefit decision as stored.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bhxh_benefit_decisions, treat_none_as_null = true)]
pub struct DecisionRow {
    pub id: String,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub personal_id: String,
    pub case_reference: String,
    pub casualty_id: Option<String>,
    pub capacity_loss_percent: Option<i64>,
    pub benefit_type: String,
    pub amount_vnd: i64,
    pub status: String,
    pub received_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Appends one change per `(casualty_id, accident_id)` with `reason`. The first
/// statement updates the head row: on PostgreSQL that locks it until the caller's
/// transaction ends, so sequences are handed out in commit order; on SQLite it takes
/// the write lock before the head is read.
pub fn append(
    conn: &mut DbConnection,
    entries: &[(String, String)],
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use bhxh_feed_head::dsl as h;
    if entries.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    diesel::update(h::bhxh_feed_head.filter(h::id.eq(1)))
        .set(h::seq.eq(h::seq + n))
        .execute(conn)?;
    let last = h::bhxh_feed_head
        .filter(h::id.eq(1))
        .select(h::seq)
        .first::<i64>(conn)?;
    let rows: Vec<FeedRow> = entries
        .iter()
        .zip(last - n + 1..)
        .map(|((casualty_id, accident_id), seq)| FeedRow {
            seq,
            casualty_id: casualty_id.clone(),
            accident_id: accident_id.clone(),
            reason: reason.to_owned(),
            changed_at: at,
        })
        .collect();
    for row in &rows {
        diesel::insert_into(bhxh_accident_feed::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Changes after sequence `after`, oldest first.
pub fn changes_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<FeedRow>> {
    bhxh_accident_feed::table
        .filter(bhxh_accident_feed::seq.gt(after))
        .order(bhxh_accident_feed::seq.asc())
        .limit(limit)
        .select(FeedRow::as_select())
        .load(conn)
}

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

/// The casualty named by `id`, if it is this person's.
pub fn casualty_of_person(
    conn: &mut DbConnection,
    id: &str,
    personal_id: &str,
) -> QueryResult<Option<CasualtyRow>> {
    casualties::table
        .filter(casualties::id.eq(id))
        .filter(casualties::personal_id.eq(personal_id))
        .select(CasualtyRow::as_select())
        .first(conn)
        .optional()
}

pub fn decision_by_number(
    conn: &mut DbConnection,
    number: &str,
) -> QueryResult<Option<DecisionRow>> {
    bhxh_benefit_decisions::table
        .filter(bhxh_benefit_decisions::decision_number.eq(number))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_decision(conn: &mut DbConnection, row: &DecisionRow) -> QueryResult<()> {
    diesel::insert_into(bhxh_benefit_decisions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_decision(conn: &mut DbConnection, row: &DecisionRow) -> QueryResult<()> {
    diesel::update(bhxh_benefit_decisions::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Which decisions to list.
#[derive(Clone, Debug, Default)]
pub struct DecisionFilter {
    pub unmatched: Option<bool>,
    pub casualty_id: Option<String>,
    pub decided_from: Option<NaiveDate>,
    pub decided_before: Option<NaiveDate>,
}

/// Decisions newest first (by id), a page at a time.
pub fn list_decisions(
    conn: &mut DbConnection,
    filter: &DecisionFilter,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<DecisionRow>> {
    use bhxh_benefit_decisions::dsl as d;
    let mut query = d::bhxh_benefit_decisions.into_boxed::<DbBackend>();
    match filter.unmatched {
        Some(true) => query = query.filter(d::casualty_id.is_null()),
        Some(false) => query = query.filter(d::casualty_id.is_not_null()),
        None => {}
    }
    if let Some(c) = &filter.casualty_id {
        query = query.filter(d::casualty_id.eq(c.clone()));
    }
    if let Some(from) = filter.decided_from {
        query = query.filter(d::decision_date.ge(from));
    }
    if let Some(to) = filter.decided_before {
        query = query.filter(d::decision_date.lt(to));
    }
    if let Some(b) = before {
        query = query.filter(d::id.lt(b.to_owned()));
    }
    query
        .order(d::id.desc())
        .limit(limit)
        .select(DecisionRow::as_select())
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

/// The casualties among `ids` that have at least one decision.
pub fn casualties_with_decision(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<String>> {
    use bhxh_benefit_decisions::dsl as d;
    d::bhxh_benefit_decisions
        .filter(d::casualty_id.eq_any(ids))
        .select(d::casualty_id.assume_not_null())
        .distinct()
        .load(conn)
}

/// The decisions BHXH sent on one casualty, latest decision date first.
pub fn decisions_of_casualty(
    conn: &mut DbConnection,
    casualty_id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    bhxh_benefit_decisions::table
        .filter(bhxh_benefit_decisions::casualty_id.eq(casualty_id))
        .order((
            bhxh_benefit_decisions::decision_date.desc(),
            bhxh_benefit_decisions::updated_at.desc(),
        ))
        .select(DecisionRow::as_select())
        .load(conn)
}
