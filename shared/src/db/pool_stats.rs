//! What a pool has done, for `/metrics`: r2d2 reports each checkout (and how long it
//! took) and each checkout that timed out; [`super::Db::run`] notes each checkout that
//! found no idle connection. The service label is added by the registry.

use std::sync::Arc;

use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntGaugeVec, Opts};

use super::Pool;

/// Bounds of the acquire-time histogram, in seconds: a free connection comes in well
/// under a millisecond; a wait ends at the connect timeout (30 s by default).
const ACQUIRE_BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 30.0,
];

#[derive(Debug)]
pub struct PoolStats {
    acquire: Histogram,
    waits: IntCounter,
    timeouts: IntCounter,
}

impl PoolStats {
    pub(super) fn new() -> prometheus::Result<Self> {
        Ok(Self {
            acquire: Histogram::with_opts(
                HistogramOpts::new(
                    "atvsld_db_pool_acquire_seconds",
                    "Time to get a connection from the pool (its health check included).",
                )
                .buckets(ACQUIRE_BUCKETS.to_vec()),
            )?,
            waits: IntCounter::new(
                "atvsld_db_pool_waits_total",
                "Checkouts that found no idle connection and had to wait for one.",
            )?,
            timeouts: IntCounter::new(
                "atvsld_db_pool_timeouts_total",
                "Waits for a pooled connection that timed out (each answered 503).",
            )?,
        })
    }

    /// Called before a checkout: counts a wait when no connection is idle.
    pub(super) fn before_checkout(&self, pool: &Pool) {
        if pool.state().idle_connections == 0 {
            self.waits.inc();
        }
    }
}

#[derive(Debug)]
pub(super) struct Recorder(pub(super) Arc<PoolStats>);

impl r2d2::HandleEvent for Recorder {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.0.acquire.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.0.timeouts.inc();
    }
}

/// The pool figures in Prometheus form, the gauges read from the pool at each scrape:
/// `atvsld_db_pool_connections{state}` (`idle`, `in_use`, `max`),
/// `atvsld_db_pool_acquire_seconds` (histogram), `atvsld_db_pool_waits_total` and
/// `atvsld_db_pool_timeouts_total`.
pub struct PoolCollector {
    db: super::Db,
    connections: IntGaugeVec,
}

impl PoolCollector {
    pub fn new(db: super::Db) -> prometheus::Result<Self> {
        Ok(Self {
            db,
            connections: IntGaugeVec::new(
                Opts::new(
                    "atvsld_db_pool_connections",
                    "Pooled database connections by state (max: the pool's size).",
                ),
                &["state"],
            )?,
        })
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        let stats = &self.db.stats;
        [
            self.connections.desc(),
            stats.acquire.desc(),
            stats.waits.desc(),
            stats.timeouts.desc(),
        ]
        .concat()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        let state = self.db.pool.state();
        let in_use = state.connections.saturating_sub(state.idle_connections);
        for (name, value) in [
            ("idle", state.idle_connections),
            ("in_use", in_use),
            ("max", self.db.pool.max_size()),
        ] {
            self.connections
                .with_label_values(&[name])
                .set(i64::from(value));
        }
        let stats = &self.db.stats;
        [
            self.connections.collect(),
            stats.acquire.collect(),
            stats.waits.collect(),
            stats.timeouts.collect(),
        ]
        .concat()
    }
}
