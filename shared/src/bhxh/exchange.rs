//! The use-cases of a BHXH exchange (docs/domain.md, "BHXH benefit rules"), the same in both services: the
//! change feed read by the `insurer`, and the benefit decisions BHXH sends back. A
//! service says only what its records are ([`Subject`]): what a feed entry holds and
//! which record a decision names.
//!
//! Every change that makes a record enter, change in or leave the feed appends a row
//! to `bhxh_feed` in the transaction of that change ([`record_change`]); the row's
//! sequence is handed out in commit order (see [`store::append`]), so a reader resuming
//! after the last sequence it saw never skips or repeats one.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use uuid::Uuid;

use super::store::{self, DecisionFilter, DecisionRow, FeedRow};
use super::{BenefitDecision, decode_cursor, validate};
use crate::access::Access;
use crate::auth::AuthUser;
use crate::db::{Db, DbConnection};
use crate::error::{ApiError, FieldError, Location, Text};
use crate::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use crate::pagination::{Page, Paged};

/// Largest batch of decisions one request may carry.
pub const MAX_BATCH: usize = 1000;

/// What one service's exchange is about: its records and who may do what.
pub trait Subject: 'static {
    /// What the feed and the decisions name, also the resource of their audit
    /// (`casualty`, `occupational_disease_case`).
    const KIND: &'static str;
    /// The current state of a record, as its feed entry shows it.
    type Record: Clone + Send + 'static;
    /// The records of `ids` (those that exist), by id.
    fn records(
        conn: &mut DbConnection,
        ids: &[String],
    ) -> Result<HashMap<String, Self::Record>, ApiError>;
    /// The id of the record `reference` names, if that record is `personal_id`'s.
    fn of_person(
        conn: &mut DbConnection,
        reference: &str,
        personal_id: &str,
    ) -> QueryResult<Option<String>>;
    /// The service's access rule for `operation`.
    fn check(operation: &str, user: &AuthUser) -> Result<Access, ApiError>;
}

/// Appends one feed change per record, in the caller's transaction.
pub fn record_change<S: Subject>(
    conn: &mut DbConnection,
    ids: &[String],
    reason: &str,
) -> Result<(), ApiError> {
    store::append(conn, S::KIND, ids, reason, crate::db::now())?;
    Ok(())
}

/// One change of the feed with the current state of its record.
#[derive(Clone, Debug)]
pub struct FeedEntry<R> {
    pub change: FeedRow,
    pub record: R,
}

/// A page of the feed and where to resume.
#[derive(Clone, Debug)]
pub struct FeedPage<R> {
    pub entries: Vec<FeedEntry<R>>,
    /// The sequence of the last change returned (or the cursor's, when none was).
    pub last_seq: i64,
    pub has_more: bool,
    /// The changes in the whole feed, when asked for.
    pub total: Option<i64>,
}

/// The changes after `cursor`, oldest first; reading them is audited as an export.
/// `operation` is the feed's operationId, whose rule says who reads it.
pub async fn feed<S: Subject>(
    db: &Db,
    user: &AuthUser,
    operation: &str,
    cursor: Option<String>,
    limit: i64,
    count: Option<bool>,
) -> Result<FeedPage<S::Record>, ApiError> {
    S::check(operation, user)?;
    let after = decode_cursor(cursor.as_deref())?;
    let user = user.clone();
    let size = usize::try_from(limit).unwrap_or(usize::MAX);
    db.run(move |conn| {
        crate::db::transaction(conn, |conn| {
            let total = crate::pagination::count_if(count, || store::count_changes(conn))?;
            let mut changes = store::changes_after(conn, after, limit + 1)?;
            let has_more = changes.len() > size;
            changes.truncate(size);
            let ids: Vec<String> = changes.iter().map(|c| c.subject_id.clone()).collect();
            let records = S::records(conn, &ids)?;
            let last_seq = changes.last().map_or(after, |c| c.seq);
            let mut entries = Vec::with_capacity(changes.len());
            for change in changes {
                let Some(record) = records.get(&change.subject_id) else {
                    return Err(ApiError::Internal(anyhow::anyhow!(
                        "feed change {} names a missing {}",
                        change.seq,
                        S::KIND
                    )));
                };
                entries.push(FeedEntry {
                    record: record.clone(),
                    change,
                });
            }
            let mut seen = HashSet::new();
            let exported: Vec<&str> = ids
                .iter()
                .map(String::as_str)
                .filter(|id| seen.insert(*id))
                .collect();
            crate::audit::record(conn, &user, "export", S::KIND, &exported)?;
            Ok::<_, ApiError>(FeedPage {
                entries,
                last_seq,
                has_more,
                total,
            })
        })
    })
    .await
}

/// What happened to one decision of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemResult {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

impl ItemResult {
    /// The status every bulk answer gives an item.
    #[must_use]
    pub fn status(self) -> crate::jobs::ItemStatus {
        use crate::jobs::ItemStatus;
        match self {
            ItemResult::Created => ItemStatus::Created,
            ItemResult::Updated => ItemStatus::Updated,
            ItemResult::Unchanged => ItemStatus::Unchanged,
            ItemResult::Rejected => ItemStatus::Rejected,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemResult::Created => "created",
            ItemResult::Updated => "updated",
            ItemResult::Unchanged => "unchanged",
            ItemResult::Rejected => "rejected",
        }
    }
}

/// The outcome of one decision of a batch.
#[derive(Clone, Debug)]
pub struct ItemOutcome {
    pub index: usize,
    pub decision_number: Option<String>,
    pub result: ItemResult,
    /// The stored decision (none when rejected).
    pub decision: Option<DecisionRow>,
    /// Problems, with pointers into the batch (`/3/personal_id`).
    pub errors: Vec<FieldError>,
}

/// Makes the answer to a batch; it is stored with the idempotency key, so a retry
/// gets the same answer.
pub type RenderBatch = fn(&[ItemOutcome]) -> Result<StoredResponse, ApiError>;

/// `errors` pointed into the batch at item `index` (`/personal_id` → `/3/personal_id`).
fn in_batch(index: usize, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            location: match e.location {
                Location::Body(p) => Location::Body(format!("/{index}{p}")),
                other => other,
            },
            ..e
        })
        .collect()
}

/// The problems of a decision that does not parse, pointed into the batch.
fn parse_errors(index: usize, e: ApiError) -> Vec<FieldError> {
    let errors = match e {
        ApiError::Validation { errors } | ApiError::BadRequest { errors, .. } => errors,
        _ => vec![],
    };
    if errors.is_empty() {
        return vec![FieldError::body(
            format!("/{index}"),
            "invalid_decision",
            Text::new(
                "Quyết định phải là một đối tượng JSON đúng mẫu.",
                "A decision must be a JSON object of the documented shape.",
            ),
        )];
    }
    in_batch(index, errors)
}

fn rejected(index: usize, number: Option<String>, errors: Vec<FieldError>) -> ItemOutcome {
    ItemOutcome {
        index,
        decision_number: number,
        result: ItemResult::Rejected,
        decision: None,
        errors,
    }
}

/// Stores one valid decision: created, updated or unchanged by its number.
fn store_decision<S: Subject>(
    conn: &mut DbConnection,
    d: &BenefitDecision,
    by: &str,
) -> Result<(ItemResult, DecisionRow), ApiError> {
    let number = d.decision_number.trim().to_owned();
    let personal_id = d.personal_id.trim().to_owned();
    let reference = d.case_reference.trim().to_owned();
    let subject_id = S::of_person(conn, &reference, &personal_id)?;
    let now = crate::db::now();
    let fresh = DecisionRow {
        id: Uuid::now_v7().to_string(),
        decision_number: number.clone(),
        decision_date: d.decision_date,
        personal_id,
        case_reference: reference,
        subject_kind: S::KIND.to_owned(),
        subject_id,
        capacity_loss_percent: d.capacity_loss_percent.map(i64::from),
        benefit_type: d.benefit_type.as_str().to_owned(),
        amount_vnd: d.amount_vnd,
        status: d.status.as_str().to_owned(),
        received_by: by.to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let Some(existing) = store::decision_by_number(conn, &number)? else {
        store::insert_decision(conn, &fresh)?;
        return Ok((ItemResult::Created, fresh));
    };
    let same = existing.decision_date == fresh.decision_date
        && existing.personal_id == fresh.personal_id
        && existing.case_reference == fresh.case_reference
        && existing.subject_id == fresh.subject_id
        && existing.capacity_loss_percent == fresh.capacity_loss_percent
        && existing.benefit_type == fresh.benefit_type
        && existing.amount_vnd == fresh.amount_vnd
        && existing.status == fresh.status;
    if same {
        return Ok((ItemResult::Unchanged, existing));
    }
    let updated = DecisionRow {
        id: existing.id,
        received_by: fresh.received_by.clone(),
        version: existing.version + 1,
        created_at: existing.created_at,
        ..fresh
    };
    store::update_decision(conn, &updated)?;
    Ok((ItemResult::Updated, updated))
}

/// Receives a batch of benefit decisions (JSON array), idempotent by decision number.
/// Each item is parsed and checked on its own: a bad one is `rejected` with its
/// problems, the others are stored. A decision whose case reference names no record
/// of that person is stored unmatched, for reconciliation.
#[tracing::instrument(skip_all)]
pub async fn receive_decisions<S: Subject>(
    db: &Db,
    user: &AuthUser,
    items: Vec<serde_json::Value>,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: RenderBatch,
) -> Result<Outcome, ApiError> {
    S::check("receive_bhxh_benefit_decisions", user)?;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::field(
            "",
            "invalid_batch_size",
            Text::new(
                format!("Lô quyết định phải có từ 1 đến {MAX_BATCH} quyết định."),
                format!("A batch holds 1 to {MAX_BATCH} decisions."),
            ),
        ));
    }
    let today = crate::time::today();
    let parsed: Vec<Result<BenefitDecision, Vec<FieldError>>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let d = crate::extract::from_value::<BenefitDecision>(item.clone())
                .map_err(|e| parse_errors(i, e))?;
            let errors = in_batch(i, validate(&d, today));
            if errors.is_empty() {
                Ok(d)
            } else {
                Err(errors)
            }
        })
        .collect();
    let user = user.clone();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let by = user.principal();
            let mut seen = HashSet::new();
            let mut outcomes = Vec::with_capacity(parsed.len());
            for (index, item) in parsed.iter().enumerate() {
                let d = match item {
                    Ok(d) => d,
                    Err(errors) => {
                        let number = items
                            .get(index)
                            .and_then(|v| v.get("decision_number"))
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_owned);
                        outcomes.push(rejected(index, number, errors.clone()));
                        continue;
                    }
                };
                let number = d.decision_number.trim().to_owned();
                if !seen.insert(number.clone()) {
                    let error = FieldError::body(
                        format!("/{index}/decision_number"),
                        "duplicate_in_batch",
                        Text::new(
                            "Số quyết định này đã có ở một mục trước trong cùng lô.",
                            "This decision number already appears earlier in the batch.",
                        ),
                    );
                    outcomes.push(rejected(index, Some(number), vec![error]));
                    continue;
                }
                let (result, row) = store_decision::<S>(conn, d, &by)?;
                outcomes.push(ItemOutcome {
                    index,
                    decision_number: Some(number),
                    result,
                    decision: Some(row),
                    errors: vec![],
                });
            }
            for (action, result) in [
                ("create", ItemResult::Created),
                ("update", ItemResult::Updated),
            ] {
                let ids: Vec<&str> = outcomes
                    .iter()
                    .filter(|o| o.result == result)
                    .filter_map(|o| o.decision.as_ref().map(|d| d.id.as_str()))
                    .collect();
                crate::audit::record(conn, &user, action, "benefit_decision", &ids)?;
            }
            render(&outcomes)
        })
    })
    .await
}

/// A page of decisions, newest first; reading them is audited.
pub async fn list_decisions<S: Subject>(
    db: &Db,
    user: &AuthUser,
    filter: DecisionFilter,
    page: Page,
) -> Result<Paged<DecisionRow>, ApiError> {
    S::check("list_bhxh_benefit_decisions", user)?;
    let user = user.clone();
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                let total = fetch.total(|| store::count_decisions(conn, &filter))?;
                let rows = store::list_decisions(
                    conn,
                    &filter,
                    fetch.before.as_deref(),
                    fetch.fetch_limit(),
                )?;
                let shown: Vec<&str> = rows
                    .iter()
                    .take(usize::try_from(fetch.limit).unwrap_or(0))
                    .map(|r| r.id.as_str())
                    .collect();
                crate::audit::record(conn, &user, "list", "benefit_decision", &shown)?;
                Ok::<_, ApiError>((rows, total))
            })
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}
