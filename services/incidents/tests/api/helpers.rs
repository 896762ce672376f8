//! The harness: a running incidents service and typed helpers around it.

#![allow(dead_code)]

use reqwest::{Method, Response};
use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::TestService;

pub struct TestApp {
    pub svc: TestService,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut shared::config::Settings)) -> TestApp {
    match TestService::spawn_with(&incidents::SERVICE, adjust).await {
        Ok(svc) => TestApp { svc },
        Err(e) => panic!("the incidents service did not start: {e:#}"),
    }
}

pub use shared::testing::tax_code;

/// A complete, valid registration body.
pub fn establishment(tax_code: &str) -> Value {
    json!({
        "tax_code": tax_code,
        "name": "Công ty TNHH Khai khoáng Cao Bằng",
        "vsic_code": "07100",
        "ownership_type": "2",
        "commune_code": "01273",
        "address": "Số 1 Hoàng Đình Giong",
        "headcount": {"total": 120, "female": 30, "hazardous": 80},
        "bhxh_unit_code": "TA0001A"
    })
}

impl TestApp {
    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        self.svc.token(role, org)
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.svc.client.request(method, self.svc.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        match req.send().await {
            Ok(res) => res,
            Err(e) => panic!("request to {path} failed: {e}"),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    /// Registers an establishment as admin and returns its JSON.
    pub async fn create_establishment(&self, body: &Value) -> Value {
        let res = self
            .post("/api/v1/establishments", &self.admin(), body)
            .await;
        assert_eq!(res.status().as_u16(), 201, "create failed");
        json_of(res).await
    }

    pub async fn establishment_count(&self) -> usize {
        let res = self
            .get("/api/v1/establishments?limit=500", &self.admin())
            .await;
        json_of(res).await["items"].as_array().map_or(0, Vec::len)
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
    assert_eq!(body["status"], status);
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
pub fn first_error(problem: &Value) -> (String, String) {
    let e = &problem["errors"][0];
    (
        e["pointer"].as_str().unwrap_or_default().to_owned(),
        e["code"].as_str().unwrap_or_default().to_owned(),
    )
}
