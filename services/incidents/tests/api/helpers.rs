//! The harness: a running incidents service and typed helpers around it.

#![allow(dead_code)]

use chrono::{Duration, Utc};
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
    shared::testing::capture_logs();
    match TestService::spawn_with(&incidents::SERVICE, adjust).await {
        Ok(svc) => TestApp { svc },
        Err(e) => panic!("the incidents service did not start: {e:#}"),
    }
}

pub use shared::testing::{assert_problem, captured_logs, first_error, json_of, tax_code};

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

/// A casualty of a declaration.
pub fn casualty(personal_id: &str, severity: &str) -> Value {
    json!({
        "personal_id": personal_id, "full_name": "Nông Văn A", "gender": "male", "birth_year": 1990,
        "occupation_code": "8111", "contract_type": "indefinite", "severity": severity,
        "injury_codes": ["11"], "days_off": 3, "costs": {"medical_thousand_vnd": 1500, "wages_thousand_vnd": 800, "compensation_thousand_vnd": 0}
    })
}

/// A declaration for the establishment with `tax`, notified `days_ago` days ago.
pub fn declaration(tax: &str, days_ago: i64, casualties: Vec<Value>) -> Value {
    let notified = Utc::now() - Duration::days(days_ago);
    json!({
        "sector": "with_labour_relation",
        "employer": {"tax_code": tax},
        "occurred_at": (notified - Duration::hours(1)).to_rfc3339(),
        "notified_at": notified.to_rfc3339(),
        "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
        "description": "Sạt lở đất đá tại khai trường.",
        "injury_factor_code": "07",
        "cause_codes": ["1", "3"],
        "police_notified_at": notified.to_rfc3339(),
        "casualties": casualties
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
