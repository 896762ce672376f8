//! What the three ATVSLĐ services share.

pub mod access;
pub mod audit;
pub mod auth;
pub mod bhxh;
pub mod calendar;
pub mod code_lists;
pub mod config;
pub mod context;
pub mod cors;
pub mod db;
pub mod deadline;
pub mod documents;
pub mod error;
pub mod events;
pub mod extract;
pub mod figures;
pub mod filing;
pub mod health;
pub mod http_client;
pub mod idempotency;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod period;
pub mod receipts;
pub mod refdata;
pub mod routes;
pub mod server;
pub mod telemetry;
pub mod throttle;
// Per-test databases, keys and spawned services: for tests (and the benchmarks) only,
// so release binaries do not carry them.
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod time;
pub mod validate;
pub mod versioning;

/// The tables every service has (idempotency keys, filing receipts, the audit trail;
/// later the outbox).
pub const MIGRATIONS: db::Migrations = db::Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};
