//! The harness: a running tasks service (plan 664 loaded at start-up) and typed
//! helpers around it.

#![allow(dead_code)]

use reqwest::{Method, Response};
use serde_json::Value;
use shared::auth::Role;
use shared::testing::TestService;

pub use shared::testing::{assert_problem, first_error, json_of};

pub struct TestApp {
    pub svc: TestService,
}

pub async fn spawn_app() -> TestApp {
    match TestService::spawn(&tasks::SERVICE).await {
        Ok(svc) => TestApp { svc },
        Err(e) => panic!("the tasks service did not start: {e:#}"),
    }
}

/// The service with both other services at `upstream` (e.g. a stub).
pub async fn spawn_app_with_upstream(upstream: &str, timeout_ms: u64) -> TestApp {
    let upstream = upstream.to_owned();
    let adjust = move |s: &mut shared::config::Settings| {
        s.upstreams.incidents = Some(upstream.clone());
        s.upstreams.health_stats = Some(upstream);
        s.upstreams.timeout_ms = timeout_ms;
    };
    match TestService::spawn_with(&tasks::SERVICE, adjust).await {
        Ok(svc) => TestApp { svc },
        Err(e) => panic!("the tasks service did not start: {e:#}"),
    }
}

impl TestApp {
    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        self.svc.token(role, org)
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None)
    }

    /// Sở Nội vụ.
    pub fn labor(&self) -> String {
        self.token(Role::LaborAuthority, Some("SNV"))
    }

    pub fn agency(&self, code: &str) -> String {
        self.token(Role::Agency, Some(code))
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self.svc.client.request(method, self.svc.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        match req.send().await {
            Ok(res) => res,
            Err(e) => panic!("request to {path} failed: {e}"),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None, &[])
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let res = self.get(path, token).await;
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        json_of(res).await
    }

    /// The id of plan 664.
    pub async fn plan_id(&self) -> String {
        let plans = self.get_json("/api/v1/plans", &self.admin()).await;
        plans["items"][0]["id"].as_str().unwrap().to_owned()
    }

    /// The tasks assigned to `agency`.
    pub async fn tasks_of(&self, agency: &str) -> Vec<Value> {
        let list = self.get_json("/api/v1/tasks", &self.agency(agency)).await;
        list["items"].as_array().unwrap().clone()
    }
}
