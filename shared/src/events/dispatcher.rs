//! Delivering pending events, each subscription on its own: a poller finds the
//! subscriptions with deliveries due and starts a worker for each that has none
//! running here; a worker claims at most `events.per_subscription` of its
//! subscription's deliveries ([`claims`]), oldest first, sends them concurrently,
//! records each outcome, and goes on while work is due. A partner that is slow or dead therefore
//! delays only its own deliveries, and its [`Circuit`] stops the dispatcher from
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
        for subscription in due {
            let start = {
                let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
                let lane = lanes.entry(subscription.clone()).or_default();
                let start = !lane.running
                    && lane
                        .circuit
                        .allowance(Instant::now(), self.settings.per_subscription)
                        > 0;
                lane.running |= start;
                start
            };
            if start {
                let worker = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = worker.drain(&subscription).await {
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
    async fn drain(&self, subscription: &str) -> Result<(), ApiError> {
        let base = Duration::from_millis(self.settings.retry_base_ms);
        loop {
            let bound = self.settings.per_subscription.max(1);
            let allowance = self.with_lane(subscription, |lane| {
                lane.circuit.allowance(Instant::now(), bound)
            });
            if allowance == 0 {
                return Ok(());
            }
            let (id, lease) = (subscription.to_owned(), claims::lease(&self.settings));
            let limit = i64::try_from(allowance).unwrap_or(1);
            let batch = self
                .db
                .run(move |conn| claims::claim(conn, &id, limit, lease, crate::db::now()))
                .await?;
            if batch.is_empty() {
                return Ok(());
            }
            let mut sends = tokio::task::JoinSet::new();
            for claimed in batch {
                let this = self.clone();
                sends.spawn(async move {
                    let outcome = send(&this.client, &claimed).await;
                    this.finish(claimed, outcome).await
                });
            }
            // Every send runs to its end: dropping the set would abort sends in flight.
            while let Some(done) = sends.join_next().await {
                match done {
                    Ok(Ok(ok)) => self.with_lane(subscription, |lane| {
                        lane.circuit.note(ok, Instant::now(), base);
                    }),
                    // The result is not written: the lease runs out and the delivery
                    // is sent again, as if this dispatcher had died.
                    Ok(Err(e)) => {
                        tracing::warn!(%subscription, error = %e, "delivery result not recorded");
                    }
                    Err(e) => tracing::warn!(%subscription, error = %e, "delivery task failed"),
                }
            }
        }
    }

    /// Records one send; whether it reached the partner and was accepted.
    async fn finish(
        &self,
        claimed: Claimed,
        outcome: Result<u16, String>,
    ) -> Result<bool, ApiError> {
        let ok = matches!(outcome, Ok(code) if (200..300).contains(&code));
        if let Err(reason) = &outcome {
            tracing::warn!(delivery = %claimed.delivery_id, event_type = %claimed.envelope.event_type, %reason, "delivery failed");
        }
        let settings = self.settings.clone();
        let id = claimed.delivery_id.clone();
        let held = self
            .db
            .run(move |conn| claims::record(conn, &claimed, outcome, &settings, crate::db::now()))
            .await?;
        if !held {
            tracing::warn!(delivery = %id, "delivery was claimed again before its result was written; result dropped");
        }
        Ok(ok)
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
