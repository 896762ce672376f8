//! Input limits are part of the contract (`shared::limits`): beyond them a request is
//! a 422 with a pointer before it reaches the database, the same on both backends.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers;
use crate::helpers::{
    TestApp, assert_problem, establishment, first_error, json_of, spawn_app, tax_code,
};

fn declaration(tax: &str) -> Value {
    helpers::declaration(tax, 1, vec![helpers::casualty("004090012345", "minor")])
}

/// Posts `body` as an accident and returns the only field error's pointer and code.
async fn refused(app: &TestApp, body: &Value) -> (String, String) {
    let res = app.post("/api/v1/accidents", &app.admin(), body).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"].as_array().map(Vec::len),
        Some(1),
        "{problem}"
    );
    first_error(&problem)
}

async fn accidents(app: &TestApp) -> usize {
    let list = json_of(app.get("/api/v1/accidents", &app.admin()).await).await;
    list["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn strings_numbers_and_dates_beyond_the_contract_are_refused_with_a_pointer() {
    let app = spawn_app().await;
    let tax = tax_code(41);
    app.create_establishment(&establishment(&tax)).await;

    let mut long = declaration(&tax);
    long["external_ref"] = json!("x".repeat(100_000));
    assert_eq!(
        refused(&app, &long).await,
        ("/external_ref".into(), "too_long".into())
    );

    let mut days = declaration(&tax);
    days["casualties"][0]["days_off"] = json!(2_147_483_648_u64);
    let found = refused(&app, &days).await;
    assert_eq!(
        found,
        ("/casualties/0/days_off".into(), "out_of_range".into())
    );
    days["casualties"][0]["days_off"] = json!(3651);
    assert_eq!(refused(&app, &days).await, found);

    for ancient in ["0001-01-01T08:00:00+07:00", "1899-12-31T23:00:00Z"] {
        let mut early = declaration(&tax);
        early["occurred_at"] = json!(ancient);
        let found = refused(&app, &early).await;
        assert_eq!(
            found,
            ("/occurred_at".into(), "out_of_range".into()),
            "{ancient}"
        );
    }
    let mut far = declaration(&tax);
    far["occurred_at"] = json!("9999-12-31T08:00:00Z");
    far["notified_at"] = json!("9999-12-31T09:00:00Z");
    let res = app.post("/api/v1/accidents", &app.admin(), &far).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "out_of_range")
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/notified_at", "/occurred_at"], "{problem}");
    // Within the window but ahead of the clock: the domain's rule, with its own code.
    let mut ahead = declaration(&tax);
    ahead["occurred_at"] = json!((Utc::now() + Duration::days(30)).to_rfc3339());
    let res = app.post("/api/v1/accidents", &app.admin(), &ahead).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == "/occurred_at" && e["code"] == "in_the_future"),
        "{problem}"
    );

    // At the limits, the declaration is taken.
    let mut edge = declaration(&tax);
    edge["external_ref"] = json!("x".repeat(100));
    edge["casualties"][0]["days_off"] = json!(3650);
    let res = app.post("/api/v1/accidents", &app.admin(), &edge).await;
    assert_eq!(res.status().as_u16(), 201, "{}", json_of(res).await);
    assert_eq!(accidents(&app).await, 1);
}

#[tokio::test]
async fn a_nul_character_is_refused_alike_on_every_backend() {
    let app = spawn_app().await;
    let tax = tax_code(42);
    app.create_establishment(&establishment(&tax)).await;

    let mut body = declaration(&tax);
    body["description"] = json!("Sạt lở\u{0}đất đá");
    assert_eq!(
        refused(&app, &body).await,
        ("/description".into(), "nul_character".into())
    );
    let mut body = declaration(&tax);
    body["casualties"][0]["full_name"] = json!("Nông\u{0}");
    assert_eq!(
        refused(&app, &body).await,
        ("/casualties/0/full_name".into(), "nul_character".into())
    );
    assert_eq!(accidents(&app).await, 0, "nothing reached the database");

    let mut registration = establishment(&tax_code(43));
    registration["name"] = json!("Công ty\u{0}");
    let res = app
        .post("/api/v1/establishments", &app.admin(), &registration)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/name".into(), "nul_character".into())
    );

    let res = app
        .get("/api/v1/establishments?commune_code=012%0073", &app.admin())
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"][0]["parameter"], "commune_code",
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["code"], "nul_character", "{problem}");
}
