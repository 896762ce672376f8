//! API tests of the tasks service: the real application on a free port, a fresh
//! database per test (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod code_lists;
mod consolidated;
mod data_sets;
mod drafts;
mod editing;
mod events;
mod helpers;
mod operations;
mod plan_reports;
mod plans;
mod reminders;
mod stub;
mod succession;
