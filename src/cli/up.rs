//! `atvsld up`: the three services in this process, and the demo data set on request.

use std::path::PathBuf;

use anyhow::Context as _;
use shared::auth::Role;
use shared::config::LogSettings;

#[derive(clap::Args)]
pub struct Args {
    /// The address every service listens on (0.0.0.0 for every interface).
    #[arg(long, env = "ATVSLD_HOST", default_value = "127.0.0.1")]
    host: String,
    /// The port of the incidents service.
    #[arg(long, env = "ATVSLD_INCIDENTS_PORT", default_value_t = 8081)]
    incidents_port: u16,
    /// The port of the health-stats service.
    #[arg(long, env = "ATVSLD_HEALTH_STATS_PORT", default_value_t = 8082)]
    health_stats_port: u16,
    /// The port of the tasks service.
    #[arg(long, env = "ATVSLD_TASKS_PORT", default_value_t = 8083)]
    tasks_port: u16,
    /// The port of the dashboard (/dashboard/), which also serves the API under
    /// /incidents/, /health-stats/ and /tasks/ as the gateway does. When it is taken,
    /// the suite runs without it.
    #[arg(long, env = "ATVSLD_DASHBOARD_PORT", default_value_t = 8080)]
    dashboard_port: u16,
    /// Serve the dashboard built in this folder (`npm --prefix web run build` writes
    /// web/dist) instead of the build embedded in the binary: for development.
    #[arg(long, env = "ATVSLD_DASHBOARD_DIR")]
    dashboard_dir: Option<PathBuf>,
    #[command(flatten)]
    data_dir: super::DataDir,
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
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let log = LogSettings {
        json: args.log_json,
        // The services read their settings after the subscriber is set, so the one
        // log setting `up` takes from the APP__ environment is read here.
        requests: std::env::var("APP__LOG__REQUESTS").map_or(true, |v| v != "false"),
        // A demo load makes thousands of requests: their log lines would
        // bury its progress (RUST_LOG still decides when set).
        level: if args.demo {
            "warn".into()
        } else {
            LogSettings::default().level
        },
    };
    shared::telemetry::init_tracing(&log);
    let demo = args.demo.then(|| atvsld::demo::Options {
        seed: args.demo_seed,
        size: args.demo_size,
        today: shared::time::today(),
    });
    let options = atvsld::UpOptions {
        host: args.host,
        ports: [args.incidents_port, args.health_stats_port, args.tasks_port],
        data_dir: args.data_dir.path,
        database_url: args.database_url,
        log,
    };
    let overrides = atvsld::UpOverrides {
        file: args.config,
        env: None,
        cors_origins: args.cors_origin,
        demo_load: demo.is_some(),
    };
    let dashboard = Dashboard {
        port: args.dashboard_port,
        dir: args.dashboard_dir,
    };
    up(options, &overrides, demo, dashboard).await
}

/// Where the dashboard is served from, and its port.
struct Dashboard {
    port: u16,
    /// `None`: the build embedded in the binary.
    dir: Option<PathBuf>,
}

async fn up(
    options: atvsld::UpOptions,
    overrides: &atvsld::UpOverrides,
    demo: Option<atvsld::demo::Options>,
    dashboard: Dashboard,
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
    let dashboard = start_dashboard(&options, &apps, &dashboard)?;
    let token_command = atvsld::token_command(&options.data_dir);
    println!("Get a token with: {token_command}   (Ctrl-C stops the suite)");
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
    let dashboard = dashboard.map(|server| {
        let handle = server.handle();
        tokio::spawn(server);
        handle
    });
    if let Some(demo) = demo {
        load_demo(&targets, &keys, demo, &token_command).await?;
    }
    for run in runs {
        run.await??;
    }
    if let Some(dashboard) = dashboard {
        dashboard.stop(true).await;
    }
    println!("stopped");
    Ok(())
}

/// Binds the dashboard's port and prints its address; a port in use leaves the suite
/// running without it (a second `up`, or the tests' suites, on the default port).
fn start_dashboard(
    options: &atvsld::UpOptions,
    apps: &[shared::server::Application],
    dashboard: &Dashboard,
) -> anyhow::Result<Option<actix_web::dev::Server>> {
    let base = |i: usize| {
        let port = apps.get(i).map_or(0, shared::server::Application::port);
        format!("http://{}:{port}", options.host)
    };
    let upstreams = atvsld::dashboard::Upstreams {
        incidents: base(0),
        health_stats: base(1),
        tasks: base(2),
    };
    let assets = match &dashboard.dir {
        Some(dir) => atvsld::dashboard::Assets::load(dir)
            .with_context(|| format!("cannot read the dashboard in {}", dir.display()))?,
        None => Some(atvsld::dashboard::Assets::embedded()),
    };
    let built = assets.is_some();
    match atvsld::dashboard::server(&options.host, dashboard.port, assets, upstreams) {
        Ok((server, port)) => {
            let url = format!("http://{}:{port}/dashboard/", options.host);
            if built {
                println!(
                    "  {:<13} {url}   (the API too, as the gateway serves it)",
                    "dashboard"
                );
            } else {
                println!(
                    "  {:<13} {url}   not built: {}",
                    "dashboard",
                    atvsld::dashboard::BUILD_COMMAND
                );
            }
            Ok(Some(server))
        }
        Err(e) => {
            println!(
                "  {:<13} not started: port {} ({e}); choose another with --dashboard-port",
                "dashboard", dashboard.port
            );
            Ok(None)
        }
    }
}

/// Generates the demo data set and loads it through the API, or says why not.
async fn load_demo(
    targets: &atvsld::demo::load::Targets,
    keys: &shared::auth::DevKeys,
    options: atvsld::demo::Options,
    token_command: &str,
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
                "Demo data loaded in {:.1} s ({} requests). Try, with a token from `{token_command}`:",
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
