//! The SQL of delivering: which subscriptions have work due, claiming a subscription's
//! due deliveries, recording what a send did, replaying a dead delivery.
//!
//! A claim counts the attempt and leases the delivery in one compare-and-set update
//! (`attempts` is the fencing token): of two dispatchers that saw the same row, only
//! one update matches, on PostgreSQL (where `SKIP LOCKED` also keeps them apart) and
//! on SQLite alike. The lease is longer than a send can take (the HTTP timeout bounds
//! it), so a claim never expires while its send is in flight, and a result is written
//! only by the claim that still holds the row. An attempt is counted when it starts:
//! a dispatcher that dies mid-send leaves an attempt the receiver may have seen.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Envelope;
use super::outbox::{DEAD, DELIVERED, PENDING};
use super::schema::{deliveries, outbox_events, subscriptions};
use crate::config::EventSettings;
use crate::db::DbConnection;
use crate::error::ApiError;

/// Time a claim holds a delivery beyond the HTTP timeout: room for the claim and the
/// record around the send, and for a busy runtime.
const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// How long a claim holds its deliveries: longer than any send under `timeout_ms`.
pub fn lease(settings: &EventSettings) -> Duration {
    Duration::from_millis(settings.timeout_ms).saturating_add(LEASE_MARGIN)
}

/// One delivery claimed for sending; `attempts` already counts this attempt.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub delivery_id: String,
    pub attempts: i64,
    /// When it was due before the claim: a delivery released unsent gets it back, so
    /// it keeps its place in its subscription's order.
    pub due_at: NaiveDateTime,
    pub url: String,
    pub secret: String,
    /// Its subscription's bound on sends in flight, as it is at the claim.
    pub max_in_flight: Option<i32>,
    pub envelope: Envelope,
}

/// A subscription with work due, and its own bound on sends in flight (`None`: the
/// service-wide `events.per_subscription`).
pub type Due = (String, Option<i32>);

/// The active subscriptions with at least one delivery due at `now`.
pub fn due_subscriptions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<Vec<Due>, ApiError> {
    // An inactive subscription's pending deliveries wait until it is active again.
    Ok(deliveries::table
        .inner_join(subscriptions::table.on(subscriptions::id.eq(deliveries::subscription_id)))
        .filter(deliveries::status.eq(PENDING))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(subscriptions::active.eq(true))
        .select((deliveries::subscription_id, subscriptions::max_in_flight))
        .distinct()
        .load(conn)?)
}

type ClaimRow = (
    String,
    i64,
    String,
    String,
    Option<i32>,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    String,
);

/// Ids grouped by their `attempts`: one compare-and-set statement per group (all the
/// rows of a batch share one value, unless some are retries).
fn by_attempts<'a>(rows: impl Iterator<Item = (&'a str, i64)>) -> BTreeMap<i64, Vec<&'a str>> {
    let mut groups: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for (id, attempts) in rows {
        groups.entry(attempts).or_default().push(id);
    }
    groups
}

/// Claims up to `limit` due deliveries of `subscription`, oldest first (in the order
/// they are returned), leased until `now + lease`.
pub fn claim(
    conn: &mut DbConnection,
    subscription: &str,
    limit: i64,
    lease: Duration,
    now: NaiveDateTime,
) -> Result<Vec<Claimed>, ApiError> {
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::hours(1));
    crate::db::transaction(conn, |conn| {
        let due = deliveries::table
            .filter(deliveries::subscription_id.eq(subscription))
            .filter(deliveries::status.eq(PENDING))
            .filter(deliveries::next_attempt_at.le(now))
            .order((deliveries::next_attempt_at, deliveries::event_id))
            .limit(limit)
            .select((
                deliveries::id,
                deliveries::attempts,
                deliveries::next_attempt_at,
            ));
        let seen: Vec<(String, i64, NaiveDateTime)> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        if seen.is_empty() {
            return Ok(Vec::new());
        }
        // The rows are this transaction's (locked on PostgreSQL, the write lock held on
        // SQLite), so every update matches; the compare-and-set on `attempts` is kept
        // all the same, and a batch that would not be claimed whole is not claimed.
        for (attempts, ids) in by_attempts(seen.iter().map(|(id, a, _)| (id.as_str(), *a))) {
            let won = diesel::update(
                deliveries::table
                    .filter(deliveries::id.eq_any(&ids))
                    .filter(deliveries::status.eq(PENDING))
                    .filter(deliveries::attempts.eq(attempts))
                    .filter(deliveries::next_attempt_at.le(now)),
            )
            .set((
                deliveries::attempts.eq(attempts + 1),
                deliveries::next_attempt_at.eq(until),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
            if won != ids.len() {
                return Err(diesel::result::Error::RollbackTransaction.into());
            }
        }
        let ids: Vec<&str> = seen.iter().map(|(id, _, _)| id.as_str()).collect();
        let rows: Vec<ClaimRow> = deliveries::table
            .inner_join(outbox_events::table)
            .inner_join(subscriptions::table.on(subscriptions::id.eq(deliveries::subscription_id)))
            .filter(deliveries::id.eq_any(&ids))
            .select((
                deliveries::id,
                deliveries::attempts,
                subscriptions::url,
                subscriptions::secret,
                subscriptions::max_in_flight,
                outbox_events::id,
                outbox_events::event_type,
                outbox_events::source,
                outbox_events::subject,
                outbox_events::occurred_at,
                outbox_events::data,
            ))
            .load(conn)?;
        let mut by_id: HashMap<String, ClaimRow> =
            rows.into_iter().map(|row| (row.0.clone(), row)).collect();
        Ok(seen
            .into_iter()
            .filter_map(|(id, _, due_at)| by_id.remove(&id).map(|row| claimed(row, due_at)))
            .collect())
    })
}

fn claimed(
    (
        delivery_id,
        attempts,
        url,
        secret,
        max_in_flight,
        id,
        event_type,
        source,
        subject,
        occurred_at,
        data,
    ): ClaimRow,
    due_at: NaiveDateTime,
) -> Claimed {
    Claimed {
        delivery_id,
        attempts,
        due_at,
        url,
        secret,
        max_in_flight,
        envelope: Envelope {
            id,
            event_type,
            occurred_at: occurred_at.and_utc(),
            source,
            subject,
            data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        },
    }
}

/// The wait before attempt `attempts + 1`: base × 2^attempts, at most an hour, then
/// between half and all of it, so that failed deliveries do not retry in lockstep.
pub fn backoff(attempts: i64, base: Duration, jitter: f64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let full = base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(Duration::from_secs(3600));
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

pub fn jitter() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    f64::from(u16::from_le_bytes([bytes[0], bytes[1]])) / f64::from(u16::MAX)
}

/// Records what the send of `claimed` did. `false` when the claim no longer holds the
/// row (its lease ran out and another dispatcher took it, or an admin replayed it):
/// the newer claim's result is the one that counts.
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    outcome: Result<u16, String>,
    settings: &EventSettings,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let (status, last_status, last_error, next) = match outcome {
        Ok(code) if (200..300).contains(&code) => (DELIVERED, Some(i64::from(code)), None, now),
        failure => {
            let (code, error) = match failure {
                Ok(code) => (Some(i64::from(code)), format!("HTTP {code}")),
                Err(e) => (None, e),
            };
            let dead = claimed.attempts >= i64::from(settings.max_attempts);
            let wait = backoff(
                claimed.attempts - 1,
                Duration::from_millis(settings.retry_base_ms),
                jitter(),
            );
            let next = now
                + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::hours(1));
            (if dead { DEAD } else { PENDING }, code, Some(error), next)
        }
    };
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(&claimed.delivery_id))
            .filter(deliveries::status.eq(PENDING))
            .filter(deliveries::attempts.eq(claimed.attempts)),
    )
    .set((
        deliveries::status.eq(status),
        deliveries::last_status.eq(last_status),
        deliveries::last_error.eq(last_error),
        deliveries::next_attempt_at.eq(next),
        deliveries::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records the sends of one batch and gives back what it did not send, in one
/// transaction: the accepted sends in one statement per `attempts` and status code,
/// the others one by one as [`record`] does. `unsent` deliveries were claimed but
/// never sent (an earlier send of the batch failed, the circuit opened, or the lease
/// had too little time left for another send): they are due again at their old time,
/// with their attempt uncounted. Returns how many results were dropped because their
/// claim no longer held the row.
pub fn record_batch(
    conn: &mut DbConnection,
    sent: &[(Claimed, Result<u16, String>)],
    unsent: &[Claimed],
    settings: &EventSettings,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    crate::db::transaction(conn, |conn| {
        let mut dropped = 0;
        let mut accepted: BTreeMap<u16, Vec<(&str, i64)>> = BTreeMap::new();
        for (claimed, outcome) in sent {
            match outcome {
                Ok(code) if (200..300).contains(code) => accepted
                    .entry(*code)
                    .or_default()
                    .push((claimed.delivery_id.as_str(), claimed.attempts)),
                _ => {
                    if !record(conn, claimed, outcome.clone(), settings, now)? {
                        dropped += 1;
                    }
                }
            }
        }
        for (code, rows) in accepted {
            for (attempts, ids) in by_attempts(rows.into_iter()) {
                let n = diesel::update(
                    deliveries::table
                        .filter(deliveries::id.eq_any(&ids))
                        .filter(deliveries::status.eq(PENDING))
                        .filter(deliveries::attempts.eq(attempts)),
                )
                .set((
                    deliveries::status.eq(DELIVERED),
                    deliveries::last_status.eq(Some(i64::from(code))),
                    deliveries::last_error.eq(None::<String>),
                    deliveries::next_attempt_at.eq(now),
                    deliveries::updated_at.eq(now),
                ))
                .execute(conn)?;
                dropped += ids.len().saturating_sub(n);
            }
        }
        // Handing back the attempt is safe: the row is still this claim's (its lease
        // runs), and no send of it was started under this claim. (A claim older than
        // this one, whose lease ran out, could then match again when it writes its
        // result very late; that result is of a send that did take place.)
        for claimed in unsent {
            diesel::update(
                deliveries::table
                    .filter(deliveries::id.eq(&claimed.delivery_id))
                    .filter(deliveries::status.eq(PENDING))
                    .filter(deliveries::attempts.eq(claimed.attempts)),
            )
            .set((
                deliveries::attempts.eq(claimed.attempts - 1),
                deliveries::next_attempt_at.eq(claimed.due_at),
            ))
            .execute(conn)?;
        }
        Ok(dropped)
    })
}

/// Puts a dead (or any) delivery back in the queue, due now.
pub fn replay(
    conn: &mut DbConnection,
    delivery_id: &str,
    subscription_id: &str,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(delivery_id))
            .filter(deliveries::subscription_id.eq(subscription_id)),
    )
    .set((
        deliveries::status.eq(PENDING),
        deliveries::attempts.eq(0),
        deliveries::next_attempt_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(0, base, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(3, base, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(3, base, 0.0), Duration::from_secs(4));
        assert_eq!(backoff(30, base, 1.0), Duration::from_secs(3600));
    }
}
