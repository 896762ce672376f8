//! Typed settings: an optional TOML file, then `APP__SECTION__KEY` environment
//! overrides (e.g. `APP__DATABASE__URL`). Settings are loaded once in `main` and
//! passed into `Application::build`; nothing reads them from a global.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The settings of one service. `S` holds what only that service needs.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings<S = NoExtra> {
    #[serde(default)]
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    #[serde(default)]
    pub log: LogSettings,
    #[serde(default)]
    pub cors: CorsSettings,
    #[serde(default)]
    pub upstreams: Upstreams,
    #[serde(default)]
    pub events: EventSettings,
    #[serde(default)]
    pub rate_limit: RateLimitSettings,
    /// Who issues the printable documents and who signs them.
    #[serde(default)]
    pub documents: crate::documents::DocumentSettings,
    #[serde(default)]
    pub statistics: StatisticsSettings,
    #[serde(default)]
    pub service: S,
}

/// The statistics counters' upkeep (`crate::db::fold`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatisticsSettings {
    /// How often the deltas of the days before yesterday are folded into the totals;
    /// 0: never (the figures stay exact, reads only grow slower with the days).
    pub fold_every_secs: u64,
}

impl Default for StatisticsSettings {
    fn default() -> Self {
        Self {
            fold_every_secs: 600,
        }
    }
}

/// Requests allowed per client: the token's subject when the bearer token verifies,
/// else the peer address. Probes, `/metrics` and `/internal/` are not counted.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Sustained requests per second of one authenticated caller.
    pub per_second: u32,
    /// Requests one authenticated caller may send at once before the rate applies.
    pub burst: u32,
    /// The same for callers without a valid token, per address: anonymous reads of
    /// the docs, and every request whose token is missing, forged or expired.
    pub anonymous_per_second: u32,
    pub anonymous_burst: u32,
    /// Take the caller's address from `X-Forwarded-For`/`Forwarded` instead of the
    /// peer's: only where every request comes through the gateway, which sets it
    /// (compose, Kubernetes). Reachable directly, a caller could choose its address.
    pub trust_forwarded_for: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            per_second: 20,
            burst: 100,
            anonymous_per_second: 5,
            anonymous_burst: 20,
            trust_forwarded_for: false,
        }
    }
}

/// The outbox dispatcher and the event receiver.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSettings {
    /// Run the dispatcher in this process.
    pub dispatch: bool,
    /// Accept subscription URLs on loopback and private networks (development, or
    /// the suite's own services inside one cluster). Off by default: no SSRF door.
    pub allow_internal_urls: bool,
    /// Secrets whose HMAC signature `/internal/v1/events` accepts.
    pub inbound_secrets: Vec<String>,
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
    /// First retry delay; it doubles with each attempt.
    pub retry_base_ms: u64,
    /// Time allowed for one delivery.
    pub timeout_ms: u64,
    /// How often the dispatcher looks for subscriptions with deliveries due.
    pub poll_ms: u64,
    /// Deliveries of one subscription sent at the same time; each subscription has
    /// its own, so a slow partner never holds up another's. 1 keeps a subscription's
    /// events in the order they were published (health-stats applies
    /// `establishment.upserted` as it comes); more sends faster to a slow partner
    /// that does not care about order.
    pub per_subscription: usize,
    /// The most deliveries of one subscription a dispatcher claims at once (sent
    /// `per_subscription` at a time, in order): one claim and one write of the
    /// results per batch instead of per delivery. A batch starts at
    /// `per_subscription` and doubles after each batch the partner accepted whole,
    /// up to this; any failure brings it back.
    pub claim_batch: usize,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            dispatch: true,
            allow_internal_urls: false,
            inbound_secrets: Vec::new(),
            max_attempts: 8,
            retry_base_ms: 1000,
            timeout_ms: 5000,
            poll_ms: 500,
            per_subscription: 1,
            claim_batch: 64,
        }
    }
}

/// Where the other services of the suite answer, for reads across services.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Upstreams {
    /// Base URL of the incidents service, e.g. `http://incidents:8080`.
    pub incidents: Option<String>,
    pub health_stats: Option<String>,
    pub tasks: Option<String>,
    /// Time allowed for one call to another service, in milliseconds; a slower
    /// dependency gives a degraded answer, never a hang.
    pub timeout_ms: u64,
}

impl Default for Upstreams {
    fn default() -> Self {
        Self {
            incidents: None,
            health_stats: None,
            tasks: None,
            timeout_ms: 3000,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoExtra {}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    pub workers: usize,
    /// Largest accepted JSON body, in bytes.
    pub body_limit_bytes: usize,
    /// Largest bulk-import body, in bytes (docs/integration.md, "12. Limits": 32 MiB).
    pub bulk_body_limit_bytes: usize,
    /// Bulk batches up to this many rows are answered at once; larger ones run as a job.
    pub bulk_sync_rows: usize,
    /// How long a job stays with the runner that claimed it, renewed by each chunk it
    /// commits: after a crash, the restarted process (or another replica) goes on
    /// with the job once this has passed since its last chunk. Longer than any chunk.
    pub job_lease_secs: u64,
    /// Open connections this service accepts; more wait in the listen backlog. Unset:
    /// a quarter of the process's file descriptors (after 256 kept for databases,
    /// files and outbound calls), at most 25,000, so three services under `atvsld up`
    /// never run the process out of descriptors.
    pub max_connections: Option<usize>,
    /// Connections the kernel queues while the service is at `max_connections`.
    pub backlog: u32,
    /// Time allowed for a request's headers to arrive.
    pub header_timeout_ms: u64,
    /// A body must arrive within `body_grace_ms` plus one second per
    /// `body_min_bytes_per_sec` bytes received so far; a slower one is cut with 408.
    pub body_grace_ms: u64,
    pub body_min_bytes_per_sec: u64,
    /// Time allowed for a whole request, body included; past it the caller gets 503.
    pub handler_timeout_ms: u64,
    /// How long an idle connection is kept open for the next request.
    pub keep_alive_ms: u64,
    /// Time allowed to a client to read the end of a response before the connection closes.
    pub disconnect_timeout_ms: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 2,
            body_limit_bytes: 1024 * 1024,
            bulk_body_limit_bytes: 32 * 1024 * 1024,
            bulk_sync_rows: 1000,
            job_lease_secs: 120,
            max_connections: None,
            backlog: 2048,
            header_timeout_ms: 5000,
            body_grace_ms: 10_000,
            body_min_bytes_per_sec: 1024,
            handler_timeout_ms: 120_000,
            keep_alive_ms: 5000,
            disconnect_timeout_ms: 1000,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` or `sqlite://path/to/file.db`. Secret: it may hold a password,
    /// so it is never serialized ([`layered`] passes it on by hand).
    #[serde(skip_serializing)]
    pub url: SecretString,
    /// Pool size. Defaults to 10 on PostgreSQL and 1 on SQLite, where a single
    /// connection avoids `SQLITE_BUSY` on concurrent writes (SQLite has one writer anyway).
    #[serde(default)]
    pub max_connections: Option<u32>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// PostgreSQL: the longest a statement may run before the server cancels it, so
    /// a query whose caller has gone away cannot hold a pooled connection for long.
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout_ms: u64,
    /// PostgreSQL: the longest a statement waits for a lock; shorter than the pool
    /// wait, so requests stuck behind a held lock give their connections back before
    /// unrelated requests time out waiting for one.
    #[serde(default = "default_lock_timeout")]
    pub lock_timeout_ms: u64,
    /// SQLite: the longest a write waits for another process's write lock.
    #[serde(default = "default_busy_timeout")]
    pub busy_timeout_ms: u64,
}

impl DatabaseSettings {
    /// The settings for `url` with every other value at its default.
    pub fn new(url: impl Into<SecretString>) -> Self {
        Self {
            url: url.into(),
            max_connections: None,
            connect_timeout_secs: default_connect_timeout(),
            statement_timeout_ms: default_statement_timeout(),
            lock_timeout_ms: default_lock_timeout(),
            busy_timeout_ms: default_busy_timeout(),
        }
    }
}

fn default_connect_timeout() -> u64 {
    5
}

fn default_statement_timeout() -> u64 {
    10_000
}

fn default_lock_timeout() -> u64 {
    2_000
}

fn default_busy_timeout() -> u64 {
    5_000
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// A JWKS document on disk (development, or a mounted secret). Either this or `jwks_url`.
    #[serde(default)]
    pub jwks_path: Option<PathBuf>,
    /// The identity provider's JWKS endpoint.
    #[serde(default)]
    pub jwks_url: Option<String>,
    pub issuer: String,
    pub audience: String,
    /// Allowed clock skew for `exp` and `nbf`.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// How often keys are re-read, so a rotated key is picked up without a restart.
    #[serde(default = "default_refresh")]
    pub refresh_secs: u64,
}

fn default_leeway() -> u64 {
    60
}

fn default_refresh() -> u64 {
    300
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// An `EnvFilter` directive such as `info` or `incidents=debug,info`.
    pub level: String,
    /// JSON lines (for log shippers) instead of compact text.
    pub json: bool,
    /// One line per request at its end (method, route, status, user, time), at info
    /// (docs/operations.md, "Logs"). Formatting it is about a twelfth of the
    /// instructions of a key look-up (README, "Benchmarks"); a deployment whose gateway
    /// keeps the access log may turn it off. Failed requests are logged either way.
    pub requests: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            json: false,
            requests: true,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsSettings {
    /// Origins allowed to call the API from a browser. Empty: none.
    pub allowed_origins: Vec<String>,
}

/// Reads settings from `file` (if given) and the `APP__…` environment.
pub fn load<T: DeserializeOwned>(file: Option<&Path>) -> anyhow::Result<T> {
    load_with(file, environment())
}

/// `defaults` (a launcher's own settings, e.g. those of `atvsld up`), then `file`,
/// then the `APP__…` environment (`vars`, or the process environment when `None`):
/// what the operator sets wins over what the launcher would choose.
pub fn layered<S: Serialize, T: DeserializeOwned>(
    defaults: &Settings<S>,
    file: Option<&Path>,
    vars: Option<std::collections::HashMap<String, String>>,
) -> anyhow::Result<T> {
    use secrecy::ExposeSecret;
    let mut builder = config::Config::builder();
    let mut leaves = Vec::new();
    flatten(&serde_json::to_value(defaults)?, String::new(), &mut leaves);
    for (key, value) in leaves {
        builder = builder.set_default(key, value)?;
    }
    builder = builder.set_default("database.url", defaults.database.url.expose_secret())?;
    if let Some(file) = file {
        builder = builder.add_source(config::File::from(file).required(true));
    }
    let env = match vars {
        Some(vars) => environment().source(Some(vars)),
        None => environment(),
    };
    Ok(builder.add_source(env).build()?.try_deserialize()?)
}

/// The leaves of `value` as `section.key` paths; `null` (an unset option) is left out
/// so that the option stays unset unless a later source sets it.
fn flatten(value: &serde_json::Value, path: String, out: &mut Vec<(String, config::Value)>) {
    use serde_json::Value as J;
    let leaf: config::Value = match value {
        J::Null => return,
        J::Object(map) => {
            for (key, child) in map {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(child, path, out);
            }
            return;
        }
        J::Bool(b) => (*b).into(),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, Some(f)) => f.into(),
            (None, None) => return,
        },
        J::String(s) => s.clone().into(),
        J::Array(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(|s| config::Value::from(s.to_owned())))
            .collect::<Vec<_>>()
            .into(),
    };
    out.push((path, leaf));
}

fn load_with<T: DeserializeOwned>(
    file: Option<&Path>,
    env: config::Environment,
) -> anyhow::Result<T> {
    let mut builder = config::Config::builder();
    if let Some(file) = file {
        builder = builder.add_source(config::File::from(file).required(true));
    }
    let settings = builder.add_source(env).build()?.try_deserialize()?;
    Ok(settings)
}

fn environment() -> config::Environment {
    config::Environment::with_prefix("APP")
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .list_separator(",")
        .with_list_parse_key("cors.allowed_origins")
        .with_list_parse_key("events.inbound_secrets")
        .with_list_parse_key("documents.signer_titles")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> config::Environment {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        environment().source(Some(map))
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("incidents.toml");
        std::fs::write(
            &file,
            "[server]\nport = 9001\n[database]\nurl = \"sqlite://a.db\"\n[auth]\njwks_path = \"k.json\"\nissuer = \"i\"\naudience = \"a\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let vars = [
            ("APP__DATABASE__URL", "postgres://u:secret@h/db"),
            ("APP__SERVER__WORKERS", "4"),
            (
                "APP__CORS__ALLOWED_ORIGINS",
                "https://a.example,https://b.example",
            ),
        ];
        let settings: Settings =
            load_with(Some(&file), env(&vars)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.server.port, 9001);
        assert_eq!(settings.server.workers, 4);
        assert_eq!(
            settings.database.url.expose_secret(),
            "postgres://u:secret@h/db"
        );
        assert_eq!(settings.cors.allowed_origins.len(), 2);
        assert!(
            !format!("{settings:?}").contains("secret@"),
            "secrets do not print"
        );
    }

    #[test]
    fn the_environment_overrides_a_launchers_defaults_and_keeps_the_rest() {
        let mut defaults: Settings = load_with(
            None,
            env(&[
                ("APP__DATABASE__URL", "sqlite://a.db"),
                ("APP__AUTH__JWKS_PATH", "k.json"),
                ("APP__AUTH__ISSUER", "i"),
                ("APP__AUTH__AUDIENCE", "a"),
            ]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        defaults.server.port = 8083;
        defaults.upstreams.incidents = Some("http://127.0.0.1:8081".into());
        defaults.upstreams.health_stats = Some("http://127.0.0.1:8082".into());
        let vars = [
            (
                "APP__UPSTREAMS__INCIDENTS",
                "http://incidents.internal:8080",
            ),
            ("APP__CORS__ALLOWED_ORIGINS", "https://portal.example"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let settings: Settings = layered(&defaults, None, Some(vars.into_iter().collect()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.upstreams.incidents.as_deref(),
            Some("http://incidents.internal:8080")
        );
        assert_eq!(
            settings.upstreams.health_stats.as_deref(),
            Some("http://127.0.0.1:8082")
        );
        assert_eq!(settings.upstreams.tasks, None);
        assert_eq!(settings.cors.allowed_origins, ["https://portal.example"]);
        assert_eq!(settings.server.port, 8083);
        assert_eq!(settings.database.url.expose_secret(), "sqlite://a.db");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let vars = [
            ("APP__DATABASE__URL", "sqlite://a.db"),
            ("APP__AUTH__JWKS_PATH", "k.json"),
            ("APP__AUTH__ISSUER", "i"),
            ("APP__AUTH__AUDIENCE", "a"),
            ("APP__SERVER__PROT", "1"),
        ];
        assert!(load_with::<Settings>(None, env(&vars)).is_err());
    }
}
