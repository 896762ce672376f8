//! Storage of a BHXH exchange: the change feed and the benefit decisions, in one shape
//! for both services. A row names its record by `subject_kind` (`casualty` in
//! incidents, `occupational_disease_case` in health-stats) and `subject_id`; a
//! service's database holds only its own kind, the kind is kept so that a row says
//! on its own what it names (in a backup, an export, an audit).
//!
//! The tables are declared here rather than in a `schema.rs` because nothing joins them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbBackend, DbConnection};

diesel::table! {
    bhxh_feed_head (id) {
        id -> Integer,
        seq -> BigInt,
    }
}

diesel::table! {
    bhxh_feed (seq) {
        seq -> BigInt,
        subject_kind -> Text,
        subject_id -> Text,
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
        subject_kind -> Text,
        subject_id -> Nullable<Text>,
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
#[diesel(table_name = bhxh_feed)]
pub struct FeedRow {
    pub seq: i64,
    pub subject_kind: String,
    pub subject_id: String,
    pub reason: String,
    pub changed_at: NaiveDateTime,
}

/// A benefit decision as stored; `subject_id` is the record its case reference names
/// when that record is the same person's, else `None` (unmatched).
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bhxh_benefit_decisions, treat_none_as_null = true)]
pub struct DecisionRow {
    pub id: String,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub personal_id: String,
    pub case_reference: String,
    pub subject_kind: String,
    pub subject_id: Option<String>,
    pub capacity_loss_percent: Option<i64>,
    pub benefit_type: String,
    pub amount_vnd: i64,
    pub status: String,
    pub received_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Appends one change per subject with `reason`. The first statement updates the head
/// row: on PostgreSQL that locks it until the caller's transaction ends, so sequences
/// are handed out in commit order; on SQLite it takes the write lock before the head
/// is read.
pub fn append(
    conn: &mut DbConnection,
    kind: &str,
    subject_ids: &[String],
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use bhxh_feed_head::dsl as h;
    if subject_ids.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(subject_ids.len()).unwrap_or(i64::MAX);
    diesel::update(h::bhxh_feed_head.filter(h::id.eq(1)))
        .set(h::seq.eq(h::seq + n))
        .execute(conn)?;
    let last = h::bhxh_feed_head
        .filter(h::id.eq(1))
        .select(h::seq)
        .first::<i64>(conn)?;
    for (subject_id, seq) in subject_ids.iter().zip(last - n + 1..) {
        let row = FeedRow {
            seq,
            subject_kind: kind.to_owned(),
            subject_id: subject_id.clone(),
            reason: reason.to_owned(),
            changed_at: at,
        };
        diesel::insert_into(bhxh_feed::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Changes after sequence `after`, oldest first.
/// The changes in the whole feed (`?total=true`).
pub fn count_changes(conn: &mut DbConnection) -> QueryResult<i64> {
    bhxh_feed::table.count().get_result(conn)
}

pub fn changes_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<FeedRow>> {
    bhxh_feed::table
        .filter(bhxh_feed::seq.gt(after))
        .order(bhxh_feed::seq.asc())
        .limit(limit)
        .select(FeedRow::as_select())
        .load(conn)
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
    pub subject_id: Option<String>,
    pub decided_from: Option<NaiveDate>,
    pub decided_before: Option<NaiveDate>,
}

/// The rows `list_decisions` pages through, before paging.
fn filtered<'a>(filter: &DecisionFilter) -> bhxh_benefit_decisions::BoxedQuery<'a, DbBackend> {
    use bhxh_benefit_decisions::dsl as d;
    let mut query = d::bhxh_benefit_decisions.into_boxed::<DbBackend>();
    match filter.unmatched {
        Some(true) => query = query.filter(d::subject_id.is_null()),
        Some(false) => query = query.filter(d::subject_id.is_not_null()),
        None => {}
    }
    if let Some(s) = &filter.subject_id {
        query = query.filter(d::subject_id.eq(s.clone()));
    }
    if let Some(from) = filter.decided_from {
        query = query.filter(d::decision_date.ge(from));
    }
    if let Some(to) = filter.decided_before {
        query = query.filter(d::decision_date.lt(to));
    }
    query
}

/// How many rows match, over all pages (`?total=true`).
pub fn count_decisions(conn: &mut DbConnection, filter: &DecisionFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// Decisions newest first (by id), a page at a time.
pub fn list_decisions(
    conn: &mut DbConnection,
    filter: &DecisionFilter,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<DecisionRow>> {
    use bhxh_benefit_decisions::dsl as d;
    let mut query = filtered(filter);
    if let Some(b) = before {
        query = query.filter(d::id.lt(b.to_owned()));
    }
    query
        .order(d::id.desc())
        .limit(limit)
        .select(DecisionRow::as_select())
        .load(conn)
}

/// The subjects among `ids` that have at least one decision.
pub fn subjects_with_decision(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    use bhxh_benefit_decisions::dsl as d;
    let mut found = Vec::new();
    // Chunks keep the bind count well under SQLite's limit.
    for chunk in ids.chunks(1000) {
        found.extend(
            d::bhxh_benefit_decisions
                .filter(d::subject_id.eq_any(chunk))
                .select(d::subject_id.assume_not_null())
                .distinct()
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// The decisions BHXH sent on one subject, latest decision date first.
pub fn decisions_of_subject(
    conn: &mut DbConnection,
    subject_id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    bhxh_benefit_decisions::table
        .filter(bhxh_benefit_decisions::subject_id.eq(subject_id))
        .order((
            bhxh_benefit_decisions::decision_date.desc(),
            bhxh_benefit_decisions::updated_at.desc(),
        ))
        .select(DecisionRow::as_select())
        .load(conn)
}
