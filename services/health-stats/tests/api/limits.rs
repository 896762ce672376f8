//! Input limits are part of the contract (`shared::limits`): an occupational disease
//! case's free-text members are bounded like every other string.

use serde_json::{Value, json};
use shared::auth::Role;

use crate::disease_cases::case;
use crate::helpers::{TestApp, assert_problem, spawn_app};

/// A valid case with `member` set to `value`.
fn with(member: &str, value: Value) -> Value {
    let mut body = case("004090012345", "BNN-18", 1, "2026-05-02");
    body[member] = value;
    body
}

/// Posts `body` and returns the first field error's pointer and code.
async fn refused(app: &TestApp, body: &Value) -> (Value, Value) {
    let token = app.token(Role::HealthAuthority, Some("SYT"));
    let res = app
        .post("/api/v1/occupational-disease-cases", &token, body)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    (
        problem["errors"][0]["pointer"].clone(),
        problem["errors"][0]["code"].clone(),
    )
}

#[tokio::test]
async fn an_exposure_factor_or_facility_of_100000_characters_is_refused_with_a_pointer() {
    let app = spawn_app().await;
    for member in ["exposure_factor", "diagnosis_facility", "full_name"] {
        let body = with(member, json!("x".repeat(100_000)));
        assert_eq!(
            refused(&app, &body).await,
            (json!(format!("/{member}")), json!("too_long"))
        );
    }
    let born = with("birth_date", json!("0001-01-01"));
    assert_eq!(
        refused(&app, &born).await,
        (json!("/birth_date"), json!("out_of_range"))
    );
    let nul = with("exposure_factor", json!("Tiếng ồn\u{0}"));
    assert_eq!(
        refused(&app, &nul).await,
        (json!("/exposure_factor"), json!("nul_character"))
    );

    // At the limit it is taken.
    let token = app.token(Role::HealthAuthority, Some("SYT"));
    let edge = with("exposure_factor", json!("x".repeat(255)));
    let res = app
        .post("/api/v1/occupational-disease-cases", &token, &edge)
        .await;
    assert_eq!(res.status().as_u16(), 201);
}
