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
pub fn with_database(url: &str, name: &str) -> String {
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
        database: DatabaseSettings::new(db.url.clone()),
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
        documents: Default::default(),
        // Tests fold when they mean to (and may date counters back, which a fold
        // already past those days would not see).
        statistics: crate::config::StatisticsSettings { fold_every_secs: 0 },
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

/// A response's JSON body; panics (failing the test) when it is not JSON.
pub async fn json_of(res: reqwest::Response) -> serde_json::Value {
    match res.json::<serde_json::Value>().await {
        Ok(v) => v,
        Err(e) => panic!("response is not JSON: {e}"),
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
// Indexing a `serde_json::Value` by key answers `Null` for what is missing; it never panics.
#[allow(clippy::indexing_slicing)]
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body = json_of(res).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{body}"
    );
    assert!(body["request_id"].is_string(), "{body}");
    body
}

/// The first field error's pointer and code.
// Indexing a `serde_json::Value` by key answers `Null` for what is missing; it never panics.
#[allow(clippy::indexing_slicing)]
pub fn first_error(problem: &serde_json::Value) -> (String, String) {
    let e = &problem["errors"][0];
    (
        e["pointer"].as_str().unwrap_or_default().to_owned(),
        e["code"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Everything the services of a test binary log, at debug level, once
/// [`capture_logs`] has run: a test can look for a line (or for personal data that
/// must not be there).
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = LOGS.lock() {
            logs.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends the process's logs to the buffer [`captured_logs`] reads (the first
/// subscriber installed wins, so call it before any service starts).
pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init();
    });
}

/// What the process has logged since [`capture_logs`].
pub fn captured_logs() -> String {
    LOGS.lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default()
}

/// The checks every service passes: its probes, metrics and documentation answer, its
/// spec has `title`, and an unknown API path is a problem.
// Indexing a `serde_json::Value` by key answers `Null` for what is missing; it never panics.
#[allow(clippy::indexing_slicing)]
pub async fn assert_operable(def: &'static ServiceDef, title: &str) {
    let svc = match TestService::spawn(def).await {
        Ok(svc) => svc,
        Err(e) => panic!("the service did not start: {e:#}"),
    };
    let get = |path: &str| svc.client.get(svc.url(path));
    for path in ["/healthz", "/readyz", "/metrics", "/docs/"] {
        let res = get(path).send().await;
        assert_eq!(res.map(|r| r.status().as_u16()).ok(), Some(200), "{path}");
    }
    let spec = match get("/openapi.json").send().await {
        Ok(res) => json_of(res).await,
        Err(e) => panic!("no spec: {e}"),
    };
    assert_eq!(spec["info"]["title"], title);
    let res = get("/api/v1/nothing")
        .bearer_auth(svc.token(Role::Admin, None))
        .send()
        .await;
    match res {
        Ok(res) => {
            assert_eq!(res.status().as_u16(), 404);
            assert_eq!(res.headers()["content-type"], "application/problem+json");
        }
        Err(e) => panic!("no answer: {e}"),
    }
}

/// Moves the rows of the statistics deltas `table` changed on `from` to `to`, as if
/// those writes had been made that day (a test dates writes back so that a fold,
/// which never goes past the day before yesterday, has something to fold).
pub fn redate_deltas(
    db: &crate::db::Db,
    table: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    let sql = format!("UPDATE {table} SET changed_on = '{to}' WHERE changed_on = '{from}'");
    let done = db.get().map_err(|e| format!("{e:?}")).and_then(|mut conn| {
        diesel::sql_query(sql)
            .execute(&mut *conn)
            .map_err(|e| e.to_string())
    });
    if let Err(e) = done {
        panic!("{table} not redated: {e}");
    }
}

/// Runs a service's `fold` through `through` on a connection of its own; returns the
/// totals rows written.
pub fn fold_once(
    db: &crate::db::Db,
    fold: crate::db::fold::FoldFn,
    through: chrono::NaiveDate,
) -> usize {
    let folded = db.get().and_then(|mut conn| fold(&mut conn, through));
    match folded {
        Ok(rows) => rows,
        Err(e) => panic!("no fold through {through}: {e:?}"),
    }
}

/// Two replicas folding through `through` at once: two threads, each holding its own
/// connection before either folds when the pool has two (else they take turns on
/// the one). Returns the totals rows each wrote, fewest first: one of them should
/// have found the marker moved and written nothing.
pub fn fold_twice_at_once(
    db: &crate::db::Db,
    fold: crate::db::fold::FoldFn,
    through: chrono::NaiveDate,
) -> Vec<usize> {
    let together = if db.max_size() >= 2 { 2 } else { 1 };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(together));
    let folds: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = db.get()?;
                barrier.wait();
                fold(&mut conn, through)
            })
        })
        .collect();
    let mut written: Vec<usize> = folds
        .into_iter()
        .map(|t| match t.join() {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => panic!("a fold failed: {e:?}"),
            Err(_) => panic!("a fold panicked"),
        })
        .collect();
    written.sort_unstable();
    written
}

/// The one number `n` that `sql` answers, e.g. `SELECT CAST(SUM(cases) AS BIGINT) AS n
/// FROM accident_stat_totals`; 0 for NULL (a sum over no rows).
pub fn sum_of(db: &crate::db::Db, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        n: Option<i64>,
    }
    let answer = db.get().map_err(|e| format!("{e:?}")).and_then(|mut conn| {
        diesel::sql_query(sql)
            .get_result::<Number>(&mut *conn)
            .map_err(|e| e.to_string())
    });
    match answer {
        Ok(row) => row.n.unwrap_or(0),
        Err(e) => panic!("{sql}: {e}"),
    }
}

#[cfg(feature = "test-util")]
/// The text of a PDF as a text extractor reads it, with runs of white space made one
/// space, so a test can look for a phrase however the lines were broken.
pub fn pdf_text(bytes: &[u8]) -> anyhow::Result<String> {
    let text = pdf_extract::extract_text_from_mem(bytes)?;
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(feature = "test-util")]
/// The width and height, in points, of each page of a PDF.
pub fn pdf_page_sizes(bytes: &[u8]) -> anyhow::Result<Vec<(f32, f32)>> {
    let doc = pdf_extract::Document::load_mem(bytes)?;
    let mut sizes = Vec::new();
    for id in doc.get_pages().into_values() {
        let page = doc.get_dictionary(id)?;
        let corners = page
            .get(b"MediaBox")?
            .as_array()?
            .iter()
            .map(|n| n.as_float().map_err(anyhow::Error::from))
            .collect::<anyhow::Result<Vec<f32>>>()?;
        let &[x0, y0, x1, y1] = corners.as_slice() else {
            anyhow::bail!("a MediaBox of {} numbers", corners.len());
        };
        sizes.push((x1 - x0, y1 - y0));
    }
    Ok(sizes)
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
