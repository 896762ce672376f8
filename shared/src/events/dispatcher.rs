//! Delivering pending events, each subscription on its own: a poller finds the
//! subscriptions with deliveries due and starts a worker for each that has none
//! running here; a worker claims a batch of its subscription's deliveries
//! ([`claims`]), oldest first, starts their sends in that order with at most the
//! subscription's `max_in_flight` in flight (when it has none,
//! `events.per_subscription`), records the outcomes in one transaction, and goes on
//! while work is due. A partner that is slow or dead therefore delays only its own
//! deliveries, and its [`Circuit`] stops the dispatcher from
//! spending connections on it. Failed deliveries retry with exponential backoff and
//! jitter, then are dead-lettered after `max_attempts`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::circuit::Circuit;
use super::claims::{self, Claimed};
use super::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign};
use crate::config::EventSettings;
use crate::db::Db;
use crate::error::ApiError;

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

/// What this process knows of each subscription: whether a worker runs for it, and
/// its circuit.
#[derive(Default)]
struct Lane {
    running: bool,
    circuit: Circuit,
}

type Lanes = Arc<Mutex<HashMap<String, Lane>>>;

/// How many sends of a subscription may be in flight at once: its own
/// `max_in_flight`, or else the service-wide `events.per_subscription`; at least one.
pub fn bound(max_in_flight: Option<i32>, settings: &EventSettings) -> usize {
    max_in_flight
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(settings.per_subscription)
        .max(1)
}

/// Time a round keeps between the end of its last possible send and the end of its
/// lease, for writing the results.
const LEASE_SPARE: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Dispatcher {
    db: Db,
    client: reqwest::Client,
    settings: EventSettings,
    lanes: Lanes,
}

impl Dispatcher {
    /// Starts a worker for every subscription with work due and none running here.
    async fn poll(&self) -> Result<(), ApiError> {
        let due = self
            .db
            .run(|conn| claims::due_subscriptions(conn, crate::db::now()))
            .await?;
        for (subscription, max_in_flight) in due {
            let bound = bound(max_in_flight, &self.settings);
            let start = {
                let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
                let lane = lanes.entry(subscription.clone()).or_default();
                let start = !lane.running && lane.circuit.allowance(Instant::now(), bound) > 0;
                lane.running |= start;
                start
            };
            if start {
                let worker = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = worker.drain(&subscription, bound).await {
                        tracing::warn!(%subscription, error = %e, "event delivery stopped");
                    }
                    worker.with_lane(&subscription, |lane| lane.running = false);
                });
            }
        }
        Ok(())
    }

    fn with_lane<T>(&self, subscription: &str, f: impl FnOnce(&mut Lane) -> T) -> T {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        f(lanes.entry(subscription.to_owned()).or_default())
    }

    /// Sends `subscription`'s due deliveries until none is left or its circuit opens.
    ///
    /// Each round claims a batch, sends it in order with at most `bound` sends in
    /// flight (fewer while the circuit allows fewer), and records the results in one
    /// transaction; `bound` follows the subscription's `max_in_flight` as each claim
    /// reads it, so a change applies from the next round. The batch starts at
    /// `bound` and doubles after each round whose every send was accepted,
    /// up to `events.claim_batch`; any failure brings it back. A round stops starting sends
    /// at the first failure, when the circuit opens, or when its lease has too little
    /// time left for one more send; what it did not send is handed back.
    async fn drain(&self, subscription: &str, mut bound: usize) -> Result<(), ApiError> {
        let base = Duration::from_millis(self.settings.retry_base_ms);
        let timeout = Duration::from_millis(self.settings.timeout_ms);
        let mut size = bound;
        loop {
            if self.allowance(subscription, bound) == 0 {
                return Ok(());
            }
            let (id, lease) = (subscription.to_owned(), claims::lease(&self.settings));
            let limit = i64::try_from(size).unwrap_or(1);
            let claimed_at = Instant::now();
            let batch = self
                .db
                .run(move |conn| claims::claim(conn, &id, limit, lease, crate::db::now()))
                .await?;
            let Some(first) = batch.first() else {
                return Ok(());
            };
            bound = self::bound(first.max_in_flight, &self.settings);
            let claimed = batch.len();
            // A send starts only if it ends (the HTTP timeout) well inside the lease.
            let last_start = (claimed_at + lease).checked_sub(timeout + LEASE_SPARE);
            let mut queue = batch.into_iter();
            let mut sends = tokio::task::JoinSet::new();
            let (mut sent, mut unsent) = (Vec::with_capacity(claimed), Vec::new());
            let mut stop = false;
            loop {
                while !stop && sends.len() < self.allowance(subscription, bound) {
                    let Some(next) = queue.next() else { break };
                    if last_start.is_none_or(|last| Instant::now() > last) {
                        unsent.push(next);
                        stop = true;
                        break;
                    }
                    let client = self.client.clone();
                    sends.spawn(async move {
                        let outcome = send(&client, &next).await;
                        (next, outcome)
                    });
                }
                if sends.is_empty() && !queue.as_slice().is_empty() {
                    // The circuit opened: nothing more is sent in this round.
                    stop = true;
                }
                // Every send runs to its end: dropping the set would abort sends in flight.
                let Some(done) = sends.join_next().await else {
                    break;
                };
                match done {
                    Ok((claimed, outcome)) => {
                        let ok = matches!(outcome, Ok(code) if (200..300).contains(&code));
                        if let Err(reason) = &outcome {
                            tracing::warn!(delivery = %claimed.delivery_id, event_type = %claimed.envelope.event_type, %reason, "delivery failed");
                        }
                        self.with_lane(subscription, |lane| {
                            lane.circuit.note(ok, Instant::now(), base);
                        });
                        stop |= !ok;
                        sent.push((claimed, outcome));
                    }
                    // The result is lost: the lease runs out and the delivery is sent
                    // again, as if this dispatcher had died.
                    Err(e) => {
                        tracing::warn!(%subscription, error = %e, "delivery task failed");
                        stop = true;
                    }
                }
            }
            unsent.extend(queue);
            let accepted = sent.len() == claimed && !stop;
            size = if accepted {
                size.saturating_mul(2)
                    .min(self.settings.claim_batch.max(bound))
            } else {
                bound
            };
            let settings = self.settings.clone();
            let recorded = self
                .db
                .run(move |conn| {
                    claims::record_batch(conn, &sent, &unsent, &settings, crate::db::now())
                })
                .await;
            match recorded {
                Ok(0) => {}
                Ok(dropped) => {
                    tracing::warn!(%subscription, dropped, "deliveries were claimed again before their results were written; results dropped");
                }
                // Not written: the leases run out and the deliveries are sent again.
                Err(e) => {
                    tracing::warn!(%subscription, error = %e, "delivery results not recorded");
                }
            }
        }
    }

    /// How many sends `subscription`'s circuit allows at once now, at most `bound`.
    fn allowance(&self, subscription: &str, bound: usize) -> usize {
        self.with_lane(subscription, |lane| {
            lane.circuit.allowance(Instant::now(), bound)
        })
    }
}

/// Runs the dispatcher until the process ends.
pub fn spawn(db: Db, settings: EventSettings) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let client = crate::http_client::client(Duration::from_millis(settings.timeout_ms))?;
    let idle = Duration::from_millis(settings.poll_ms.max(20));
    let dispatcher = Dispatcher {
        db,
        client,
        settings,
        lanes: Arc::default(),
    };
    Ok(tokio::spawn(async move {
        loop {
            if let Err(e) = dispatcher.poll().await {
                tracing::warn!(error = %e, "event dispatch round failed");
            }
            tokio::time::sleep(idle).await;
        }
    }))
}
