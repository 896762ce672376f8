//! Delivering pending events: claim a batch, POST each signed envelope, record the
//! outcome; retry with exponential backoff and jitter; dead-letter after
//! `max_attempts`. Replicas on PostgreSQL claim with `FOR UPDATE SKIP LOCKED`, and a
//! claimed delivery is leased for a minute so that no other dispatcher takes it while
//! it is being sent; a dispatcher that dies mid-send leaves it to be retried.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::{DEAD, DELIVERED, PENDING};
use super::schema::{deliveries, outbox_events, subscriptions};
use super::{EVENT_ID_HEADER, Envelope, SIGNATURE_HEADER, sign};
use crate::config::EventSettings;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;

const BATCH: i64 = 20;
const LEASE_SECONDS: i64 = 60;

/// One delivery ready to send.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub delivery_id: String,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
    pub envelope: Envelope,
}

type ClaimRow = (
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    String,
);

/// Claims up to `BATCH` due deliveries and leases them.
pub fn claim(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Vec<Claimed>, ApiError> {
    conn.transaction(|conn| {
        // An inactive subscription's pending deliveries wait until it is active again.
        let active = subscriptions::table
            .filter(subscriptions::active.eq(true))
            .select(subscriptions::id);
        let due = deliveries::table
            .filter(deliveries::status.eq(PENDING))
            .filter(deliveries::next_attempt_at.le(now))
            .filter(deliveries::subscription_id.eq_any(active))
            .order(deliveries::next_attempt_at)
            .limit(BATCH)
            .select(deliveries::id);
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            // One SQLite writer at a time: the transaction is the lock.
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set(deliveries::next_attempt_at.eq(now + chrono::Duration::seconds(LEASE_SECONDS)))
            .execute(conn)?;
        let rows: Vec<ClaimRow> = deliveries::table
            .inner_join(outbox_events::table)
            .inner_join(subscriptions::table.on(subscriptions::id.eq(deliveries::subscription_id)))
            .filter(deliveries::id.eq_any(&ids))
            .select((
                deliveries::id,
                deliveries::attempts,
                subscriptions::url,
                subscriptions::secret,
                outbox_events::id,
                outbox_events::event_type,
                outbox_events::source,
                outbox_events::subject,
                outbox_events::occurred_at,
                outbox_events::data,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    delivery_id,
                    attempts,
                    url,
                    secret,
                    id,
                    event_type,
                    source,
                    subject,
                    occurred_at,
                    data,
                )| Claimed {
                    delivery_id,
                    attempts,
                    url,
                    secret,
                    envelope: Envelope {
                        id,
                        event_type,
                        occurred_at: occurred_at.and_utc(),
                        source,
                        subject,
                        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                    },
                },
            )
            .collect())
    })
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

fn jitter() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    f64::from(u16::from_le_bytes([bytes[0], bytes[1]])) / f64::from(u16::MAX)
}

/// Records what happened to one delivery.
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    outcome: Result<u16, String>,
    settings: &EventSettings,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let attempts = claimed.attempts + 1;
    let (status, last_status, last_error, next) = match outcome {
        Ok(code) if (200..300).contains(&code) => (DELIVERED, Some(i64::from(code)), None, now),
        failure => {
            let (code, error) = match failure {
                Ok(code) => (Some(i64::from(code)), format!("HTTP {code}")),
                Err(e) => (None, e),
            };
            let dead = attempts >= i64::from(settings.max_attempts);
            let wait = backoff(
                attempts - 1,
                Duration::from_millis(settings.retry_base_ms),
                jitter(),
            );
            let next = now
                + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::hours(1));
            (if dead { DEAD } else { PENDING }, code, Some(error), next)
        }
    };
    diesel::update(deliveries::table.find(&claimed.delivery_id))
        .set((
            deliveries::status.eq(status),
            deliveries::attempts.eq(attempts),
            deliveries::last_status.eq(last_status),
            deliveries::last_error.eq(last_error),
            deliveries::next_attempt_at.eq(next),
            deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sends one delivery; `Ok` carries the HTTP status.
pub async fn send(client: &reqwest::Client, claimed: &Claimed) -> Result<u16, String> {
    let body = serde_json::to_vec(&claimed.envelope).map_err(|e| e.to_string())?;
    let response = client
        .post(&claimed.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sign(&claimed.secret, &body))
        .header(EVENT_ID_HEADER, &claimed.envelope.id)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timeout".to_owned()
            } else {
                "connection failed".to_owned()
            }
        })?;
    Ok(response.status().as_u16())
}

/// One round: claim, send, record. Returns how many deliveries were attempted.
pub async fn dispatch_once(
    db: &Db,
    client: &reqwest::Client,
    settings: &EventSettings,
) -> Result<usize, ApiError> {
    let batch = db.run(|conn| claim(conn, crate::db::now())).await?;
    for claimed in &batch {
        let outcome = send(client, claimed).await;
        if let Err(reason) = &outcome {
            tracing::warn!(delivery = %claimed.delivery_id, event_type = %claimed.envelope.event_type, %reason, "delivery failed");
        }
        let (claimed, settings) = (claimed.clone(), settings.clone());
        db.run(move |conn| record(conn, &claimed, outcome, &settings, crate::db::now()))
            .await?;
    }
    Ok(batch.len())
}

/// Runs the dispatcher until the process ends.
pub fn spawn(db: Db, settings: EventSettings) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let client = crate::http_client::client(Duration::from_millis(settings.timeout_ms))?;
    Ok(tokio::spawn(async move {
        let idle = Duration::from_millis(settings.poll_ms.max(50));
        loop {
            match dispatch_once(&db, &client, &settings).await {
                Ok(0) => tokio::time::sleep(idle).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "event dispatch round failed");
                    tokio::time::sleep(idle).await;
                }
            }
        }
    }))
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
