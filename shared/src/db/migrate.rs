//! Embedded migrations, one folder per backend with identical names.

use std::path::Path;

use diesel::backend::Backend;
use diesel::migration::{Migration, MigrationSource};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

/// The two embedded migration folders of one crate.
pub struct Migrations {
    pub postgres: EmbeddedMigrations,
    pub sqlite: EmbeddedMigrations,
}

/// Lends a `'static` embedded set to the harness, which wants its source by value.
struct Borrowed<'a>(&'a EmbeddedMigrations);

impl<DB: Backend> MigrationSource<DB> for Borrowed<'_> {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<DB>>>> {
        MigrationSource::<DB>::migrations(self.0)
    }
}

/// Applies every pending migration of each set, in order; returns what ran.
pub fn run_migrations(
    conn: &mut DbConnection,
    sets: &[&Migrations],
) -> anyhow::Result<Vec<String>> {
    let mut applied = Vec::new();
    for set in sets {
        let source = match conn {
            DbConnection::Postgres(_) => &set.postgres,
            DbConnection::Sqlite(_) => &set.sqlite,
        };
        let ran = conn
            .run_pending_migrations(Borrowed(source))
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        applied.extend(ran.iter().map(ToString::to_string));
    }
    Ok(applied)
}

/// Checks that `migrations/postgres` and `migrations/sqlite` under `crate_dir` hold
/// the same migration names, so neither backend can fall behind.
pub fn check_same_migration_names(crate_dir: &Path) -> Result<Vec<String>, String> {
    let names = |backend: &str| -> Result<Vec<String>, String> {
        let dir = crate_dir.join("migrations").join(backend);
        let mut names = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        names.sort();
        Ok(names)
    };
    let (pg, lite) = (names("postgres")?, names("sqlite")?);
    if pg == lite {
        Ok(pg)
    } else {
        Err(format!("postgres has {pg:?}, sqlite has {lite:?}"))
    }
}

/// Reverts (`up: false`) or applies (`up: true`) the one migration of `set` named
/// `name`, whatever ran after it: for tests that build a database as an older release
/// left it, then migrate it.
pub fn step_migration(
    conn: &mut DbConnection,
    set: &Migrations,
    name: &str,
    up: bool,
) -> anyhow::Result<()> {
    let source = match conn {
        DbConnection::Postgres(_) => &set.postgres,
        DbConnection::Sqlite(_) => &set.sqlite,
    };
    let migrations = MigrationSource::<super::DbBackend>::migrations(source)
        .map_err(|e| anyhow::anyhow!("cannot read the migrations: {e}"))?;
    let migration = migrations
        .iter()
        .find(|m| m.name().to_string() == name)
        .ok_or_else(|| anyhow::anyhow!("no migration {name}"))?;
    let done = if up {
        conn.run_migration(migration.as_ref())
    } else {
        conn.revert_migration(migration.as_ref())
    };
    done.map_err(|e| anyhow::anyhow!("migration {name} failed: {e}"))?;
    Ok(())
}
