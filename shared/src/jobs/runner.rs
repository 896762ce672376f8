//! Running queued jobs: claim one, apply its items chunk by chunk, each chunk in one
//! transaction with its results and the progress counters, then mark it done.
//!
//! A job's items are stored one row of `job_items` per chunk, and a chunk's row is read
//! only when that chunk runs: no message between the runner and the database holds
//! more than one chunk. A job queued by a version before `job_items` has its items in
//! `jobs.payload` and is run from there.
//!
//! A claimed job is leased; every committed chunk renews the lease. A runner that
//! dies leaves the job to be claimed again once the lease runs out, and the next
//! runner goes on from the first row not yet done. On PostgreSQL several replicas may
//! run jobs: the claim is `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use diesel::prelude::*;

use super::{FAILED, ImportChunk, ImportFn, ItemResult, QUEUED, RUNNING, SUCCEEDED, Summary};
use super::{job_chunks, job_items, jobs};
use crate::db::{Db, DbConnection};
use crate::error::ApiError;

/// Rows per transaction.
pub const CHUNK: usize = 500;
const IDLE: Duration = Duration::from_millis(250);

/// A job taken by this runner.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: String,
    pub kind: String,
    pub dry_run: bool,
    pub created_by: String,
    pub done: i64,
    pub total: i64,
    /// The items of a job queued before `job_items` existed; `[]` for later ones.
    pub payload: String,
    /// How long each committed chunk keeps the job with this runner.
    pub lease: chrono::Duration,
}

/// Claims the oldest queued job, or a running one whose lease ran out, for `lease`.
pub fn claim(
    conn: &mut DbConnection,
    now: chrono::NaiveDateTime,
    lease: chrono::Duration,
) -> Result<Option<Claimed>, ApiError> {
    crate::db::transaction(conn, |conn| {
        let due = jobs::table
            .filter(
                jobs::status
                    .eq(QUEUED)
                    .or(jobs::status.eq(RUNNING).and(jobs::lease_until.lt(now))),
            )
            .order(jobs::id)
            .limit(1)
            .select(jobs::id);
        let id: Option<String> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().first(c).optional()?,
            // One SQLite writer at a time: the transaction is the lock.
            DbConnection::Sqlite(c) => due.first(c).optional()?,
        };
        let Some(id) = id else {
            return Ok(None);
        };
        diesel::update(jobs::table.find(&id))
            .set((
                jobs::status.eq(RUNNING),
                jobs::lease_until.eq(now + lease),
                jobs::updated_at.eq(now),
            ))
            .execute(conn)?;
        let (kind, dry_run, created_by, done, total, payload) = jobs::table
            .find(&id)
            .select((
                jobs::kind,
                jobs::dry_run,
                jobs::created_by,
                jobs::done,
                jobs::total,
                jobs::payload,
            ))
            .first::<(String, bool, String, i64, i64, String)>(conn)?;
        Ok(Some(Claimed {
            id,
            kind,
            dry_run,
            created_by,
            done,
            total,
            payload,
            lease,
        }))
    })
}

enum ChunkError {
    Api(ApiError),
    /// Roll back a dry run's writes, keeping its results.
    DryRun(Vec<ItemResult>),
}

impl From<diesel::result::Error> for ChunkError {
    fn from(e: diesel::result::Error) -> Self {
        ChunkError::Api(e.into())
    }
}

impl From<ApiError> for ChunkError {
    fn from(e: ApiError) -> Self {
        ChunkError::Api(e)
    }
}

/// Records one chunk's results and advances the job, if no other runner did.
fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    first_index: usize,
    results: &[ItemResult],
) -> Result<(), ApiError> {
    let summary = Summary::of(results);
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let start = i64::try_from(first_index).unwrap_or(i64::MAX);
    let now = crate::db::now();
    let advanced = diesel::update(
        jobs::table
            .filter(jobs::id.eq(&claimed.id))
            .filter(jobs::done.eq(start)),
    )
    .set((
        jobs::done.eq(jobs::done + n(summary.total)),
        jobs::created.eq(jobs::created + n(summary.created)),
        jobs::updated.eq(jobs::updated + n(summary.updated)),
        jobs::unchanged.eq(jobs::unchanged + n(summary.unchanged)),
        jobs::rejected.eq(jobs::rejected + n(summary.rejected)),
        jobs::lease_until.eq(now + claimed.lease),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    if advanced != 1 {
        return Err(ApiError::Conflict {
            code: "job_taken_over",
            detail: crate::error::Text::new(
                "Một tiến trình khác đã tiếp quản công việc này.",
                "Another runner took this job over.",
            ),
        });
    }
    diesel::insert_into(job_chunks::table)
        .values((
            job_chunks::job_id.eq(&claimed.id),
            job_chunks::first_index.eq(start),
            job_chunks::results.eq(serde_json::to_string(results).map_err(anyhow::Error::from)?),
        ))
        .execute(conn)?;
    Ok(())
}

/// Applies one chunk and records it; a dry run's writes are rolled back first.
fn run_chunk(
    conn: &mut DbConnection,
    import: ImportFn,
    claimed: &Claimed,
    chunk: &ImportChunk<'_>,
) -> Result<(), ApiError> {
    if claimed.dry_run {
        let results = match crate::db::transaction(conn, |c| {
            Err::<(), _>(ChunkError::DryRun(import(c, chunk)?))
        }) {
            Err(ChunkError::DryRun(results)) => results,
            Err(ChunkError::Api(e)) => return Err(e),
            Ok(()) => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "dry run did not roll back"
                )));
            }
        };
        return crate::db::transaction(conn, |c| record(c, claimed, chunk.first_index, &results));
    }
    crate::db::transaction(conn, |c| {
        let results = import(c, chunk)?;
        record(c, claimed, chunk.first_index, &results)
    })
}

/// Marks the job ended; its items are not needed once the results are kept.
fn finish(conn: &mut DbConnection, id: &str, error: Option<String>) -> Result<(), ApiError> {
    crate::db::transaction(conn, |conn| {
        diesel::update(jobs::table.find(id))
            .set((
                jobs::status.eq(if error.is_some() { FAILED } else { SUCCEEDED }),
                jobs::error.eq(error),
                jobs::payload.eq("[]"),
                jobs::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        diesel::delete(job_items::table.filter(job_items::job_id.eq(id))).execute(conn)?;
        Ok(())
    })
}

/// The stored chunk that holds item `index` of job `id`: its first item's index and
/// its items (a JSON array).
fn items_at(
    conn: &mut DbConnection,
    id: &str,
    index: usize,
) -> Result<Option<(usize, String)>, ApiError> {
    let index = i64::try_from(index).unwrap_or(i64::MAX);
    let row: Option<(i64, String)> = job_items::table
        .filter(job_items::job_id.eq(id))
        .filter(job_items::first_index.le(index))
        .order(job_items::first_index.desc())
        .select((job_items::first_index, job_items::items))
        .first(conn)
        .optional()?;
    Ok(row.map(|(first, items)| (usize::try_from(first).unwrap_or(0), items)))
}

/// Applies `items`, the request's items from `first` on, as one chunk; when it fails,
/// logs why and returns the text the job ends with.
async fn apply(
    db: &Db,
    import: ImportFn,
    claimed: &Claimed,
    first: usize,
    items: Vec<serde_json::Value>,
) -> Option<String> {
    let job = claimed.clone();
    let outcome = db
        .run(move |conn| {
            let chunk = ImportChunk {
                kind: &job.kind,
                principal: &job.created_by,
                first_index: first,
                items: &items,
            };
            run_chunk(conn, import, &job, &chunk)
        })
        .await;
    match outcome {
        Ok(()) => None,
        Err(e) => {
            tracing::warn!(job = %claimed.id, first_index = first, error = %e, "import chunk failed");
            Some(format!("rows from {first}: {e}"))
        }
    }
}

/// Runs one claimed job to its end.
pub async fn run(db: &Db, import: ImportFn, mut claimed: Claimed) -> Result<(), ApiError> {
    let payload = std::mem::take(&mut claimed.payload);
    let failure = if payload.trim() == "[]" {
        run_stored_chunks(db, import, &claimed).await?
    } else {
        run_payload(db, import, &claimed, &payload).await?
    };
    let id = claimed.id.clone();
    db.run(move |conn| finish(conn, &id, failure)).await
}

/// Runs the job's `job_items` rows from its first item not yet done, reading each
/// chunk's row only when it runs; the error text the job ends with, if any.
async fn run_stored_chunks(
    db: &Db,
    import: ImportFn,
    claimed: &Claimed,
) -> Result<Option<String>, ApiError> {
    let total = usize::try_from(claimed.total).unwrap_or(0);
    let mut first = usize::try_from(claimed.done).unwrap_or(0);
    while first < total {
        let id = claimed.id.clone();
        let Some((start, items)) = db.run(move |conn| items_at(conn, &id, first)).await? else {
            return Ok(Some(format!(
                "rows from {first}: the job's items are missing"
            )));
        };
        let mut items: Vec<serde_json::Value> =
            serde_json::from_str(&items).map_err(anyhow::Error::from)?;
        // A job resumed by a runner is at the start of a stored chunk, as chunks are
        // recorded whole; this only keeps the indexes right if it were not.
        let skip = first.saturating_sub(start).min(items.len());
        items.drain(..skip);
        if items.is_empty() {
            return Ok(Some(format!(
                "rows from {first}: the job's items are missing"
            )));
        }
        let end = first + items.len();
        if let Some(failure) = apply(db, import, claimed, first, items).await {
            return Ok(Some(failure));
        }
        first = end;
    }
    Ok(None)
}

/// Runs a job queued before `job_items` existed, from the items in its `payload`; the
/// error text the job ends with, if any.
async fn run_payload(
    db: &Db,
    import: ImportFn,
    claimed: &Claimed,
    payload: &str,
) -> Result<Option<String>, ApiError> {
    // Only the chunk being run is parsed into values; the rest stays text, held once.
    let items = super::payload_items(payload)?;
    let mut first = usize::try_from(claimed.done).unwrap_or(0);
    while first < items.len() {
        let end = (first + CHUNK).min(items.len());
        let slice = items
            .get(first..end)
            .unwrap_or_default()
            .iter()
            .map(|raw| serde_json::from_str(raw.get()))
            .collect::<Result<Vec<serde_json::Value>, _>>()
            .map_err(anyhow::Error::from)?;
        if let Some(failure) = apply(db, import, claimed, first, slice).await {
            return Ok(Some(failure));
        }
        first = end;
    }
    Ok(None)
}

/// One round: claim a job for `lease` and run it. Returns whether there was one.
pub async fn run_once(db: &Db, import: ImportFn, lease: Duration) -> Result<bool, ApiError> {
    let lease = chrono::Duration::from_std(lease).map_err(anyhow::Error::from)?;
    let Some(claimed) = db
        .run(move |conn| claim(conn, crate::db::now(), lease))
        .await?
    else {
        return Ok(false);
    };
    tracing::info!(job = %claimed.id, kind = %claimed.kind, "job claimed");
    run(db, import, claimed).await?;
    Ok(true)
}

/// Wakes this process's runner when a request queues a job, so the job starts at
/// once rather than at the next poll (which still finds jobs queued by other replicas).
#[derive(Default)]
pub struct Wake(tokio::sync::Notify);

impl Wake {
    pub fn job_queued(&self) {
        // A permit is kept if the runner is busy, so the wake-up is never lost.
        self.0.notify_one();
    }
}

/// Runs jobs until the process ends, each claimed for `lease`.
pub fn spawn(
    db: Db,
    import: ImportFn,
    wake: std::sync::Arc<Wake>,
    lease: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&db, import, lease).await {
                Ok(true) => {}
                Ok(false) => {
                    tokio::select! {
                        () = tokio::time::sleep(IDLE) => {}
                        () = wake.0.notified() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "job round failed");
                    tokio::time::sleep(IDLE).await;
                }
            }
        }
    })
}
