//! API tests of the health-stats service: the real application on a free port, a
//! fresh database per test (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod bhxh;
mod code_lists;
mod disease_cases;
mod events;
mod health_import;
mod health_reports;
mod health_statistics;
mod helpers;
mod limits;
mod monitoring;
mod operations;
mod statistics_fold;
