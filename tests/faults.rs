//! Fault injection (issue 13): the event delivery of the suite under partners that
//! misbehave. Each scenario runs the real services on free ports with a real database
//! (SQLite, or PostgreSQL with `TEST_DATABASE_URL`), sends traffic only to 127.0.0.1,
//! is bounded in time, and prints the figures that docs/operations.md quotes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

#[path = "faults/support.rs"]
mod support;

// (a) A partner that accepts connections and never answers.
#[path = "faults/black_hole.rs"]
mod black_hole;

// (b) Two replicas dispatching from the same database.
#[path = "faults/replicas.rs"]
mod replicas;

// (c) A receiver that is down, then up again.
#[path = "faults/receiver_restart.rs"]
mod receiver_restart;

// (d) The database in trouble: a held SQLite lock, a locked PostgreSQL table, a key
// rotation under load.
#[path = "faults/database.rs"]
mod database;

// (e) Concurrent requests for the same record.
#[path = "faults/races.rs"]
mod races;

// (f) kill -9 of `atvsld up` during writes and with deliveries pending.
#[path = "faults/kill.rs"]
mod kill;

// (g) Clients that send their bodies one byte a second.
#[path = "faults/slow_bodies.rs"]
mod slow_bodies;

// (h) A burst beyond the rate limit, and forged tokens.
#[path = "faults/rate_limit.rs"]
mod rate_limit;

// (i) A subscription's own bound on sends in flight.
#[path = "faults/in_flight.rs"]
mod in_flight;
