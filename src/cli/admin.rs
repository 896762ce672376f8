//! The administration commands: migrate, seed, backup, restore, rotate-receipt-key
//! and openapi.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use shared::config::{DatabaseSettings, LogSettings};

#[derive(clap::Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    data_dir: super::DataDir,
    /// incidents, health-stats or tasks; with --database-url.
    #[arg(long, requires = "database_url")]
    service: Option<String>,
    /// The database of that one service (postgres://… or sqlite://…); with --service.
    #[arg(
        long,
        env = "APP__DATABASE__URL",
        requires = "service",
        hide_env_values = true
    )]
    database_url: Option<String>,
}

#[derive(clap::Args)]
pub struct SeedArgs {
    /// What to load: `plan-664`, or `plan` with FILE (another plan in the same
    /// format, e.g. services/tasks/seed/ke-hoach-2026-example.json).
    what: String,
    /// The plan file to load with `plan`.
    file: Option<std::path::PathBuf>,
    #[command(flatten)]
    data_dir: super::DataDir,
    /// The tasks database to load into instead of the data folder's (postgres://…).
    #[arg(long, hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    data_dir: super::DataDir,
    /// The folder the backup folder is made in.
    #[arg(long, env = "ATVSLD_BACKUP_DIR", default_value = "backups")]
    out: PathBuf,
    /// SERVICE=postgres://… for each PostgreSQL database to back up (repeat the flag;
    /// in the variable, separate them with spaces).
    #[arg(
        long = "database-url",
        env = "ATVSLD_BACKUP_DATABASE_URLS",
        value_delimiter = ' ',
        hide_env_values = true
    )]
    database_urls: Vec<String>,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup folder (`…/atvsld-backup-<UTC time>`).
    backup: PathBuf,
    #[command(flatten)]
    data_dir: super::DataDir,
    /// SERVICE=postgres://… of each empty database to restore into (repeatable).
    #[arg(long = "database-url", hide_env_values = true)]
    database_urls: Vec<String>,
}

#[derive(clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    data_dir: super::DataDir,
    /// SERVICE=postgres://… of each database (repeatable).
    #[arg(long = "database-url", hide_env_values = true)]
    database_urls: Vec<String>,
}

#[derive(clap::Args)]
pub struct OpenapiArgs {
    /// The folder the documents are written to (or checked in).
    #[arg(long, default_value = "openapi")]
    dir: PathBuf,
    /// Only check that the committed documents are current; exit 1 if not.
    #[arg(long)]
    check: bool,
    /// Record the response examples first: start the suite on a temporary folder
    /// with a small demo data set, call every operation and keep the answers in
    /// <dir>/examples/ (after an API change; takes about a minute).
    #[arg(long, conflicts_with = "check")]
    record_examples: bool,
}

pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    shared::telemetry::init_tracing(&LogSettings::default());
    let targets = match (args.service, args.database_url) {
        (Some(name), Some(url)) => {
            let def = atvsld::services()
                .into_iter()
                .find(|s| s.name == name)
                .with_context(|| {
                    format!("unknown service {name:?}: use incidents, health-stats or tasks")
                })?;
            vec![(def, url)]
        }
        _ => {
            std::fs::create_dir_all(&args.data_dir.path)?;
            atvsld::services()
                .into_iter()
                .map(|def| (def, sqlite_url(&args.data_dir.path, def.name)))
                .collect()
        }
    };
    for (def, url) in targets {
        let settings = DatabaseSettings {
            max_connections: Some(1),
            connect_timeout_secs: 10,
            ..DatabaseSettings::new(url)
        };
        let (_, applied) =
            tokio::task::spawn_blocking(move || def.connect_and_migrate(&settings)).await??;
        println!("{}: {} migration(s) applied", def.name, applied.len());
    }
    Ok(())
}

fn sqlite_url(data_dir: &Path, service: &str) -> String {
    format!(
        "sqlite://{}",
        data_dir.join(format!("{service}.db")).display()
    )
}

pub async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    shared::telemetry::init_tracing(&LogSettings::default());
    let file = match (args.what.as_str(), args.file) {
        ("plan-664", None) => None,
        ("plan", Some(path)) => Some(
            std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
        ),
        _ => anyhow::bail!("unknown seed {:?}: use plan-664, or plan FILE", args.what),
    };
    let url = match args.database_url {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&args.data_dir.path)?;
            sqlite_url(&args.data_dir.path, "tasks")
        }
    };
    let added = tokio::task::spawn_blocking(move || match file {
        None => atvsld::seed_plan_664(&url),
        Some(text) => atvsld::seed_plan_file(&url, &text),
    })
    .await??;
    println!("tasks: {added} plan(s) loaded");
    Ok(())
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let options = atvsld::backup::BackupOptions {
        databases: databases(args.data_dir.path, &args.database_urls)?,
        out_dir: args.out,
        pg_dump: "pg_dump".into(),
    };
    let (dir, manifest) =
        tokio::task::spawn_blocking(move || atvsld::backup::backup(&options)).await??;
    println!("backup written to {}", dir.display());
    for file in &manifest.files {
        println!("  {:<24} {:>14} bytes", file.path, file.bytes);
    }
    println!("  {:<24} {:>14} bytes", "total", manifest.total_bytes());
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let options = atvsld::backup::RestoreOptions {
        backup_dir: args.backup,
        target: databases(args.data_dir.path, &args.database_urls)?,
        pg_restore: "pg_restore".into(),
    };
    let done = tokio::task::spawn_blocking(move || atvsld::backup::restore(&options)).await??;
    for line in done {
        println!("restored {line}");
    }
    Ok(())
}

pub async fn rotate_receipt_key(args: RotateArgs) -> anyhow::Result<()> {
    shared::telemetry::init_tracing(&LogSettings::default());
    let targets = atvsld::database_targets(&databases(args.data_dir.path, &args.database_urls)?)?;
    let rotated =
        tokio::task::spawn_blocking(move || atvsld::rotate_receipt_keys(targets)).await??;
    for (service, kid) in rotated {
        println!("{service}: receipts are now signed with key {kid}");
    }
    Ok(())
}

pub async fn openapi(args: OpenapiArgs) -> anyhow::Result<()> {
    let dir = args.dir;
    if args.record_examples {
        let report = atvsld::examples::record(&dir).await?;
        for missing in &report.missing {
            println!("no example recorded for {missing}");
        }
        let changed = atvsld::write_documents(&dir, atvsld::recorded_openapi_documents(&dir)?)?;
        println!(
            "examples recorded in {}; {} file(s) updated in {}",
            dir.join("examples").display(),
            changed.len(),
            dir.display()
        );
    } else if args.check {
        let stale = atvsld::stale_openapi(&dir)?;
        if !stale.is_empty() {
            anyhow::bail!(
                "out of date in {}: {} (run `atvsld openapi`)",
                dir.display(),
                stale.join(", ")
            );
        }
        println!("{} is current", dir.display());
    } else {
        let changed = atvsld::write_openapi(&dir)?;
        println!("{} file(s) updated in {}", changed.len(), dir.display());
    }
    Ok(())
}

/// The data folder, unless PostgreSQL databases are named.
fn databases(
    data_dir: PathBuf,
    database_urls: &[String],
) -> anyhow::Result<atvsld::backup::Databases> {
    let urls = atvsld::backup::parse_service_urls(database_urls)?;
    Ok(if urls.is_empty() {
        atvsld::backup::Databases::DataDir(data_dir)
    } else {
        atvsld::backup::Databases::Postgres(urls)
    })
}
