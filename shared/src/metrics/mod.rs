//! `/metrics`: what an operator graphs and alerts on (docs/operations.md, "6.
//! Monitoring"), in Prometheus' text format, every series labelled with the service.
//!
//! - requests by route pattern (never a raw path, so no id), method and status, with
//!   their latency: counted by `actix-web-prom`'s middleware;
//! - the database pool ([`crate::db::PoolCollector`]);
//! - the outbox backlog per subscription and the jobs per kind and state, read from the
//!   database at each scrape through indexes that keep the reading cheap
//!   ([`crate::events::backlog`], [`crate::jobs::count_by_state`]);
//! - the process ([`process`]).

mod process;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{HttpResponse, http::header, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{Encoder, GaugeVec, IntGaugeVec, Opts, Registry, TextEncoder};

use crate::db::{Db, PoolCollector};
use crate::error::ApiError;
use crate::events::backlog::{self, Backlog};
use crate::jobs;

/// How long a scrape waits for the database; past it the outbox and job series are
/// left out of that scrape rather than holding the scraper.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

/// The registry of one service and the series refreshed from its database at each scrape.
pub struct Metrics {
    registry: Registry,
    db: Db,
    outbox_pending: IntGaugeVec,
    outbox_oldest_age: GaugeVec,
    outbox_dead: IntGaugeVec,
    jobs: IntGaugeVec,
    /// One scrape at a time refreshes and reads the database series.
    scraping: Mutex<()>,
}

impl Metrics {
    /// The registry of `service` (its name labels every series) and the request
    /// middleware that counts into it.
    pub fn new(service: &str, db: &Db) -> anyhow::Result<(Metrics, PrometheusMetrics)> {
        let registry = Registry::new_custom(
            None,
            Some(HashMap::from([("service".to_owned(), service.to_owned())])),
        )?;
        let requests = PrometheusMetricsBuilder::new("atvsld")
            .registry(registry.clone())
            .mask_unmatched_patterns("unmatched")
            .exclude_regex("^/docs")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        registry.register(Box::new(PoolCollector::new(db.clone())?))?;
        registry.register(Box::new(process::ProcessCollector::new()?))?;
        let metrics = Metrics {
            outbox_pending: IntGaugeVec::new(
                Opts::new(
                    "atvsld_outbox_pending_deliveries",
                    "Deliveries still to be made, per subscription.",
                ),
                &["subscription"],
            )?,
            outbox_oldest_age: GaugeVec::new(
                Opts::new(
                    "atvsld_outbox_oldest_pending_age_seconds",
                    "Age of the oldest event not yet delivered, per subscription (0 when none).",
                ),
                &["subscription"],
            )?,
            outbox_dead: IntGaugeVec::new(
                Opts::new(
                    "atvsld_outbox_dead_letters",
                    "Deliveries given up after the last attempt and not replayed, per subscription.",
                ),
                &["subscription"],
            )?,
            jobs: IntGaugeVec::new(
                Opts::new("atvsld_jobs", "Jobs by kind and state."),
                &["kind", "state"],
            )?,
            registry,
            db: db.clone(),
            scraping: Mutex::new(()),
        };
        for series in [&metrics.outbox_pending, &metrics.outbox_dead, &metrics.jobs] {
            metrics.registry.register(Box::new(series.clone()))?;
        }
        metrics
            .registry
            .register(Box::new(metrics.outbox_oldest_age.clone()))?;
        Ok((metrics, requests))
    }

    /// The exposition, after reading the backlog and the jobs from the database.
    async fn render(&self) -> anyhow::Result<String> {
        let read = self.db.run(|conn| {
            Ok::<_, diesel::result::Error>((
                backlog::per_subscription(conn)?,
                jobs::count_by_state(conn)?,
            ))
        });
        let figures = match tokio::time::timeout(DATABASE_WAIT, read).await {
            Ok(Ok(figures)) => Some(figures),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "metrics: cannot read the outbox and jobs");
                None
            }
            Err(_) => {
                tracing::warn!("metrics: the database did not answer in time");
                None
            }
        };
        let now = crate::db::now();
        let _one_at_a_time = self
            .scraping
            .lock()
            .map_err(|_| anyhow::anyhow!("metrics: a scrape panicked"))?;
        // Series the database did not confirm this time are left out, not kept stale.
        self.outbox_pending.reset();
        self.outbox_oldest_age.reset();
        self.outbox_dead.reset();
        self.jobs.reset();
        if let Some((backlog, jobs)) = figures {
            self.set_backlog(&backlog, now);
            self.set_jobs(&jobs);
        }
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        Ok(String::from_utf8(text)?)
    }

    fn set_backlog(&self, backlog: &[Backlog], now: chrono::NaiveDateTime) {
        for row in backlog {
            let labels = [row.subscription_id.as_str()];
            self.outbox_pending
                .with_label_values(&labels)
                .set(row.pending);
            self.outbox_dead.with_label_values(&labels).set(row.dead);
            let age = row
                .oldest_pending_at
                .map_or(0.0, |at| (now - at).as_seconds_f64().max(0.0));
            self.outbox_oldest_age.with_label_values(&labels).set(age);
        }
    }

    /// Every known state of every kind seen, so that a state that empties reads 0.
    fn set_jobs(&self, counts: &[(String, String, i64)]) {
        for (kind, _, _) in counts {
            for state in jobs::STATES {
                self.jobs.with_label_values(&[kind.as_str(), state]).set(0);
            }
        }
        for (kind, state, count) in counts {
            self.jobs
                .with_label_values(&[kind.as_str(), state.as_str()])
                .set(*count);
        }
    }
}

/// `GET /metrics`, without a token like the probes (the gateway does not expose it).
pub async fn scrape(metrics: web::Data<Metrics>) -> Result<HttpResponse, ApiError> {
    let text = metrics.render().await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TextEncoder::new().format_type()))
        .body(text))
}
