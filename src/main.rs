//! `atvsld`: run the ATVSLĐ suite and administer it.
#![allow(clippy::print_stdout)] // a command-line tool speaks on stdout

mod import;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use shared::auth::Role;
use shared::config::{DatabaseSettings, LogSettings};

#[derive(Parser)]
#[command(
    name = "atvsld",
    version,
    about = "The ATVSLĐ suite of Cao Bằng (Kế hoạch 664/KH-UBND)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run incidents, health-stats and tasks in this process, on SQLite files in the data folder.
    Up {
        #[arg(long, env = "ATVSLD_HOST", default_value = "127.0.0.1")]
        host: String,
        #[arg(long, env = "ATVSLD_INCIDENTS_PORT", default_value_t = 8081)]
        incidents_port: u16,
        #[arg(long, env = "ATVSLD_HEALTH_STATS_PORT", default_value_t = 8082)]
        health_stats_port: u16,
        #[arg(long, env = "ATVSLD_TASKS_PORT", default_value_t = 8083)]
        tasks_port: u16,
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// The services' databases instead of SQLite files in the data folder: a URL
        /// in which {service} stands for incidents, health_stats or tasks, e.g.
        /// postgres://postgres@127.0.0.1:5432/atvsld_{service} (create them first).
        #[arg(long, env = "ATVSLD_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Log JSON lines instead of compact text.
        #[arg(long, env = "ATVSLD_LOG_JSON")]
        log_json: bool,
        /// A TOML settings file for every service (as APP_CONFIG for one service). The
        /// APP__… environment applies to every service too, over it and over up's own
        /// values; ports, host and databases come from the flags above.
        #[arg(long, env = "ATVSLD_CONFIG")]
        config: Option<PathBuf>,
        /// An origin browsers may call every service from (repeat, or separate with
        /// commas); replaces APP__CORS__ALLOWED_ORIGINS.
        #[arg(long, value_delimiter = ',')]
        cors_origin: Vec<String>,
        /// Load the synthetic demo data set through the API once the suite is up
        /// (only into empty databases).
        #[arg(long)]
        demo: bool,
        /// The seed of the demo data set: the same seed (on the same day) gives the same data.
        #[arg(long, default_value_t = atvsld::demo::DEFAULT_SEED, requires = "demo")]
        demo_seed: u64,
        /// Establishments in the demo data set; accidents and reports follow from it.
        #[arg(long, default_value_t = atvsld::demo::DEFAULT_SIZE, requires = "demo")]
        demo_size: usize,
    },
    /// Print a signed development token that the services started by `up` trust.
    Token {
        /// admin, labor_authority, health_authority, agency, enterprise, commune, insurer or viewer.
        #[arg(long)]
        role: String,
        /// The caller's organisation: agency code, tax code or commune code.
        #[arg(long)]
        org: Option<String>,
        /// Lifetime: 90s, 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
        /// Subject (user name) written into the token.
        #[arg(long)]
        sub: Option<String>,
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
    /// Apply pending migrations: every service's SQLite file in the data folder, or one
    /// service's database named by --database-url (e.g. PostgreSQL in an init container).
    Migrate {
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// incidents, health-stats or tasks; with --database-url.
        #[arg(long, requires = "database_url")]
        service: Option<String>,
        #[arg(
            long,
            env = "APP__DATABASE__URL",
            requires = "service",
            hide_env_values = true
        )]
        database_url: Option<String>,
    },
    /// Load seed data: `plan-664` (Kế hoạch 664/KH-UBND, its agencies, targets and
    /// tasks) into the tasks database of the data folder, or the one named by
    /// --database-url. A plan already there is left as it is.
    Seed {
        /// What to load: plan-664.
        what: String,
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        #[arg(long, hide_env_values = true)]
        database_url: Option<String>,
    },
    /// Import a JSON, NDJSON or CSV file (format from its extension) through a bulk
    /// endpoint; a large file runs as a job, followed with a progress bar on stderr.
    Import {
        file: PathBuf,
        /// What the rows are: establishments.
        #[arg(long)]
        to: String,
        /// The service that takes them.
        #[arg(long, env = "ATVSLD_URL", default_value = "http://127.0.0.1:8081")]
        url: String,
        /// Bearer token; by default a development admin token signed with the data folder's keys.
        #[arg(long, env = "ATVSLD_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Check every row and write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
    /// Back up every service's database into a new folder `atvsld-backup-<UTC time>`:
    /// the SQLite files of the data folder (consistent snapshots with `VACUUM INTO`, safe
    /// while `up` runs) and its keys, or with --database-url the PostgreSQL databases
    /// (`pg_dump --format=custom`, which must be on PATH).
    Backup {
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
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
    },
    /// Restore a folder made by `backup`: its SQLite files and keys into a data folder
    /// that does not hold them yet, or with --database-url its dumps into empty
    /// PostgreSQL databases (`pg_restore`, which must be on PATH). Never overwrites.
    Restore {
        /// The backup folder (`…/atvsld-backup-<UTC time>`).
        backup: PathBuf,
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// SERVICE=postgres://… of each empty database to restore into (repeatable).
        #[arg(long = "database-url", hide_env_values = true)]
        database_urls: Vec<String>,
    },
    /// Start signing filing receipts with a new key: in every service's SQLite database
    /// of the data folder, or in the PostgreSQL databases named by --database-url. Older
    /// keys stay published, so the receipts they signed still verify.
    RotateReceiptKey {
        #[arg(long, env = "ATVSLD_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// SERVICE=postgres://… of each database (repeatable).
        #[arg(long = "database-url", hide_env_values = true)]
        database_urls: Vec<String>,
    },
    /// Write the OpenAPI documents (one per service and the merged atvsld.json).
    Openapi {
        #[arg(long, default_value = "openapi")]
        dir: PathBuf,
        /// Only check that the committed documents are current; exit 1 if not.
        #[arg(long)]
        check: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Up {
            host,
            incidents_port,
            health_stats_port,
            tasks_port,
            data_dir,
            database_url,
            log_json,
            config,
            cors_origin,
            demo,
            demo_seed,
            demo_size,
        } => {
            let log = LogSettings {
                json: log_json,
                // A demo load makes thousands of requests: their log lines would
                // bury its progress (RUST_LOG still decides when set).
                level: if demo {
                    "warn".into()
                } else {
                    LogSettings::default().level
                },
            };
            shared::telemetry::init_tracing(&log);
            let demo = demo.then(|| atvsld::demo::Options {
                seed: demo_seed,
                size: demo_size,
                today: shared::time::today(),
            });
            up(
                atvsld::UpOptions {
                    host,
                    ports: [incidents_port, health_stats_port, tasks_port],
                    data_dir,
                    database_url,
                    log,
                },
                &atvsld::UpOverrides {
                    file: config,
                    env: None,
                    cors_origins: cors_origin,
                },
                demo,
            )
            .await
        }
        Command::Token {
            role,
            org,
            ttl,
            sub,
            data_dir,
        } => {
            let role = Role::parse(&role).with_context(|| {
                let known = Role::ALL.map(Role::as_str).join(", ");
                format!("unknown role {role:?}; use one of {known}")
            })?;
            let keys = atvsld::dev_keys(&data_dir)?;
            let subject = sub.unwrap_or_else(|| format!("dev-{}", role.as_str()));
            let token = keys.signer.token(
                atvsld::DEV_ISSUER,
                atvsld::DEV_AUDIENCE,
                &subject,
                &[role],
                org.as_deref(),
                atvsld::parse_ttl(&ttl)?,
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Migrate {
            data_dir,
            service,
            database_url,
        } => {
            shared::telemetry::init_tracing(&LogSettings::default());
            migrate(&data_dir, service.as_deref(), database_url).await
        }
        Command::Seed {
            what,
            data_dir,
            database_url,
        } => {
            shared::telemetry::init_tracing(&LogSettings::default());
            if what != "plan-664" {
                anyhow::bail!("unknown seed {what:?}: use plan-664");
            }
            let url = match database_url {
                Some(url) => url,
                None => {
                    std::fs::create_dir_all(&data_dir)?;
                    format!("sqlite://{}", data_dir.join("tasks.db").display())
                }
            };
            let added = tokio::task::spawn_blocking(move || atvsld::seed_plan_664(&url)).await??;
            println!("tasks: {added} plan(s) loaded");
            Ok(())
        }
        Command::Import {
            file,
            to,
            url,
            token,
            dry_run,
            data_dir,
        } => {
            let token = match token {
                Some(token) => token,
                None => atvsld::dev_keys(&data_dir)?.signer.token(
                    atvsld::DEV_ISSUER,
                    atvsld::DEV_AUDIENCE,
                    "dev-import",
                    &[Role::Admin],
                    None,
                    atvsld::parse_ttl("1h")?,
                )?,
            };
            import::run(import::ImportOptions {
                file: &file,
                to: &to,
                url: &url,
                token: &token,
                dry_run,
            })
            .await
        }
        Command::Backup {
            data_dir,
            out,
            database_urls,
        } => {
            let databases = databases(data_dir, &database_urls)?;
            let options = atvsld::backup::BackupOptions {
                databases,
                out_dir: out,
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
        Command::Restore {
            backup,
            data_dir,
            database_urls,
        } => {
            let target = databases(data_dir, &database_urls)?;
            let options = atvsld::backup::RestoreOptions {
                backup_dir: backup,
                target,
                pg_restore: "pg_restore".into(),
            };
            let done =
                tokio::task::spawn_blocking(move || atvsld::backup::restore(&options)).await??;
            for line in done {
                println!("restored {line}");
            }
            Ok(())
        }
        Command::RotateReceiptKey {
            data_dir,
            database_urls,
        } => {
            shared::telemetry::init_tracing(&LogSettings::default());
            let targets = atvsld::database_targets(&databases(data_dir, &database_urls)?)?;
            let rotated =
                tokio::task::spawn_blocking(move || atvsld::rotate_receipt_keys(targets)).await??;
            for (service, kid) in rotated {
                println!("{service}: receipts are now signed with key {kid}");
            }
            Ok(())
        }
        Command::Openapi { dir, check } => {
            if check {
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
    }
}

async fn up(
    options: atvsld::UpOptions,
    overrides: &atvsld::UpOverrides,
    demo: Option<atvsld::demo::Options>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&options.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            options.data_dir.display()
        )
    })?;
    let keys = atvsld::dev_keys(&options.data_dir)?;
    let secret = atvsld::events_secret(&options.data_dir)?;
    let planned = atvsld::services()
        .into_iter()
        .zip(options.ports)
        .map(|(def, port)| {
            let settings =
                atvsld::up_settings(def, &options, port, &keys.jwks_path, &secret, overrides)?;
            Ok((def, settings))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let apps = atvsld::start(planned).await?;
    if let Some(incidents) = apps.first() {
        atvsld::wire_events(incidents, &options, &secret)?;
    }
    match &options.database_url {
        // The part after the credentials only: a password never reaches the terminal.
        Some(url) => println!(
            "ATVSLĐ suite is running (databases {}, keys in {}):",
            url.rsplit('@').next().unwrap_or_default(),
            options.data_dir.display()
        ),
        None => println!(
            "ATVSLĐ suite is running (data in {}):",
            options.data_dir.display()
        ),
    }
    for (def, app) in atvsld::services().iter().zip(&apps) {
        let base = format!("http://{}:{}", options.host, app.port());
        println!("  {:<13} {base}/api/v1   docs: {base}/docs/", def.name);
    }
    println!("Get a token with: atvsld token --role admin   (Ctrl-C stops the suite)");
    let targets = {
        let base = |i: usize| {
            let port = apps.get(i).map_or(0, shared::server::Application::port);
            format!("http://{}:{port}", options.host)
        };
        atvsld::demo::load::Targets {
            incidents: base(0),
            health_stats: base(1),
            tasks: base(2),
        }
    };
    // Spawn all three before waiting on any: each server starts when first polled.
    let runs = apps
        .into_iter()
        .map(|app| tokio::spawn(app.run_until_stopped()))
        .collect::<Vec<_>>();
    if let Some(demo) = demo {
        load_demo(&targets, &keys, demo).await?;
    }
    for run in runs {
        run.await??;
    }
    println!("stopped");
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

/// Generates the demo data set and loads it through the API, or says why not.
async fn load_demo(
    targets: &atvsld::demo::load::Targets,
    keys: &shared::auth::DevKeys,
    options: atvsld::demo::Options,
) -> anyhow::Result<()> {
    let data = atvsld::demo::DataSet::generate(options);
    println!(
        "Demo data set (seed {}, size {}, fingerprint {}): {}",
        options.seed,
        options.size,
        data.fingerprint().get(..12).unwrap_or_default(),
        data.summary()
    );
    let token = keys.signer.token(
        atvsld::DEV_ISSUER,
        atvsld::DEV_AUDIENCE,
        "atvsld-demo",
        &[Role::Admin],
        None,
        atvsld::parse_ttl("2h")?,
    )?;
    match atvsld::demo::load::load(targets, &token, &data, true).await {
        Ok(loaded) => {
            let [_, last] = data.years;
            println!(
                "Demo data loaded in {:.1} s ({} requests). Try, with an admin token:",
                loaded.elapsed.as_secs_f64(),
                loaded.requests
            );
            println!(
                "  {}/api/v1/accident-statistics?period={last}&group_by=vsic_section",
                targets.incidents
            );
            println!(
                "  {}/api/v1/accident-reports/compliance?period={last}&kind=employer",
                targets.incidents
            );
            println!(
                "  {}/api/v1/health-statistics?period={last}",
                targets.health_stats
            );
            println!("  {}/api/v1/compliance?period={last}", targets.tasks);
            println!(
                "  {}/api/v1/plans (then /plans/{{id}}/kpis?year={last})",
                targets.tasks
            );
            Ok(())
        }
        Err(e) if e.downcast_ref::<atvsld::demo::load::NotEmpty>().is_some() => {
            println!("Demo data not loaded: {e}");
            Ok(())
        }
        Err(e) => Err(e.context("loading the demo data set failed")),
    }
}

async fn migrate(
    data_dir: &std::path::Path,
    service: Option<&str>,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let targets = match (service, database_url) {
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
            std::fs::create_dir_all(data_dir)?;
            atvsld::services()
                .into_iter()
                .map(|def| {
                    (
                        def,
                        format!(
                            "sqlite://{}",
                            data_dir.join(format!("{}.db", def.name)).display()
                        ),
                    )
                })
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
