//! The BHXH exchange (docs/domain.md, "BHXH benefit rules"): the change feed of diagnosed occupational-disease
//! cases for the `insurer`, and the benefit decisions BHXH sends back.
//!
//! Every change that makes a case enter or change in the feed appends a row to
//! `bhxh_disease_feed` in the transaction of that change ([`record_change`]);
//! the row's sequence is handed out in commit order (see [`crate::db::bhxh::append`]),
//! so a reader resuming after the last sequence it saw never skips or repeats one.

use std::collections::{HashMap, HashSet};

use diesel::Connection;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Location, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::Page;
use uuid::Uuid;

use crate::db::bhxh::{self as repo, DecisionFilter, DecisionRow, FeedRow};
use crate::db::models::DiseaseCaseRow;
use crate::domain::bhxh::{self as rules, BenefitDecision, FeedReason};

/// Largest batch of decisions one request may carry.
pub const MAX_BATCH: usize = 1000;

/// Appends one feed change for the case, in the caller's transaction.
pub fn record_change(
    conn: &mut DbConnection,
    case_id: &str,
    reason: FeedReason,
) -> Result<(), ApiError> {
    repo::append(
        conn,
        &[case_id.to_owned()],
        reason.as_str(),
        shared::db::now(),
    )?;
    Ok(())
}

/// One change of the feed with the current state of its case.
#[derive(Clone, Debug)]
pub struct FeedEntry {
    pub change: FeedRow,
    pub case: DiseaseCaseRow,
}

/// A page of the feed and where to resume.
#[derive(Clone, Debug)]
pub struct FeedPage {
    pub entries: Vec<FeedEntry>,
    /// The sequence of the last change returned (or the cursor's, when none was).
    pub last_seq: i64,
    pub has_more: bool,
}

/// The changes after `cursor`, oldest first; reading them is audited as an export.
pub async fn feed(
    db: &Db,
    user: &AuthUser,
    cursor: Option<String>,
    limit: i64,
) -> Result<FeedPage, ApiError> {
    super::access::check("get_bhxh_disease_cases", user)?;
    let after = rules::decode_cursor(cursor.as_deref())?;
    let user = user.clone();
    db.run(move |conn| {
        conn.transaction(|conn| {
            let mut changes = repo::changes_after(conn, after, limit + 1)?;
            let has_more = changes.len() > usize::try_from(limit).unwrap_or(usize::MAX);
            changes.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let case_ids: Vec<String> = changes.iter().map(|c| c.case_id.clone()).collect();
            let cases: HashMap<String, DiseaseCaseRow> = repo::cases_by_id(conn, &case_ids)?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect();
            let last_seq = changes.last().map_or(after, |c| c.seq);
            let mut entries = Vec::with_capacity(changes.len());
            for change in changes {
                let Some(case) = cases.get(&change.case_id) else {
                    return Err(ApiError::Internal(anyhow::anyhow!(
                        "feed change {} names a missing case",
                        change.seq
                    )));
                };
                entries.push(FeedEntry {
                    case: case.clone(),
                    change,
                });
            }
            let mut seen = HashSet::new();
            let exported: Vec<&str> = entries
                .iter()
                .map(|e| e.case.id.as_str())
                .filter(|id| seen.insert(*id))
                .collect();
            shared::audit::record(
                conn,
                &user,
                "export",
                "occupational_disease_case",
                &exported,
            )?;
            Ok::<_, ApiError>(FeedPage {
                entries,
                last_seq,
                has_more,
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

pub type RenderBatch = fn(&[ItemOutcome]) -> Result<StoredResponse, ApiError>;

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
fn store(
    conn: &mut DbConnection,
    d: &BenefitDecision,
    by: &str,
) -> Result<(ItemResult, DecisionRow), ApiError> {
    let number = d.decision_number.trim().to_owned();
    let personal_id = d.personal_id.trim().to_owned();
    let reference = d.case_reference.trim().to_owned();
    let case = repo::case_of_person(conn, &reference, &personal_id)?;
    let now = shared::db::now();
    let fresh = DecisionRow {
        id: Uuid::now_v7().to_string(),
        decision_number: number.clone(),
        decision_date: d.decision_date,
        personal_id,
        case_reference: reference,
        case_id: case.map(|c| c.id),
        capacity_loss_percent: d.capacity_loss_percent.map(i64::from),
        benefit_type: d.benefit_type.as_str().to_owned(),
        amount_vnd: d.amount_vnd,
        status: d.status.as_str().to_owned(),
        received_by: by.to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let Some(existing) = repo::decision_by_number(conn, &number)? else {
        repo::insert_decision(conn, &fresh)?;
        return Ok((ItemResult::Created, fresh));
    };
    let same = existing.decision_date == fresh.decision_date
        && existing.personal_id == fresh.personal_id
        && existing.case_reference == fresh.case_reference
        && existing.case_id == fresh.case_id
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
    repo::update_decision(conn, &updated)?;
    Ok((ItemResult::Updated, updated))
}

/// Receives a batch of benefit decisions (JSON array), idempotent by decision number.
/// Each item is parsed and checked on its own: a bad one is `rejected` with its
/// problems, the others are stored. A decision whose case reference names no case of
/// that person is stored unmatched, for reconciliation.
#[tracing::instrument(skip_all)]
pub async fn receive_decisions(
    db: &Db,
    user: &AuthUser,
    items: Vec<serde_json::Value>,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: RenderBatch,
) -> Result<Outcome, ApiError> {
    super::access::check("receive_bhxh_benefit_decisions", user)?;
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
    let today = shared::time::today();
    let parsed: Vec<Result<BenefitDecision, Vec<FieldError>>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let d = shared::extract::parse::<BenefitDecision>(item.to_string().as_bytes())
                .map_err(|e| parse_errors(i, e))?
                .body;
            let errors: Vec<FieldError> = rules::validate(&d, today)
                .into_iter()
                .map(|e| FieldError {
                    location: match e.location {
                        Location::Body(p) => Location::Body(format!("/{i}{p}")),
                        other => other,
                    },
                    ..e
                })
                .collect();
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
                let (result, row) = store(conn, d, &by)?;
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
                shared::audit::record(conn, &user, action, "benefit_decision", &ids)?;
            }
            render(&outcomes)
        })
    })
    .await
}

/// A page of decisions, newest first; reading them is audited.
pub async fn list_decisions(
    db: &Db,
    user: &AuthUser,
    filter: DecisionFilter,
    page: Page,
) -> Result<(Vec<DecisionRow>, Option<String>), ApiError> {
    super::access::check("list_bhxh_benefit_decisions", user)?;
    let user = user.clone();
    let fetch = page.clone();
    let rows = db
        .run(move |conn| {
            conn.transaction(|conn| {
                let rows = repo::list_decisions(
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
                shared::audit::record(conn, &user, "list", "benefit_decision", &shown)?;
                Ok::<_, ApiError>(rows)
            })
        })
        .await?;
    Ok(page.finish(rows, |r| r.id.as_str()))
}
