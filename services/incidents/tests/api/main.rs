//! API tests of the incidents service: the real application on a free port, a fresh
//! database per test (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod access;
mod accident_reports;
mod accidents;
mod audit;
mod auth;
mod bhxh;
mod code_lists;
mod establishments;
mod events;
mod helpers;
mod imports;
mod limits;
mod metrics;
mod problems;
mod receipts;
mod statistics;
mod statutory_documents;
mod statutory_reports;
mod technical_incidents;
