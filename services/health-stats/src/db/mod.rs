//! Storage of the health-stats service.

pub mod bhxh;
pub mod disease_cases;
pub mod establishments;
pub mod health_reports;
pub mod health_statistics;
pub mod models;
pub mod monitoring;
pub mod schema;

pub const MIGRATIONS: shared::db::Migrations = shared::db::Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};
