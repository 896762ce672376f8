use serde_json::Value;
use shared::auth::Role;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn the_codes_the_tasks_api_takes_are_listed_with_their_names() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer, None);
    let names = app.get_json("/api/v1/code-lists", &viewer).await;
    assert_eq!(
        names["names"],
        serde_json::json!(["agencies", "agency-kinds", "assignment-roles", "indicators"])
    );
    for summary in names["lists"].as_array().unwrap() {
        assert!(
            !summary["fields"].as_array().unwrap().is_empty(),
            "{summary}"
        );
        assert!(summary["title"].is_string() && summary["title_en"].is_string());
    }

    // Every agency the plan assigns, with its validity: the district committees closed
    // on 30 June 2025 are listed with their successor, and gone a day later.
    let agencies: Value = app.get_json("/api/v1/code-lists/agencies", &viewer).await;
    let items = agencies["items"].as_array().unwrap();
    let all = app
        .get_json("/api/v1/agencies?limit=500", &app.admin())
        .await;
    assert_eq!(items.len(), all["items"].as_array().unwrap().len());
    let syt = items.iter().find(|i| i["code"] == "SYT").unwrap();
    assert_eq!(syt["name"], "Sở Y tế");
    let closed: Vec<&Value> = items
        .iter()
        .filter(|i| i["kind"] == "district_committee")
        .collect();
    assert!(!closed.is_empty());
    assert!(
        closed.iter().all(|i| i["valid_to"] == "2025-06-30"
            && !i["successor_codes"].as_array().unwrap().is_empty()),
        "{closed:?}"
    );
    let later = app
        .get_json("/api/v1/code-lists/agencies?valid_on=2025-07-01", &viewer)
        .await;
    assert!(
        later["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] != "district_committee")
    );

    for (name, len) in [
        ("agency-kinds", 10),
        ("assignment-roles", 3),
        ("indicators", 3),
    ] {
        let list = app
            .get_json(&format!("/api/v1/code-lists/{name}"), &viewer)
            .await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), len, "{name}");
        assert!(
            items
                .iter()
                .all(|i| i["name"].is_string() && i["name_en"].is_string()),
            "{name}"
        );
    }
    let roles = app
        .get_json("/api/v1/code-lists/assignment-roles", &viewer)
        .await;
    assert_eq!(roles["items"][0]["code"], "lead");
    assert_eq!(roles["items"][0]["name"], "Chủ trì");

    assert_problem(
        app.get("/api/v1/code-lists/colours", &viewer).await,
        404,
        "not_found",
    )
    .await;
    // Like the plan and its agencies, not for enterprises.
    let res = app
        .get(
            "/api/v1/code-lists",
            &app.token(Role::Enterprise, Some("0100047516")),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
}
