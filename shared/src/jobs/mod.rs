//! Bulk imports and the jobs that run the large ones (docs/integration.md, "9. Bulk
//! import and jobs").
//!
//! - [`bulk`] reads a bulk body (JSON array, NDJSON or CSV with Vietnamese headers)
//!   into items, and answers small batches at once (200) or stores large ones as a
//!   job (`202` + `Location: /api/v1/jobs/{id}`).
//! - [`runner`] claims queued jobs (PostgreSQL: `FOR UPDATE SKIP LOCKED`) and runs
//!   the service's [`ImportFn`] over them in chunks, one transaction each, so progress
//!   shows and a failure keeps every chunk already committed.
//! - `/api/v1/jobs/{id}` ([`crate::routes::jobs`]) shows a job to its creator or an admin.

pub mod bulk;
pub mod runner;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::Lang;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError, ProblemFieldError};

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        status -> Text,
        dry_run -> Bool,
        created_by -> Text,
        payload -> Text,
        total -> BigInt,
        done -> BigInt,
        created -> BigInt,
        updated -> BigInt,
        unchanged -> BigInt,
        rejected -> BigInt,
        error -> Nullable<Text>,
        lease_until -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    job_chunks (job_id, first_index) {
        job_id -> Text,
        first_index -> BigInt,
        results -> Text,
    }
}

diesel::table! {
    job_items (job_id, first_index) {
        job_id -> Text,
        first_index -> BigInt,
        items -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(jobs, job_chunks, job_items);

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// What one import did with one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

/// The result of one item of a bulk request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemResult {
    /// Position of the item in the request, from 0 (for CSV: the data row, header excluded).
    pub index: usize,
    pub status: ItemStatus,
    /// The record created, updated or left unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why the item was rejected; each pointer starts with the item's index (`/3/tax_code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ProblemFieldError>>,
}

impl ItemResult {
    pub fn done(index: usize, status: ItemStatus, id: String) -> Self {
        Self {
            index,
            status,
            id: Some(id),
            problems: None,
        }
    }

    /// A rejection; the problems' pointers (`/name`) are moved under `/{index}`.
    pub fn rejected(index: usize, errors: &[FieldError]) -> Self {
        let problem = ApiError::validation(
            errors
                .iter()
                .map(|e| match &e.location {
                    crate::error::Location::Body(p) => {
                        FieldError::body(format!("/{index}{p}"), e.code.clone(), e.message.clone())
                    }
                    _ => e.clone(),
                })
                .collect(),
        )
        .problem(Lang::Vi, None, None);
        Self {
            index,
            status: ItemStatus::Rejected,
            id: None,
            problems: problem.errors,
        }
    }

    /// A rejection for an error that is not a validation failure (say, 403 for a
    /// record outside the caller's scope).
    pub fn refused(index: usize, error: &ApiError) -> Self {
        match error {
            ApiError::Validation { errors } | ApiError::BadRequest { errors, .. }
                if !errors.is_empty() =>
            {
                Self::rejected(index, errors)
            }
            other => {
                let problem = other.problem(Lang::Vi, None, None);
                Self {
                    index,
                    status: ItemStatus::Rejected,
                    id: None,
                    problems: Some(vec![ProblemFieldError {
                        pointer: Some(format!("/{index}")),
                        parameter: None,
                        header: None,
                        code: problem.code,
                        message: problem.detail,
                    }]),
                }
            }
        }
    }
}

/// How many items ended each way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

impl Summary {
    pub fn of(results: &[ItemResult]) -> Self {
        results.iter().fold(Self::default(), |mut s, r| {
            s.total += 1;
            match r.status {
                ItemStatus::Created => s.created += 1,
                ItemStatus::Updated => s.updated += 1,
                ItemStatus::Unchanged => s.unchanged += 1,
                ItemStatus::Rejected => s.rejected += 1,
            }
            s
        })
    }
}

/// The answer of a bulk request handled at once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkResponse {
    pub dry_run: bool,
    pub summary: Summary,
    pub items: Vec<ItemResult>,
}

/// One slice of a bulk request, handed to the service's import function.
pub struct ImportChunk<'a> {
    /// The import asked for, e.g. `establishments`.
    pub kind: &'a str,
    /// Who asked (the job's creator), for revisions and audit.
    pub principal: &'a str,
    /// Index of `items[0]` in the whole request.
    pub first_index: usize,
    pub items: &'a [serde_json::Value],
}

/// A service's import: applies `chunk` inside the caller's transaction and reports
/// every item. A rule an item breaks is its rejection; an `Err` aborts the chunk.
pub type ImportFn = fn(&mut DbConnection, &ImportChunk<'_>) -> Result<Vec<ItemResult>, ApiError>;

/// A job as stored, without its payload.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub dry_run: bool,
    pub created_by: String,
    pub total: i64,
    pub done: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl JobRow {
    pub fn summary(&self) -> Summary {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Summary {
            total: n(self.done),
            created: n(self.created),
            updated: n(self.updated),
            unchanged: n(self.unchanged),
            rejected: n(self.rejected),
        }
    }
}

/// A job's items as stored: JSON arrays of up to [`runner::CHUNK`] items each, one per
/// chunk the runner will apply, written one item at a time.
#[derive(Debug, Default)]
pub struct Payload {
    /// The arrays closed so far, each with the index of its first item.
    chunks: Vec<(usize, String)>,
    /// The array being filled, without its closing bracket.
    open: String,
    in_open: usize,
    count: usize,
}

impl Payload {
    pub fn push(&mut self, item: &serde_json::Value) -> Result<(), ApiError> {
        self.open.push(if self.in_open == 0 { '[' } else { ',' });
        self.open
            .push_str(&serde_json::to_string(item).map_err(anyhow::Error::from)?);
        self.in_open += 1;
        self.count += 1;
        if self.in_open == runner::CHUNK {
            self.close();
        }
        Ok(())
    }

    fn close(&mut self) {
        let mut array = std::mem::take(&mut self.open);
        array.push(']');
        self.chunks.push((self.count - self.in_open, array));
        self.in_open = 0;
    }

    /// The chunks' arrays, in order, each with the index of its first item, and how
    /// many items they hold in all.
    pub fn finish(mut self) -> (Vec<(usize, String)>, usize) {
        if self.in_open > 0 {
            self.close();
        }
        (self.chunks, self.count)
    }
}

/// The stored items of a job queued before `job_items` held them (its `payload`), each
/// borrowed from `payload` until its chunk is run.
pub fn payload_items(payload: &str) -> Result<Vec<&serde_json::value::RawValue>, ApiError> {
    Ok(serde_json::from_str(payload).map_err(anyhow::Error::from)?)
}

/// Stores a queued job over `chunks` (JSON arrays of `total` items in all, each with
/// the index of its first item, see [`Payload`]), one `job_items` row per chunk, and
/// returns its id. Each chunk is an insert of its own, so no message to the database
/// holds the whole request; the caller's transaction keeps the job from being claimed
/// before its last chunk.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    principal: &str,
    dry_run: bool,
    chunks: &[(usize, String)],
    total: usize,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::db::now();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&id),
            jobs::kind.eq(kind),
            jobs::status.eq(QUEUED),
            jobs::dry_run.eq(dry_run),
            jobs::created_by.eq(principal),
            // Kept for jobs queued by earlier versions; the items are in `job_items`.
            jobs::payload.eq("[]"),
            jobs::total.eq(total),
            jobs::done.eq(0_i64),
            jobs::created.eq(0_i64),
            jobs::updated.eq(0_i64),
            jobs::unchanged.eq(0_i64),
            jobs::rejected.eq(0_i64),
            jobs::lease_until.eq(now),
            jobs::created_at.eq(now),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    for (first_index, items) in chunks {
        diesel::insert_into(job_items::table)
            .values((
                job_items::job_id.eq(&id),
                job_items::first_index.eq(i64::try_from(*first_index).unwrap_or(i64::MAX)),
                job_items::items.eq(items),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<JobRow>> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// Every state a job goes through, in order (for `/metrics`, which shows each one even
/// when no job is in it).
pub const STATES: [&str; 4] = [QUEUED, RUNNING, SUCCEEDED, FAILED];

/// How many jobs of each kind are in each state, read from the `jobs_by_state` index
/// alone (for `/metrics`): `(kind, status, count)`.
pub fn count_by_state(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    jobs::table
        .group_by((jobs::kind, jobs::status))
        .select((jobs::kind, jobs::status, diesel::dsl::count_star()))
        .load(conn)
}

/// The per-row results recorded so far, in request order.
pub fn results(conn: &mut DbConnection, id: &str) -> Result<Vec<ItemResult>, ApiError> {
    let chunks: Vec<String> = job_chunks::table
        .filter(job_chunks::job_id.eq(id))
        .order(job_chunks::first_index)
        .select(job_chunks::results)
        .load(conn)?;
    let mut all = Vec::new();
    for chunk in chunks {
        let mut items: Vec<ItemResult> =
            serde_json::from_str(&chunk).map_err(anyhow::Error::from)?;
        all.append(&mut items);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Text;

    #[test]
    fn rejections_point_under_the_item_index() {
        let r = ItemResult::rejected(
            3,
            &[FieldError::body(
                "/tax_code",
                "invalid_tax_code",
                Text::new("Sai.", "Wrong."),
            )],
        );
        assert_eq!(r.status, ItemStatus::Rejected);
        let pointer = r
            .problems
            .as_ref()
            .and_then(|p| p.first())
            .and_then(|p| p.pointer.clone());
        assert_eq!(pointer.as_deref(), Some("/3/tax_code"));
    }

    #[test]
    fn a_payload_is_split_into_arrays_of_one_chunk_each() {
        let mut payload = Payload::default();
        for n in 0..runner::CHUNK * 2 + 3 {
            assert!(payload.push(&serde_json::json!({ "n": n })).is_ok());
        }
        let (chunks, total) = payload.finish();
        assert_eq!(total, runner::CHUNK * 2 + 3);
        let firsts: Vec<usize> = chunks.iter().map(|(first, _)| *first).collect();
        assert_eq!(firsts, [0, runner::CHUNK, runner::CHUNK * 2]);
        let last: Vec<serde_json::Value> = chunks
            .last()
            .and_then(|(_, items)| serde_json::from_str(items).ok())
            .unwrap_or_default();
        assert_eq!(last.len(), 3);
        assert_eq!(
            last.first(),
            Some(&serde_json::json!({ "n": runner::CHUNK * 2 }))
        );
        assert_eq!(Payload::default().finish(), (vec![], 0));
    }

    #[test]
    fn the_summary_counts_each_status() {
        let results = vec![
            ItemResult::done(0, ItemStatus::Created, "a".into()),
            ItemResult::done(1, ItemStatus::Unchanged, "b".into()),
            ItemResult::rejected(2, &[]),
        ];
        let s = Summary::of(&results);
        assert_eq!((s.total, s.created, s.unchanged, s.rejected), (3, 1, 1, 1));
    }
}
