//! Input limits are part of the contract (`shared::limits`): an occupational disease
//! case's free-text members are bounded like every other string.

use serde_json::json;
use shared::auth::Role;

use crate::disease_cases::case;
use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn an_exposure_factor_or_facility_of_100000_characters_is_refused_with_a_pointer() {
    let app = spawn_app().await;
    let token = app.token(Role::HealthAuthority, Some("SYT"));
    for member in ["exposure_factor", "diagnosis_facility", "full_name"] {
        let mut body = case("004090012345", "BNN-18", 1, "2026-05-02");
        body[member] = json!("x".repeat(100_000));
        let res = app
            .post("/api/v1/occupational-disease-cases", &token, &body)
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            problem["errors"][0]["pointer"],
            format!("/{member}"),
            "{problem}"
        );
        assert_eq!(problem["errors"][0]["code"], "too_long", "{problem}");
    }
    let mut born = case("004090012345", "BNN-18", 1, "2026-05-02");
    born["birth_date"] = json!("0001-01-01");
    let res = app
        .post("/api/v1/occupational-disease-cases", &token, &born)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/birth_date", "{problem}");
    assert_eq!(problem["errors"][0]["code"], "out_of_range", "{problem}");

    let mut nul = case("004090012345", "BNN-18", 1, "2026-05-02");
    nul["exposure_factor"] = json!("Tiếng ồn\u{0}");
    let res = app
        .post("/api/v1/occupational-disease-cases", &token, &nul)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"][0]["pointer"], "/exposure_factor",
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["code"], "nul_character", "{problem}");

    // At the limit it is taken.
    let mut edge = case("004090012345", "BNN-18", 1, "2026-05-02");
    edge["exposure_factor"] = json!("x".repeat(255));
    let res = app
        .post("/api/v1/occupational-disease-cases", &token, &edge)
        .await;
    assert_eq!(res.status().as_u16(), 201);
}
