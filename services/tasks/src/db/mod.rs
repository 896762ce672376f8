//! Storage of the tasks service: schema, rows and repository functions.

pub mod agencies;
pub mod data_sets;
pub mod models;
pub mod plan_reports;
pub mod plans;
pub mod reminders;
pub mod revisions;
pub mod schema;

pub const MIGRATIONS: shared::db::Migrations = shared::db::Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};
