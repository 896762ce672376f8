use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_problem, establishment, first_error, json_of, spawn_app, tax_code};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let res = app
        .svc
        .client
        .post(app.svc.url("/api/v1/establishments"))
        .bearer_auth(app.admin())
        .header("content-type", "application/json")
        .body("{\"tax_code\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-language"], "vi");
    assert_problem(res, 400, "malformed_json").await;
}

#[tokio::test]
async fn unknown_fields_are_refused_not_ignored() {
    let app = spawn_app().await;
    let mut body = establishment(&tax_code(1));
    body["headcount"]["interns"] = json!(3);
    let res = app
        .post("/api/v1/establishments", &app.admin(), &body)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/headcount/interns".to_owned(), "unknown_field".to_owned())
    );
}

#[tokio::test]
async fn a_server_owned_field_cannot_be_set() {
    let app = spawn_app().await;
    let mut body = establishment(&tax_code(2));
    body["version"] = json!(99);
    let res = app
        .post("/api/v1/establishments", &app.admin(), &body)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/version".to_owned(), "unknown_field".to_owned())
    );
}

#[tokio::test]
async fn messages_are_english_on_request_and_codes_stay_the_same() {
    let app = spawn_app().await;
    let res = app
        .svc
        .client
        .post(app.svc.url("/api/v1/establishments"))
        .bearer_auth(app.admin())
        .header("accept-language", "en-GB,en;q=0.9")
        .json(&establishment("0100047517"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-language"], "en");
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["title"], "Invalid data");
    assert_eq!(problem["errors"][0]["code"], "invalid_tax_code_checksum");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let mut body = establishment(&tax_code(3));
    body["address"] = json!("x".repeat(2 * 1024 * 1024));
    let res = app
        .post("/api/v1/establishments", &app.admin(), &body)
        .await;
    assert_problem(res, 413, "payload_too_large").await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let res = app
        .svc
        .client
        .post(app.svc.url("/api/v1/establishments"))
        .bearer_auth(app.admin())
        .header("content-type", "text/plain")
        .body("tax_code=1")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let app = spawn_app().await;
    let res = app
        .request(
            Method::GET,
            "/api/v1/nothing-here",
            Some(&app.admin()),
            None,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    // A path the service has, with a method it does not: 405 and what it takes.
    let res = app
        .request(
            Method::DELETE,
            "/api/v1/establishments",
            Some(&app.admin()),
            None,
        )
        .await;
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert_eq!(allow, "GET, POST");
    assert_problem(res, 405, "method_not_allowed").await;
    let res = app
        .request(Method::PATCH, "/api/v1/accidents/42", None, None)
        .await;
    assert_eq!(res.headers()["allow"], "GET, PUT");
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn a_well_formed_request_id_is_adopted_and_echoed() {
    let app = spawn_app().await;
    let res = app
        .svc
        .client
        .get(app.svc.url("/healthz"))
        .header("x-request-id", "lgsp-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "lgsp-req-42");
    let res = app
        .svc
        .client
        .get(app.svc.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(generated, "bad id with spaces");
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    let res = app
        .request(Method::GET, "/api/v1/establishments", None, None)
        .await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let problem = json_of(res).await;
    assert_eq!(problem["request_id"], id);
}

#[tokio::test]
async fn operations_endpoints_answer_without_a_token() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs/"] {
        let res = app.request(Method::GET, path, None, None).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
    }
    let metrics = app
        .request(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("atvsld_http_requests_total"), "{metrics}");
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_not_a_hang() {
    let app = crate::helpers::spawn_app_with(|s| s.database.connect_timeout_secs = 1).await;
    // Hold every pooled connection: the service can no longer reach its database.
    let held: Vec<_> = (0..app.svc.app_db.max_size())
        .map(|_| app.svc.app_db.get().unwrap())
        .collect();
    let res = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(res.headers()["retry-after"], "5");
    assert_problem(res, 503, "unavailable").await;
    let res = app
        .post(
            "/api/v1/establishments",
            &app.admin(),
            &establishment(&tax_code(5)),
        )
        .await;
    let body = assert_problem(res, 503, "unavailable").await;
    assert!(!body.to_string().contains("pool"), "no internals: {body}");
    drop(held);
    let res = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!(res.status().as_u16(), 200);
}
