//! The harness: a running health-stats service and typed helpers around it.

#![allow(dead_code)]

use reqwest::Response;
use serde_json::Value;
use shared::auth::Role;
use shared::testing::TestService;

pub struct TestApp {
    pub svc: TestService,
}

pub async fn spawn_app() -> TestApp {
    shared::testing::capture_logs();
    match TestService::spawn(&health_stats::SERVICE).await {
        Ok(svc) => TestApp { svc },
        Err(e) => panic!("the health-stats service did not start: {e:#}"),
    }
}

pub use shared::testing::{assert_problem, captured_logs, json_of, tax_code};

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
