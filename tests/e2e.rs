//! End-to-end: the whole suite in this process, as `atvsld up` runs it, driven over
//! HTTP; and the checks that keep the repository honest (OpenAPI drift, migrations).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings};

#[tokio::test]
async fn the_suite_starts_and_an_establishment_goes_through_it() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let planned = atvsld::services()
        .into_iter()
        .zip(&databases)
        .map(|(def, db)| (def, settings(db, &keys)))
        .collect();
    let apps = atvsld::start(planned).await.unwrap();
    let ports: Vec<u16> = apps.iter().map(|a| a.port()).collect();
    for app in apps {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();

    for port in &ports {
        let res = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "port {port}");
        let spec: Value = client
            .get(format!("http://127.0.0.1:{port}/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
    }

    let incidents = format!("http://127.0.0.1:{}", ports[0]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));
    let body = json!({
        "tax_code": "0100047516-001",
        "name": "Chi nhánh Công ty Xi măng Cao Bằng",
        "vsic_code": "2394",
        "ownership_type": "1",
        "commune_code": "01288",
        "headcount": {"total": 300, "female": 45, "hazardous": 210}
    });
    let res = client
        .post(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&labor)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["tax_code_kind"], "branch");
    assert_eq!(created["vsic_section"], "C");

    let enterprise = keys.token(Role::Enterprise, Some("0100047516001"));
    let list: Value = client
        .get(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["id"], created["id"],
        "the branch reads its own record"
    );
}

#[test]
fn the_committed_openapi_documents_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        atvsld::write_openapi(&dir).unwrap();
    }
    let stale = atvsld::stale_openapi(&dir).unwrap();
    assert!(
        stale.is_empty(),
        "regenerate with `cargo run -- openapi` (or UPDATE_OPENAPI=1): {stale:?}"
    );
}

#[test]
fn the_merged_document_prefixes_every_path_and_keeps_ids_unique() {
    let docs = atvsld::openapi_documents();
    let (_, merged) = docs.iter().find(|(name, _)| name == "atvsld.json").unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in &merged.paths.paths {
        assert!(
            ["/incidents/", "/health-stats/", "/tasks/"]
                .iter()
                .any(|p| path.starts_with(p)),
            "{path} has no gateway prefix"
        );
        for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            let id = op.operation_id.clone().unwrap_or_default();
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
            if path.contains("/api/") {
                assert!(
                    op.responses.responses.contains_key("4XX"),
                    "{path} lacks problem responses"
                );
                assert!(op.security.is_some(), "{path} declares no security");
            }
        }
    }
    assert!(
        merged
            .paths
            .paths
            .contains_key("/incidents/api/v1/establishments")
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "shared",
        "services/incidents",
        "services/health-stats",
        "services/tasks",
    ] {
        if let Err(e) = shared::db::check_same_migration_names(&root.join(dir)) {
            panic!("{dir}: {e}");
        }
    }
}
