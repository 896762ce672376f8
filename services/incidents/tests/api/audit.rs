//! The audit trail through the running service: entries recorded in the service's own
//! database are listed to admins only, and a corrupted entry is reported.

use reqwest::Method;
use serde_json::Value;
use shared::auth::{AuthUser, Role};

use crate::helpers::{TestApp, assert_problem, json_of, spawn_app};

fn user(role: Role, org: Option<&str>) -> AuthUser {
    AuthUser {
        subject: format!("test-{}", role.as_str()),
        issuer: shared::testing::TEST_ISSUER.into(),
        roles: vec![role],
        org: org.map(str::to_owned),
    }
}

/// Records entries the way a service will: on a connection of the running service.
fn record(app: &TestApp, actor: &AuthUser, action: &str, resource_type: &str, ids: &[&str]) {
    // Dropped on return: on SQLite the service has this one connection.
    let mut conn = app.svc.app_db.get().unwrap();
    shared::audit::record(&mut conn, actor, action, resource_type, ids).unwrap();
}

/// Five entries, oldest first: enterprise read a1; labour authority listed a1..a3;
/// labour authority updated establishment e1.
fn record_some(app: &TestApp) {
    let enterprise = user(Role::Enterprise, Some("0401234567"));
    let labor = user(Role::LaborAuthority, Some("SNV"));
    record(app, &enterprise, "read", "accident", &["a1"]);
    record(app, &labor, "list", "accident", &["a1", "a2", "a3"]);
    record(app, &labor, "update", "establishment", &["e1"]);
}

async fn list(app: &TestApp, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/audit-events{query}"), &app.admin())
        .await;
    assert_eq!(res.status().as_u16(), 200, "{query}");
    json_of(res).await
}

fn resource_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_list_entries_newest_first_without_values() {
    let app = spawn_app().await;
    record_some(&app);
    let page = list(&app, "").await;
    assert_eq!(resource_ids(&page), ["e1", "a3", "a2", "a1", "a1"]);
    assert!(page["next_cursor"].is_null());
    let newest = &page["items"][0];
    assert_eq!(newest["seq"], 5);
    assert_eq!(newest["actor"], "atvsld-test|test-labor_authority");
    assert_eq!(newest["actor_org"], "SNV");
    assert_eq!(
        newest["actor_roles"],
        serde_json::json!(["labor_authority"])
    );
    assert_eq!(newest["action"], "update");
    assert_eq!(newest["resource_type"], "establishment");
    assert!(newest["request_id"].is_null(), "recorded outside a request");
    assert_eq!(newest["prev_hash"], page["items"][1]["hash"]);
    let mut keys: Vec<&String> = newest.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "action",
            "actor",
            "actor_org",
            "actor_roles",
            "hash",
            "id",
            "lane",
            "occurred_at",
            "prev_hash",
            "request_id",
            "resource_id",
            "resource_type",
            "seq"
        ],
        "who, what record, when, in which request; nothing else"
    );
}

#[tokio::test]
async fn entries_filter_by_record_actor_and_time() {
    let app = spawn_app().await;
    record_some(&app);
    let ids = |page: Value| resource_ids(&page);
    assert_eq!(
        ids(list(&app, "?resource_type=accident").await),
        ["a3", "a2", "a1", "a1"]
    );
    assert_eq!(
        ids(list(&app, "?resource_type=accident&resource_id=a1").await),
        ["a1", "a1"]
    );
    assert_eq!(
        ids(list(&app, "?actor=atvsld-test%7Ctest-enterprise").await),
        ["a1"]
    );

    let now = chrono::Utc::now().with_timezone(&shared::time::vietnam());
    let at = |t: chrono::DateTime<chrono::FixedOffset>| t.to_rfc3339().replace('+', "%2B");
    let hour = chrono::Duration::hours(1);
    assert_eq!(
        ids(list(
            &app,
            &format!("?from={}&to={}", at(now - hour), at(now + hour))
        )
        .await)
        .len(),
        5
    );
    assert!(ids(list(&app, &format!("?from={}", at(now + hour))).await).is_empty());
    assert!(ids(list(&app, &format!("?to={}", at(now - hour))).await).is_empty());

    let res = app
        .get(
            "/api/v1/audit-events?from=2026-01-01T00:00:00",
            &app.admin(),
        )
        .await;
    let problem = assert_problem(res, 400, "invalid_query").await;
    assert_eq!(problem["errors"][0]["parameter"], "from", "{problem}");
    let res = app
        .get("/api/v1/audit-events?subject=x", &app.admin())
        .await;
    let problem = assert_problem(res, 400, "invalid_query").await;
    assert_eq!(problem["errors"][0]["parameter"], "subject", "{problem}");
}

/// A bad value names its parameter, not the value (serde's own text names only the
/// value: "unknown variant `bogus`").
#[tokio::test]
async fn a_bad_query_value_names_its_parameter() {
    let app = spawn_app().await;
    let res = app
        .get(
            "/api/v1/accidents?status=declared&severity=bogus",
            &app.admin(),
        )
        .await;
    let problem = assert_problem(res, 400, "invalid_query").await;
    assert_eq!(problem["errors"][0]["parameter"], "severity", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("`severity`"),
        "{problem}"
    );
    let res = app.get("/api/v1/accidents?limit=many", &app.admin()).await;
    let problem = assert_problem(res, 400, "invalid_query").await;
    assert_eq!(problem["errors"][0]["parameter"], "limit", "{problem}");
}

#[tokio::test]
async fn entries_page_with_an_opaque_cursor() {
    let app = spawn_app().await;
    record_some(&app);
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = list(&app, &query).await;
        pages += 1;
        seen.extend(resource_ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["e1", "a3", "a2", "a1", "a1"]);

    let res = app
        .get("/api/v1/audit-events?cursor=forged", &app.admin())
        .await;
    assert_problem(res, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn only_admins_read_or_check_the_audit_trail() {
    let app = spawn_app().await;
    record_some(&app);
    for path in ["/api/v1/audit-events", "/api/v1/audit-events/verify"] {
        for (role, org) in [
            (Role::LaborAuthority, Some("SNV")),
            (Role::HealthAuthority, Some("SYT")),
            (Role::Enterprise, Some("0401234567")),
            (Role::Viewer, None),
            (Role::Insurer, None),
        ] {
            let res = app.get(path, &app.token(role, org)).await;
            assert_problem(res, 403, "forbidden").await;
        }
        let res = app.request(Method::GET, path, None, None).await;
        assert_problem(res, 401, "unauthorized").await;
    }
}

async fn chain_check(app: &TestApp) -> Value {
    let res = app.get("/api/v1/audit-events/verify", &app.admin()).await;
    assert_eq!(res.status().as_u16(), 200);
    json_of(res).await
}

#[tokio::test]
async fn a_corrupted_entry_is_reported_by_the_chain_check() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let empty = chain_check(&app).await;
    assert_eq!(empty["valid"], true);
    assert_eq!(empty["count"], 0);

    record_some(&app);
    let intact = chain_check(&app).await;
    assert_eq!(intact["valid"], true, "{intact}");
    assert_eq!(intact["count"], 5);
    assert!(intact["first_broken"].is_null());
    let newest = list(&app, "?limit=1").await;
    let lane = newest["items"][0]["lane"].as_u64().unwrap() as usize;
    assert_eq!(intact["lanes"][lane]["hash"], newest["items"][0]["hash"]);
    assert_eq!(intact["lanes"].as_array().unwrap().len(), 16);

    let second = list(&app, "?resource_id=a2").await["items"][0].clone();
    {
        let mut conn = app.svc.app_db.get().unwrap();
        diesel::sql_query(format!(
            "UPDATE audit_events SET actor = 'someone-else' WHERE id = '{}'",
            second["id"].as_str().unwrap()
        ))
        .execute(&mut *conn)
        .unwrap();
    }
    let broken = chain_check(&app).await;
    assert_eq!(broken["valid"], false);
    assert_eq!(broken["count"], 5);
    assert_eq!(
        broken["first_broken"],
        serde_json::json!({"lane": second["lane"], "seq": second["seq"], "id": second["id"], "reason": "altered"})
    );
}

#[tokio::test]
async fn the_shared_routes_are_in_the_service_document() {
    let app = spawn_app().await;
    let spec = json_of(app.request(Method::GET, "/openapi.json", None, None).await).await;
    for (path, method, tag) in [
        ("/api/v1/receipts/verify", "post", "receipts"),
        ("/api/v1/receipts/keys", "get", "receipts"),
        ("/api/v1/audit-events", "get", "audit"),
        ("/api/v1/audit-events/verify", "get", "audit"),
    ] {
        assert_eq!(spec["paths"][path][method]["tags"][0], tag, "{path}");
    }
    let tags: Vec<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"receipts") && tags.contains(&"audit"),
        "{tags:?}"
    );
}
