//! The `atvsld` launcher: the whole suite in one process, and the admin commands.
//! `main.rs` parses the command line; what the commands do lives here so the
//! end-to-end tests drive the same code.

mod allocator;
pub mod backup;
pub mod dashboard;
pub mod demo;
pub mod examples;

use std::path::{Path, PathBuf};

use shared::config::{
    AuthSettings, CorsSettings, DatabaseSettings, EventSettings, LogSettings, ServerSettings,
    Settings, Upstreams,
};
use shared::server::{Application, ServiceDef};
use utoipa::openapi::OpenApi;

/// The services of the suite, in gateway order.
pub fn services() -> [&'static ServiceDef; 3] {
    [&incidents::SERVICE, &health_stats::SERVICE, &tasks::SERVICE]
}

/// The access tables of the three services (issue 11), in the order of [`services`]:
/// who may do what, read by their use-cases, the security matrix and the "who may do
/// what" table of `docs/integration.md`.
pub fn access_policies() -> [shared::access::Policy; 3] {
    [
        incidents::access::POLICY,
        health_stats::service::access::POLICY,
        tasks::service::access::POLICY,
    ]
}

/// The "who may do what" tables of `docs/integration.md`, rendered from
/// [`access_policies`]: one per service, then the operations every service has.
pub fn access_markdown() -> String {
    let mut out = String::new();
    for policy in access_policies() {
        out.push_str(&format!("**{}**\n\n", policy.service.replace('_', "-")));
        out.push_str(&policy.markdown());
        out.push('\n');
    }
    out.push_str("**every service** (receipts, audit trail, subscriptions, jobs)\n\n");
    out.push_str(&shared::access::COMMON_POLICY.markdown());
    out
}

/// Issuer and audience of the development tokens that `up` trusts.
pub const DEV_ISSUER: &str = "atvsld-dev";
pub const DEV_AUDIENCE: &str = "atvsld";

/// Every committed OpenAPI document, by file name: one per service and the merged suite.
pub fn openapi_documents() -> Vec<(String, OpenApi)> {
    documents(services().iter().map(|s| (s.name, s.openapi())).collect())
}

/// The documents with the examples read from `dir/examples/` instead of those the
/// services were built with: right after recording, before they are built again.
pub fn recorded_openapi_documents(dir: &Path) -> anyhow::Result<Vec<(String, OpenApi)>> {
    let per_service = services()
        .iter()
        .map(|s| {
            let examples = std::fs::read_to_string(examples::file(dir, s.name))?;
            let api = shared::openapi::add_examples(s.openapi_without_examples(), &examples);
            Ok((s.name, api))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(documents(per_service))
}

fn documents(per_service: Vec<(&str, OpenApi)>) -> Vec<(String, OpenApi)> {
    let merged = shared::openapi::merge(&per_service);
    let mut docs: Vec<(String, OpenApi)> = per_service
        .into_iter()
        .map(|(n, api)| (format!("{n}.json"), api))
        .collect();
    docs.push(("atvsld.json".into(), merged));
    docs
}

/// The exact text written to `openapi/<file>`.
pub fn render(api: &OpenApi) -> anyhow::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(api)?))
}

/// Writes the documents into `dir`; returns the files that changed.
pub fn write_openapi(dir: &Path) -> anyhow::Result<Vec<String>> {
    write_documents(dir, openapi_documents())
}

/// Writes `docs` into `dir`; returns the files that changed.
pub fn write_documents(dir: &Path, docs: Vec<(String, OpenApi)>) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut changed = Vec::new();
    for (file, api) in docs {
        let path = dir.join(&file);
        let text = render(&api)?;
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text)?;
            changed.push(file);
        }
    }
    Ok(changed)
}

/// Files in `dir` that differ from what the code generates.
pub fn stale_openapi(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut stale = Vec::new();
    for (file, api) in openapi_documents() {
        if std::fs::read_to_string(dir.join(&file)).ok() != Some(render(&api)?) {
            stale.push(file);
        }
    }
    Ok(stale)
}

/// How `atvsld up` runs the suite.
#[derive(Clone, Debug)]
pub struct UpOptions {
    pub host: String,
    /// Ports of incidents, health-stats and tasks.
    pub ports: [u16; 3],
    pub data_dir: PathBuf,
    /// Where the services keep their data instead of SQLite files in the data folder:
    /// a URL in which `{service}` stands for `incidents`, `health_stats` or `tasks`,
    /// e.g. `postgres://postgres@127.0.0.1:5432/atvsld_{service}`.
    pub database_url: Option<String>,
    pub log: LogSettings,
}

/// `up`'s own settings of one service: its SQLite file in the data folder (or its
/// database named by `database_url`), the development JWKS, the other services on
/// loopback. [`up_settings`] lays the operator's settings over them.
pub fn local_settings(
    def: &ServiceDef,
    options: &UpOptions,
    port: u16,
    jwks_path: &Path,
    events_secret: &str,
) -> Settings {
    let url = match &options.database_url {
        Some(template) => template.replace("{service}", &def.name.replace('-', "_")),
        None => format!(
            "sqlite://{}",
            options.data_dir.join(format!("{}.db", def.name)).display()
        ),
    };
    Settings {
        server: ServerSettings {
            host: options.host.clone(),
            port,
            ..ServerSettings::default()
        },
        database: DatabaseSettings::new(url),
        auth: AuthSettings {
            jwks_path: Some(jwks_path.to_path_buf()),
            jwks_url: None,
            issuer: DEV_ISSUER.into(),
            audience: DEV_AUDIENCE.into(),
            leeway_secs: 60,
            refresh_secs: 300,
        },
        log: options.log.clone(),
        cors: CorsSettings::default(),
        upstreams: Upstreams {
            incidents: Some(format!("http://{}:{}", options.host, options.ports[0])),
            health_stats: Some(format!("http://{}:{}", options.host, options.ports[1])),
            tasks: Some(format!("http://{}:{}", options.host, options.ports[2])),
            ..Upstreams::default()
        },
        // The services of one `up` deliver events to each other on loopback, signed
        // with the data folder's own secret.
        events: EventSettings {
            allow_internal_urls: true,
            inbound_secrets: vec![events_secret.to_owned()],
            ..EventSettings::default()
        },
        rate_limit: Default::default(),
        documents: Default::default(),
        statistics: Default::default(),
        service: Default::default(),
    }
}

/// What an operator sets for every service under `up`, over `up`'s own values.
#[derive(Clone, Debug, Default)]
pub struct UpOverrides {
    /// A TOML settings file (`--config`) for every service.
    pub file: Option<PathBuf>,
    /// The `APP__…` variables; `None` reads the process environment.
    pub env: Option<std::collections::HashMap<String, String>>,
    /// `--cors-origin`: the origins every service allows, over the file and the environment.
    pub cors_origins: Vec<String>,
    /// `--demo`: the demo data set is loaded through the API once the suite is up.
    pub demo_load: bool,
}

/// The settings of one service under `up`: [`local_settings`] as defaults, then the
/// operator's file, environment (`APP__UPSTREAMS__…`, `APP__CORS__…`, `APP__EVENTS__…`,
/// any `APP__…` key) and flags. Where each service needs its own value (its port, host
/// and database) one setting cannot serve three services: `up`'s flags set them, and
/// setting them otherwise is an error rather than three services on one port.
pub fn up_settings(
    def: &ServiceDef,
    options: &UpOptions,
    port: u16,
    jwks_path: &Path,
    events_secret: &str,
    overrides: &UpOverrides,
) -> anyhow::Result<Settings> {
    use shared::config::Settings as S;
    let defaults = local_settings(def, options, port, jwks_path, events_secret);
    let mut settings: S =
        shared::config::layered(&defaults, overrides.file.as_deref(), overrides.env.clone())
            .map_err(|e| anyhow::anyhow!("settings of {}: {e}", def.name))?;
    let per_service = [
        (
            settings.server.port != defaults.server.port,
            "server.port (APP__SERVER__PORT)",
            "--incidents-port, --health-stats-port and --tasks-port",
        ),
        (
            settings.server.host != defaults.server.host,
            "server.host (APP__SERVER__HOST)",
            "--host",
        ),
        (
            secrecy::ExposeSecret::expose_secret(&settings.database.url)
                != secrecy::ExposeSecret::expose_secret(&defaults.database.url),
            "database.url (APP__DATABASE__URL)",
            "--database-url with {service}",
        ),
    ];
    if let Some((_, key, flag)) = per_service.iter().find(|(set, _, _)| *set) {
        anyhow::bail!("{key} is one value for three services under `atvsld up`: use {flag}");
    }
    // An identity provider named by the operator replaces the development keys.
    if settings.auth.jwks_url.is_some() && settings.auth.jwks_path == defaults.auth.jwks_path {
        settings.auth.jwks_path = None;
    }
    if !overrides.cors_origins.is_empty() {
        settings.cors.allowed_origins = overrides.cors_origins.clone();
    }
    // The demo load sends thousands of records through the API as one caller, which
    // the per-caller default would stretch to minutes: raised for `up --demo` unless the
    // operator set a per-caller rate of their own.
    let default_rate = (defaults.rate_limit.per_second, defaults.rate_limit.burst);
    if overrides.demo_load
        && (settings.rate_limit.per_second, settings.rate_limit.burst) == default_rate
    {
        settings.rate_limit.per_second = 2_000;
        settings.rate_limit.burst = 2_000;
    }
    // The suite's own flows are signed with the data folder's secret: an operator's
    // list of secrets adds to it, it cannot cut the services off from each other.
    if !settings
        .events
        .inbound_secrets
        .iter()
        .any(|s| s == events_secret)
    {
        settings
            .events
            .inbound_secrets
            .push(events_secret.to_owned());
    }
    Ok(settings)
}

/// The secret the services of a data folder sign their events to each other with
/// (created on first use, readable by its owner only).
pub fn events_secret(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("keys").join("events-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir.join("keys"))?;
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, secret.as_bytes())?;
    Ok(secret)
}

/// Who made the suite's own subscriptions.
const WIRED_BY: &str = "atvsld up";

/// Deliveries to tasks in flight at once: tasks does not need accident events in order
/// (an overdue event before its declaration is answered 409 and sent again), so during
/// a burst of declarations its flow is not bound by one round trip at a time.
pub const TASKS_IN_FLIGHT: i32 = 8;

/// The flows between the suite's services (issue "events"): incidents tells
/// health-stats of every establishment change, in order (it applies
/// `establishment.upserted` as it comes: the service-wide bound, 1 by default), and
/// tasks of every declared accident and of every case a severity raise made grave,
/// [`TASKS_IN_FLIGHT`] at a time.
/// Made once per data folder; the subscriptions live in the incidents database. When
/// the data folder's secret has been rotated, they are re-keyed with the new one.
/// Returns how many subscriptions were added.
pub fn wire_events(
    incidents: &Application,
    options: &UpOptions,
    secret: &str,
) -> anyhow::Result<usize> {
    use shared::events::subscriptions::{self, SubscriptionRow};
    let flows = [
        (
            options.ports[1],
            "establishment.upserted,establishments.imported",
            None,
        ),
        (
            options.ports[2],
            "accident.declared,accident.escalated,accident.investigation_overdue",
            Some(TASKS_IN_FLIGHT),
        ),
    ];
    let mut conn = incidents.db().get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let existing = subscriptions::all(&mut conn)?;
    let mut added = 0;
    for (port, types, max_in_flight) in flows {
        let url = format!("http://{}:{port}/internal/v1/events", options.host);
        if let Some(found) = existing.iter().find(|s| s.url == url) {
            if found.created_by == WIRED_BY && found.secret != secret {
                subscriptions::set_secret(&mut conn, &found.id, secret)?;
                tracing::info!(subscription = %found.id, "re-keyed with the rotated events secret");
            }
            // A data folder wired by an older version lacks the types added since
            // (`accident.escalated`): its subscription gets them, keeping its log.
            if found.created_by == WIRED_BY && found.event_types != types {
                subscriptions::set_event_types(&mut conn, &found.id, types)?;
                tracing::info!(subscription = %found.id, types, "event types brought up to date");
            }
            // Wired before subscriptions had their own bound: it gets the suite's.
            if found.created_by == WIRED_BY
                && found.max_in_flight.is_none()
                && max_in_flight.is_some()
            {
                subscriptions::set_max_in_flight(&mut conn, &found.id, max_in_flight)?;
                tracing::info!(subscription = %found.id, ?max_in_flight, "deliveries in flight brought up to date");
            }
            continue;
        }
        subscriptions::insert(
            &mut conn,
            &SubscriptionRow {
                id: uuid::Uuid::now_v7().to_string(),
                url,
                event_types: types.to_owned(),
                secret: secret.to_owned(),
                active: true,
                created_by: WIRED_BY.to_owned(),
                created_at: shared::db::now(),
                max_in_flight,
            },
        )?;
        added += 1;
    }
    Ok(added)
}

/// Each service's database URL: the SQLite files of a data folder (which must exist:
/// an admin command never creates a database), or the PostgreSQL URLs named.
pub fn database_targets(
    databases: &backup::Databases,
) -> anyhow::Result<Vec<(&'static ServiceDef, String)>> {
    match databases {
        backup::Databases::DataDir(dir) => services()
            .into_iter()
            .map(|def| {
                let file = dir.join(format!("{}.db", def.name));
                if !file.is_file() {
                    anyhow::bail!("{} does not exist", file.display());
                }
                Ok((def, format!("sqlite://{}", file.display())))
            })
            .collect(),
        backup::Databases::Postgres(urls) => urls
            .iter()
            .map(|u| {
                let def = services()
                    .into_iter()
                    .find(|s| s.name == u.service)
                    .ok_or_else(|| anyhow::anyhow!("unknown service {}", u.service))?;
                Ok((def, u.url.clone()))
            })
            .collect(),
    }
}

/// Starts a new receipt signing key in each database (`atvsld rotate-receipt-key`);
/// returns each service's new key id. Older keys stay, so their receipts verify.
pub fn rotate_receipt_keys(
    targets: Vec<(&'static ServiceDef, String)>,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut rotated = Vec::new();
    for (def, url) in targets {
        // The suite may be running and writing: the command waits its turn, longer than
        // a request would (on SQLite the write lock is not handed out in order, so a
        // busy service can keep it a while), and tries again if it still did not get it.
        let settings = DatabaseSettings {
            max_connections: Some(1),
            connect_timeout_secs: 10,
            busy_timeout_ms: 30_000,
            lock_timeout_ms: 30_000,
            ..DatabaseSettings::new(url)
        };
        let (db, _) = def.connect_and_migrate(&settings)?;
        let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut attempt = 1;
        let kid = loop {
            match shared::receipts::rotate_key(&mut conn) {
                Err(shared::error::ApiError::DatabaseBusy) if attempt < 5 => attempt += 1,
                done => break done.map_err(|e| anyhow::anyhow!("{}: {e}", def.name))?,
            }
        };
        rotated.push((def.name, kid));
    }
    Ok(rotated)
}

/// The development keys of a data folder (created on first use).
pub fn dev_keys(data_dir: &Path) -> anyhow::Result<shared::auth::DevKeys> {
    shared::auth::DevKeys::load_or_create(&data_dir.join("keys"))
}

/// The development keys of a data folder that `up` has already run on. A token signed
/// with a fresh key would be refused by every service, so a folder without keys (a
/// mistyped or missing `--data-dir`) is an error, and nothing is created.
pub fn existing_dev_keys(data_dir: &Path) -> anyhow::Result<shared::auth::DevKeys> {
    if !data_dir.join("keys").join("signing-key.der").is_file() {
        anyhow::bail!(
            "the data folder {} holds no suite keys (keys/signing-key.der): name the folder \
             `atvsld up` runs on with --data-dir (its banner prints the command), or start \
             `atvsld up --data-dir {}` first",
            data_dir.display(),
            data_dir.display()
        );
    }
    shared::auth::DevKeys::load(&data_dir.join("keys"))
}

/// The command that prints an admin token for the services `up` runs on `data_dir`.
pub fn token_command(data_dir: &Path) -> String {
    if data_dir == Path::new(DEFAULT_DATA_DIR) {
        "atvsld token --role admin".to_owned()
    } else {
        format!(
            "atvsld token --role admin --data-dir {}",
            shell_word(data_dir)
        )
    }
}

/// The data folder of every command when `--data-dir` is not given.
pub const DEFAULT_DATA_DIR: &str = "data";

/// A path as one shell word: quoted when it holds anything but plain characters.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Builds every service (migrations applied, ports bound) in the given order.
pub async fn start(
    services: Vec<(&'static ServiceDef, Settings)>,
) -> anyhow::Result<Vec<Application>> {
    let mut apps = Vec::with_capacity(services.len());
    for (def, settings) in services {
        let app = Application::build(def, &settings)
            .await
            .map_err(|e| anyhow::anyhow!("{} did not start: {e}", def.name))?;
        apps.push(app);
    }
    Ok(apps)
}

/// Loads plan 664/KH-UBND into the tasks database at `url` (migrating it first);
/// returns the number of plans added (0 when it is already there).
pub fn seed_plan_664(url: &str) -> anyhow::Result<usize> {
    let settings = DatabaseSettings {
        max_connections: Some(1),
        connect_timeout_secs: 10,
        ..DatabaseSettings::new(url.to_owned())
    };
    let (db, _) = tasks::SERVICE.connect_and_migrate(&settings)?;
    tasks::service::seed::seed_plan_664(&db)
}

/// Loads the plans of a plan file in plan 664's format into the tasks database at
/// `url` (migrating it first); returns the number added (0 when they are there).
pub fn seed_plan_file(url: &str, text: &str) -> anyhow::Result<usize> {
    let settings = DatabaseSettings {
        max_connections: Some(1),
        connect_timeout_secs: 10,
        ..DatabaseSettings::new(url.to_owned())
    };
    let (db, _) = tasks::SERVICE.connect_and_migrate(&settings)?;
    tasks::service::seed::seed_plan_file(&db, text)
}

/// Parses a lifetime such as `90s`, `30m`, `1h` or `7d`.
pub fn parse_ttl(text: &str) -> anyhow::Result<std::time::Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("expected a number with s, m, h or d: {text}"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => anyhow::bail!("unknown unit {other:?}: use s, m, h or d"),
    };
    Ok(std::time::Duration::from_secs(
        number.saturating_mul(seconds),
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_ttl("90").ok().map(|d| d.as_secs()), Some(90));
        assert_eq!(parse_ttl("30m").ok().map(|d| d.as_secs()), Some(1800));
        assert_eq!(parse_ttl("1h").ok().map(|d| d.as_secs()), Some(3600));
        assert_eq!(parse_ttl("7d").ok().map(|d| d.as_secs()), Some(604_800));
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("h").is_err());
    }
}
