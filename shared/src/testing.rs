//! Test support shared by every crate's API tests: a fresh database per test, signing
//! keys, and a service spawned on a free port through the real `Application`.
//!
//! SQLite by default (a temporary file); PostgreSQL when `TEST_DATABASE_URL` is set,
//! with a database created per test and dropped when the test ends.

use std::path::PathBuf;
use std::time::Duration;

use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::pg::PgConnection;
use secrecy::SecretString;

use crate::auth::{JwtSigner, Role};
use crate::config::{
    AuthSettings, CorsSettings, DatabaseSettings, LogSettings, ServerSettings, Settings,
};
use crate::server::{Application, ServiceDef};

pub const TEST_ISSUER: &str = "atvsld-test";
pub const TEST_AUDIENCE: &str = "atvsld";

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn new() -> anyhow::Result<Self> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::on_postgres(&admin_url),
            _ => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Ok(Self {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                })
            }
        }
    }

    /// A database of its own on the PostgreSQL server of `admin_url`.
    pub fn on_postgres(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("atvsld_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin_url)?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
        let url = with_database(admin_url, &name);
        Ok(Self {
            url,
            postgres: Some((admin_url.to_owned(), name)),
            _dir: None,
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base.get(scheme_end..).and_then(|rest| rest.rfind('/')) {
        Some(slash) => base.get(..scheme_end + slash).unwrap_or(base),
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A signing key and the JWKS file the services under test trust.
pub struct TestKeys {
    pub signer: JwtSigner,
    pub jwks_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestKeys {
    pub fn new() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let (signer, _) = JwtSigner::generate()?;
        let jwks_path = dir.path().join("jwks.json");
        std::fs::write(&jwks_path, serde_json::to_vec(&signer.jwks())?)?;
        Ok(Self {
            signer,
            jwks_path,
            _dir: dir,
        })
    }

    /// A valid token for `role` in organisation `org`.
    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        let subject = format!("test-{}-{}", role.as_str(), org.unwrap_or("none"));
        self.signer
            .token(
                TEST_ISSUER,
                TEST_AUDIENCE,
                &subject,
                &[role],
                org,
                Duration::from_secs(600),
            )
            .unwrap_or_default()
    }

    pub fn auth_settings(&self) -> AuthSettings {
        AuthSettings {
            jwks_path: Some(self.jwks_path.clone()),
            jwks_url: None,
            issuer: TEST_ISSUER.into(),
            audience: TEST_AUDIENCE.into(),
            leeway_secs: 60,
            refresh_secs: 300,
        }
    }
}

/// A valid 10-digit tax code with Cao Bằng's prefix `04`, different for each `n`.
pub fn tax_code(n: u32) -> String {
    (0..10)
        .map(|k| format!("04{:07}", (n * 10 + k) % 10_000_000))
        .find_map(|first9| {
            let check = crate::validate::tax_code_check_digit(&first9)?;
            Some(format!("{first9}{check}"))
        })
        .unwrap_or_default()
}

/// Settings for a service under test: loopback, a free port, one worker.
pub fn settings(db: &TestDatabase, keys: &TestKeys) -> Settings {
    Settings {
        server: ServerSettings {
            host: "127.0.0.1".into(),
            port: 0,
            workers: 1,
            body_limit_bytes: 1024 * 1024,
            ..ServerSettings::default()
        },
        database: DatabaseSettings {
            url: SecretString::from(db.url.clone()),
            max_connections: None,
            connect_timeout_secs: 5,
        },
        auth: keys.auth_settings(),
        log: LogSettings::default(),
        cors: CorsSettings::default(),
        upstreams: Default::default(),
        // Tests that are about events turn the dispatcher on; the others need no
        // background polling of their database.
        events: crate::config::EventSettings {
            dispatch: false,
            ..Default::default()
        },
        // Tests send hundreds of requests with one token (the security matrix); the
        // rate limit has its own scenario in tests/faults/.
        rate_limit: crate::config::RateLimitSettings {
            per_second: 1_000_000,
            burst: 1_000_000,
            anonymous_per_second: 1_000_000,
            anonymous_burst: 1_000_000,
            trust_forwarded_for: false,
        },
        service: Default::default(),
    }
}

/// A service running on a free port for the length of a test.
pub struct TestService {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub keys: TestKeys,
    pub app_db: crate::db::Db,
    // Dropped last: the server must stop using the database before it goes.
    pub db: TestDatabase,
}

impl TestService {
    pub async fn spawn(def: &'static ServiceDef) -> anyhow::Result<Self> {
        Self::spawn_with(def, |_| {}).await
    }

    /// Like [`TestService::spawn`], with the settings adjusted first.
    pub async fn spawn_with(
        def: &'static ServiceDef,
        adjust: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Self> {
        crate::telemetry::init_test_tracing();
        let db = TestDatabase::new()?;
        let keys = TestKeys::new()?;
        let mut settings = settings(&db, &keys);
        adjust(&mut settings);
        let app = Application::build(def, &settings).await?;
        let port = app.port();
        let app_db = app.db().clone();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client,
            keys,
            app_db,
            db,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        self.keys.token(role, org)
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_swapped() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}
