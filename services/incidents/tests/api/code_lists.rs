use shared::auth::Role;

use crate::helpers::{assert_problem, json_of, spawn_app};

#[tokio::test]
async fn communes_are_listed_with_their_validity() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer, None);
    let all = json_of(app.get("/api/v1/code-lists/communes", &token).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 217);
    let now = json_of(
        app.get("/api/v1/code-lists/communes?valid_on=2026-01-01", &token)
            .await,
    )
    .await;
    assert_eq!(now["items"].as_array().unwrap().len(), 56);
    let before = json_of(
        app.get("/api/v1/code-lists/communes?valid_on=2025-06-30", &token)
            .await,
    )
    .await;
    let items = before["items"].as_array().unwrap();
    assert_eq!(items.len(), 161);
    let hop_giang = items.iter().find(|i| i["code"] == "01273").unwrap();
    assert_eq!(hop_giang["name"], "Phường Hợp Giang");
    assert_eq!(hop_giang["successor_codes"][0], "01273");
}

#[tokio::test]
async fn other_lists_and_unknown_names() {
    let app = spawn_app().await;
    let token = app.token(Role::Enterprise, Some("0100047516"));
    let names = json_of(app.get("/api/v1/code-lists", &token).await).await;
    assert_eq!(
        names["names"],
        serde_json::json!([
            "accident-causes",
            "communes",
            "countries",
            "identity-document-types",
            "injury-factors",
            "ownership-types",
            "technical-incident-kinds",
            "vsic-sections"
        ])
    );
    for summary in names["lists"].as_array().unwrap() {
        assert!(
            !summary["fields"].as_array().unwrap().is_empty(),
            "{summary}"
        );
    }
    for (name, len) in [
        ("accident-causes", 9),
        ("injury-factors", 9),
        ("technical-incident-kinds", 6),
    ] {
        let list = json_of(app.get(&format!("/api/v1/code-lists/{name}"), &token).await).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), len, "{name}");
        assert_eq!(
            list["verified"], false,
            "{name}: not checked against the annex"
        );
        assert!(
            items
                .iter()
                .all(|i| i["name"].is_string() && i["name_en"].is_string()),
            "{name}"
        );
    }
    let causes = json_of(app.get("/api/v1/code-lists/accident-causes", &token).await).await;
    assert_eq!(causes["items"][7]["code"], "8");
    assert_eq!(causes["items"][7]["kind"], "worker");
    assert_eq!(
        causes["items"][7]["name_en"],
        "The worker did not use personal protective equipment"
    );
    let kinds = json_of(
        app.get("/api/v1/code-lists/technical-incident-kinds", &token)
            .await,
    )
    .await;
    let codes: Vec<&str> = kinds["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "equipment",
            "structure",
            "fire",
            "explosion",
            "chemical_release",
            "other"
        ]
    );
    let documents = json_of(
        app.get("/api/v1/code-lists/identity-document-types", &token)
            .await,
    )
    .await;
    let codes: Vec<&str> = documents["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["personal_id", "id_card", "passport"]);
    let countries = json_of(app.get("/api/v1/code-lists/countries", &token).await).await;
    let countries = countries["items"].as_array().unwrap();
    assert_eq!(countries.len(), 249, "the assigned ISO 3166-1 codes");
    let bolivia = countries.iter().find(|c| c["code"] == "BO").unwrap();
    assert_eq!(bolivia["name_en"], "Bolivia, Plurinational State of");
    assert!(countries.iter().any(|c| c["code"] == "VN"));
    let vsic = json_of(app.get("/api/v1/code-lists/vsic-sections", &token).await).await;
    assert_eq!(vsic["items"].as_array().unwrap().len(), 21);
    let ownership = json_of(app.get("/api/v1/code-lists/ownership-types", &token).await).await;
    assert_eq!(ownership["verified"], false);
    assert_problem(
        app.get("/api/v1/code-lists/colours", &token).await,
        404,
        "not_found",
    )
    .await;
}
