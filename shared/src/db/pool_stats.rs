//! What a pool has done, for `/metrics`: r2d2 reports each checkout (and how long
//! it waited) and each checkout that timed out; the figures are kept here.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Pool;

#[derive(Debug, Default)]
pub struct PoolStats {
    checkouts: AtomicU64,
    wait_micros: AtomicU64,
    timeouts: AtomicU64,
}

/// The pool's state at one moment.
#[derive(Clone, Copy, Debug)]
pub struct PoolSnapshot {
    pub max_size: u32,
    pub idle: u32,
    pub in_use: u32,
    pub checkouts: u64,
    pub wait_seconds: f64,
    pub timeouts: u64,
}

impl PoolStats {
    pub(super) fn snapshot(&self, pool: &Pool) -> PoolSnapshot {
        let state = pool.state();
        PoolSnapshot {
            max_size: pool.max_size(),
            idle: state.idle_connections,
            in_use: state.connections.saturating_sub(state.idle_connections),
            checkouts: self.checkouts.load(Ordering::Relaxed),
            // Microseconds fit an f64 exactly for longer than any process runs.
            #[allow(clippy::cast_precision_loss)]
            wait_seconds: self.wait_micros.load(Ordering::Relaxed) as f64 / 1e6,
            timeouts: self.timeouts.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug)]
pub(super) struct Recorder(pub(super) Arc<PoolStats>);

impl r2d2::HandleEvent for Recorder {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        let waited = u64::try_from(event.duration().as_micros()).unwrap_or(u64::MAX);
        self.0.checkouts.fetch_add(1, Ordering::Relaxed);
        self.0.wait_micros.fetch_add(waited, Ordering::Relaxed);
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.0.timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// The pool figures in Prometheus form, read from the pool at each scrape:
/// `atvsld_db_pool_connections{service,state}` (idle, in_use, max),
/// `atvsld_db_pool_checkouts_total`, `atvsld_db_pool_wait_seconds_total` (time spent
/// waiting for a connection, all checkouts together) and `atvsld_db_pool_timeouts_total`
/// (checkouts that gave up: each one answered 503).
pub struct PoolCollector {
    db: super::Db,
    connections: prometheus::IntGaugeVec,
    checkouts: prometheus::IntCounter,
    wait: prometheus::Counter,
    timeouts: prometheus::IntCounter,
}

impl PoolCollector {
    pub fn new(db: super::Db, service: &str) -> prometheus::Result<Self> {
        let opts = |name: &str, help: &str| {
            prometheus::Opts::new(name, help)
                .namespace("atvsld")
                .const_label("service", service)
        };
        Ok(Self {
            db,
            connections: prometheus::IntGaugeVec::new(
                opts(
                    "db_pool_connections",
                    "Pooled database connections by state.",
                ),
                &["state"],
            )?,
            checkouts: prometheus::IntCounter::with_opts(opts(
                "db_pool_checkouts_total",
                "Connections handed out by the pool.",
            ))?,
            wait: prometheus::Counter::with_opts(opts(
                "db_pool_wait_seconds_total",
                "Seconds spent waiting for a pooled connection, all checkouts together.",
            ))?,
            timeouts: prometheus::IntCounter::with_opts(opts(
                "db_pool_timeouts_total",
                "Waits for a pooled connection that timed out.",
            ))?,
        })
    }
}

impl prometheus::core::Collector for PoolCollector {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        [
            self.connections.desc(),
            self.checkouts.desc(),
            self.wait.desc(),
            self.timeouts.desc(),
        ]
        .concat()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        let now = self.db.pool_stats();
        for (state, value) in [
            ("idle", now.idle),
            ("in_use", now.in_use),
            ("max", now.max_size),
        ] {
            self.connections
                .with_label_values(&[state])
                .set(i64::from(value));
        }
        // Counters only go up: add what happened since the last scrape.
        self.checkouts
            .inc_by(now.checkouts.saturating_sub(self.checkouts.get()));
        self.wait
            .inc_by((now.wait_seconds - self.wait.get()).max(0.0));
        self.timeouts
            .inc_by(now.timeouts.saturating_sub(self.timeouts.get()));
        [
            self.connections.collect(),
            self.checkouts.collect(),
            self.wait.collect(),
            self.timeouts.collect(),
        ]
        .concat()
    }
}
