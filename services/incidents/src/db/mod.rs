//! Storage of the incidents service: schema, rows and repository functions.

pub mod accident_reports;
pub mod accidents;
pub mod bhxh;
pub mod establishments;
pub mod models;
pub mod quick_reports;
pub mod schema;
pub mod statistics;
pub mod technical_incidents;

pub const MIGRATIONS: shared::db::Migrations = shared::db::Migrations {
    postgres: diesel_migrations::embed_migrations!("migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("migrations/sqlite"),
};
