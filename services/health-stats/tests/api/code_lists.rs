use serde_json::Value;
use shared::auth::Role;

use crate::helpers::{assert_problem, json_of, spawn_app};

#[tokio::test]
async fn every_coded_field_has_its_list_with_names_in_both_languages() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer, None);
    let res = app.get("/api/v1/code-lists", &token).await;
    assert_eq!(res.status().as_u16(), 200);
    let names = json_of(res).await;
    let lists: Vec<&str> = names["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(
        lists,
        [
            "communes",
            "factor-groups",
            "occupational-diseases",
            "ownership-types",
            "vsic-sections"
        ]
    );
    for summary in names["lists"].as_array().unwrap() {
        assert!(
            !summary["fields"].as_array().unwrap().is_empty(),
            "{summary}"
        );
    }
    for (name, len) in [
        ("factor-groups", 12),
        ("occupational-diseases", 35),
        ("ownership-types", 8),
        ("vsic-sections", 21),
    ] {
        let res = app.get(&format!("/api/v1/code-lists/{name}"), &token).await;
        assert_eq!(res.status().as_u16(), 200, "{name}");
        let list: Value = json_of(res).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), len, "{name}");
        for item in items {
            assert!(
                item["name"].as_str().is_some_and(|n| !n.is_empty()),
                "{item}"
            );
            assert!(
                item["name_en"].as_str().is_some_and(|n| !n.is_empty()),
                "{item}"
            );
        }
        assert!(list["source"].is_string());
    }
    let factors = json_of(app.get("/api/v1/code-lists/factor-groups", &token).await).await;
    let noise = factors["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "noise")
        .unwrap()
        .clone();
    assert_eq!(
        (noise["name"].as_str(), noise["name_en"].as_str()),
        (Some("Tiếng ồn"), Some("Noise"))
    );
    let communes = json_of(
        app.get("/api/v1/code-lists/communes?valid_on=2026-01-01", &token)
            .await,
    )
    .await;
    assert_eq!(communes["items"].as_array().unwrap().len(), 56);
    assert_problem(
        app.get("/api/v1/code-lists/colours", &token).await,
        404,
        "not_found",
    )
    .await;
}
