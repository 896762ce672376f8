//! The harness: a running health-stats service and typed helpers around it.

#![allow(dead_code)]

use reqwest::Response;
use serde_json::Value;
use shared::auth::Role;
use shared::testing::TestService;

pub struct TestApp {
    pub svc: TestService,
}

/// Everything the services of this test binary log, at debug level, so a test can
/// check that no personal data reaches the logs.
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

pub fn captured_logs() -> String {
    LOGS.lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default()
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init();
    });
}

pub async fn spawn_app() -> TestApp {
    capture_logs();
    match TestService::spawn(&health_stats::SERVICE).await {
        Ok(svc) => TestApp { svc },
        Err(e) => panic!("the health-stats service did not start: {e:#}"),
    }
}

pub use shared::testing::tax_code;

impl TestApp {
    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        self.svc.token(role, org)
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.svc
            .client
            .get(self.svc.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.svc
            .client
            .post(self.svc.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

pub async fn json_of(res: Response) -> Value {
    match res.json::<Value>().await {
        Ok(v) => v,
        Err(e) => panic!("response is not JSON: {e}"),
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
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
    body
}
