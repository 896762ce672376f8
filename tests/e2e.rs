//! End-to-end: the whole suite in this process, as `atvsld up` runs it, driven over
//! HTTP; and the checks that keep the repository honest (OpenAPI drift, migrations).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings};

/// The three services started in this process as `atvsld up` starts them, each on a
/// fresh database of its own: the databases (keep them while the services run) and
/// the services' ports, in `atvsld::services()` order.
async fn start_suite(keys: &TestKeys) -> (Vec<TestDatabase>, Vec<u16>) {
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let planned = atvsld::services()
        .into_iter()
        .zip(&databases)
        .map(|(def, db)| (def, settings(db, keys)))
        .collect();
    let apps = atvsld::start(planned).await.unwrap();
    let ports = apps.iter().map(|a| a.port()).collect();
    for app in apps {
        tokio::spawn(app.run_until_stopped());
    }
    (databases, ports)
}

#[tokio::test]
async fn the_suite_starts_and_an_establishment_goes_through_it() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let (_databases, ports) = start_suite(&keys).await;
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

/// Client generators name the package after `info.title` (openapi-python-client:
/// `atvsld_incidents_api_client`): a title outside ASCII makes a package pip refuses.
/// Every authenticated operation documents its 401, and the bearer scheme says how to
/// get a token.
#[test]
fn every_document_names_clients_in_ascii_and_documents_its_401() {
    for (file, api) in atvsld::openapi_documents() {
        let title = &api.info.title;
        assert!(
            title.is_ascii() && title.starts_with("ATVSLD "),
            "{file}: {title}"
        );
        let doc = serde_json::to_value(&api).unwrap();
        let scheme = &doc["components"]["securitySchemes"]["bearer_auth"]["description"];
        let scheme = scheme.as_str().unwrap_or_default();
        assert!(
            scheme.contains("LGSP") && scheme.contains("atvsld token"),
            "{file}: {scheme}"
        );
        let mut authenticated = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                    authenticated += 1;
                    assert!(
                        op["responses"]["401"].is_object(),
                        "{file}: {method} {path} lacks its 401"
                    );
                }
            }
        }
        assert!(authenticated > 20, "{file}: {authenticated}");
    }
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

// Security matrix: every operation × every role × two organisations, read from the
// services' access tables.
#[path = "e2e/security_matrix.rs"]
mod security_matrix;

// Every request body of every document states its limits.
#[path = "e2e/request_limits.rs"]
mod request_limits;

// Every success answer has an example recorded from a real answer, valid against its schema.
#[path = "e2e/openapi_examples.rs"]
mod openapi_examples;

// Every Markdown file named in code or the README exists.
#[path = "e2e/doc_links.rs"]
mod doc_links;

// One vocabulary in every service: paged lists, money units, trends, compliance,
// bulk results and statistics rows, checked over the published documents.
#[path = "e2e/api_consistency.rs"]
mod api_consistency;

/// The suite with the tasks service pointed at the real incidents and health-stats
/// services; returns their ports and handles (incidents, health-stats, tasks).
/// Polls `check` every 50 ms until it holds; fails the test after 30 s.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn start_suite_with_kpi_sources(
    keys: &TestKeys,
    databases: &[TestDatabase],
    timeout_ms: u64,
) -> (Vec<u16>, Vec<actix_web::dev::ServerHandle>) {
    shared::telemetry::init_test_tracing();
    let [incidents_def, health_def, tasks_def] = atvsld::services();
    let sources = atvsld::start(vec![
        (incidents_def, settings(&databases[0], keys)),
        (health_def, settings(&databases[1], keys)),
    ])
    .await
    .unwrap();
    let mut tasks_settings = settings(&databases[2], keys);
    tasks_settings.upstreams = shared::config::Upstreams {
        incidents: Some(format!("http://127.0.0.1:{}", sources[0].port())),
        health_stats: Some(format!("http://127.0.0.1:{}", sources[1].port())),
        tasks: None,
        timeout_ms,
    };
    let tasks_app = atvsld::start(vec![(tasks_def, tasks_settings)])
        .await
        .unwrap();
    let mut ports = Vec::new();
    let mut handles = Vec::new();
    for app in sources.into_iter().chain(tasks_app) {
        ports.push(app.port());
        handles.push(app.handle());
        tokio::spawn(app.run_until_stopped());
    }
    (ports, handles)
}

/// The year in Viet Nam of a moment `days_ago` days back.
fn year_of(days_ago: i64) -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .with_timezone(&shared::time::vietnam())
        .year()
}

fn accident(tax_code: &str, personal_id: &str, days_ago: i64) -> Value {
    let at = (chrono::Utc::now() - chrono::Duration::days(days_ago)).to_rfc3339();
    json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax_code},
        "occurred_at": at, "notified_at": at, "police_notified_at": at,
        "place": {"commune_code": "01273", "address": "Mỏ đá"}, "description": "Đá lở",
        "cause_codes": ["1"],
        "casualties": [{
            "personal_id": personal_id, "full_name": "Người bị nạn", "gender": "male", "birth_year": 1990,
            "contract_type": "indefinite", "severity": "fatal", "days_off": 0,
            "costs": {"medical_thousand_vnd": 1000, "wages_thousand_vnd": 0, "compensation_thousand_vnd": 0}
        }]
    })
}

async fn kpis(client: &reqwest::Client, tasks: &str, token: &str, year: i32) -> Value {
    let plans: Value = client
        .get(format!("{tasks}/api/v1/plans"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = plans["items"][0]["id"].as_str().unwrap().to_owned();
    let res = client
        .get(format!("{tasks}/api/v1/plans/{id}/kpis?year={year}"))
        .bearer_auth(token)
        .header("x-request-id", "kpi-e2e-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

fn kpi<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["target"]["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn the_fatal_rate_kpi_matches_the_hand_computed_rates_from_the_incidents_service() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, _handles) = start_suite_with_kpi_sources(&keys, &databases, 5000).await;
    let client = reqwest::Client::new();
    let incidents = format!("http://127.0.0.1:{}", ports[0]);
    let tasks = format!("http://127.0.0.1:{}", ports[2]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));

    // 4,000 registered workers; one death this year, two last year.
    for (tax, total) in [("0100047516", 1000), ("0100109106", 3000)] {
        let body = json!({
            "tax_code": tax, "name": "Công ty TNHH Khai khoáng Cao Bằng", "vsic_code": "07100",
            "ownership_type": "2", "commune_code": "01273",
            "headcount": {"total": total, "female": 10, "hazardous": 10}
        });
        let res = client
            .post(format!("{incidents}/api/v1/establishments"))
            .bearer_auth(&labor)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let this_year = year_of(2);
    let last_year_days = if year_of(370) == this_year - 1 {
        370
    } else {
        400
    };
    for (tax, id, days) in [
        ("0100047516", "004090000001", 2),
        ("0100047516", "004090000002", last_year_days),
        ("0100109106", "004090000003", last_year_days),
    ] {
        let res = client
            .post(format!("{incidents}/api/v1/accidents"))
            .bearer_auth(&labor)
            .json(&accident(tax, id, days))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    }

    let answer = kpis(&client, &tasks, &labor, this_year).await;
    let fatal = kpi(&answer, "fatal_accident_rate");
    assert_eq!(fatal["available"], true, "{fatal}");
    // 1 / 4,000 × 100,000 = 25; 2 / 4,000 × 100,000 = 50; a 50 % fall so far. This
    // year is not over: no on-track claim on partial figures.
    assert_eq!(fatal["current"]["value"], 25.0);
    assert_eq!(fatal["current"]["numerator"], 1.0);
    assert_eq!(fatal["current"]["denominator"], 4000.0);
    assert_eq!(fatal["previous"]["value"], 50.0);
    assert_eq!(fatal["change_percent"], -50.0);
    if this_year == year_of(0) {
        assert!(fatal["on_track"].is_null(), "{fatal}");
        assert_eq!(fatal["trend"]["assessment"], "period_in_progress");
        assert_eq!(answer["complete"], false);
    } else {
        assert_eq!(fatal["on_track"], true, "{fatal}");
    }
    assert_eq!(fatal["target"]["yearly_change_percent"], 4);
    // The health-stats figures: a number when its statistics answer, else a reason.
    for code in ["bnn_exam_workers", "monitored_establishments"] {
        let k = kpi(&answer, code);
        assert!(
            k["available"] == true || k["unavailable"]["reason"].is_string(),
            "{k}"
        );
    }
}

#[tokio::test]
async fn a_stopped_service_makes_its_kpis_unavailable_within_the_timeout() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, handles) = start_suite_with_kpi_sources(&keys, &databases, 1500).await;
    let client = reqwest::Client::new();
    let tasks = format!("http://127.0.0.1:{}", ports[2]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));

    handles[0].stop(false).await;
    let started = std::time::Instant::now();
    let answer = kpis(&client, &tasks, &labor, year_of(0)).await;
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_millis(3000), "{took:?}");
    let fatal = kpi(&answer, "fatal_accident_rate");
    assert_eq!(fatal["available"], false, "{fatal}");
    assert_eq!(fatal["unavailable"]["reason"], "connection_failed");
    assert!(fatal["on_track"].is_null());

    // health-stats too: the answer still comes, every KPI unavailable.
    handles[1].stop(false).await;
    let started = std::time::Instant::now();
    let answer = kpis(&client, &tasks, &labor, year_of(0)).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(3000));
    assert!(
        answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["available"] == false)
    );

    // An agency token reads the KPIs; an enterprise token may not.
    let enterprise = keys.token(Role::Enterprise, Some("0100047516"));
    let plans = client
        .get(format!("{tasks}/api/v1/plans"))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap();
    assert_eq!(plans.status().as_u16(), 403);
}

#[tokio::test]
async fn a_slow_service_makes_its_kpi_unavailable_within_the_timeout() {
    // A port that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let mut tasks_settings = settings(&db, &keys);
    tasks_settings.upstreams = shared::config::Upstreams {
        incidents: Some(format!("http://127.0.0.1:{silent}")),
        health_stats: None,
        tasks: None,
        timeout_ms: 800,
    };
    let app = shared::server::Application::build(&tasks::SERVICE, &tasks_settings)
        .await
        .unwrap();
    let tasks = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let answer = kpis(&client, &tasks, &keys.token(Role::Admin, None), 2025).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(2000));
    assert_eq!(
        kpi(&answer, "fatal_accident_rate")["unavailable"]["reason"],
        "timeout"
    );
    assert_eq!(
        kpi(&answer, "bnn_exam_workers")["unavailable"]["reason"],
        "not_configured"
    );
}

// ─────────────────────────────────────────────────────────────────────────────
// The health KPIs against hand-computed figures, and the tasks service's prefilled
// draft and consolidated report reading the same live figures (issue 5).
// ─────────────────────────────────────────────────────────────────────────────

fn health_exam_report(period: i32, n: u32, bnn_examined: u32) -> Value {
    json!({
        "period": period.to_string(),
        "establishment": {"tax_code": shared::testing::tax_code(n), "name": format!("Cơ sở {n}"),
                          "commune_code": "01273", "vsic_code": "07100", "ownership_type": "2"},
        "figures": {
            "workers": {"total": 300, "female": 10},
            "hazardous_workers": {"total": bnn_examined, "female": 0},
            "periodic_exams": 300,
            "exposed_workers": bnn_examined,
            "bnn_examined": bnn_examined,
            "bnn_by_disease": [{"disease_code": "BNN-18", "suspected": 2, "confirmed": 1}]
        }
    })
}

fn monitoring_report(year: i32, n: u32, harmful: bool) -> Value {
    json!({
        "organisation": {"name": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng", "licence_number": "15/2019/SYT-QTMTLĐ"},
        "establishment": {"tax_code": shared::testing::tax_code(n), "name": format!("Công ty TNHH Khoáng sản số {n}"),
                          "commune_code": "01273", "vsic_code": "0710", "ownership_type": "2"},
        "monitored_on": format!("{year}-05-12"),
        "has_harmful_factors": harmful,
        "factors": [{"factor": "dust", "samples_taken": 4, "samples_over_limit": 0}]
    })
}

/// POSTs `body` with `token` and returns the JSON answer, which must be 200 or 201.
async fn post_ok(
    client: &reqwest::Client,
    url: impl AsRef<str>,
    token: &str,
    body: &Value,
) -> Value {
    let url = url.as_ref();
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let json: Value = res.json().await.unwrap();
    assert!(status == 200 || status == 201, "{url}: {status} {json}");
    json
}

async fn post_created(client: &reqwest::Client, url: &str, token: &str, body: &Value) {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(status, 201, "{url}: {}", res.text().await.unwrap());
}

#[tokio::test]
async fn the_health_kpis_match_hand_computed_figures_from_the_health_stats_service() {
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let (ports, _handles) = start_suite_with_kpi_sources(&keys, &databases, 5000).await;
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{}", ports[1]);
    let tasks = format!("http://127.0.0.1:{}", ports[2]);
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));
    let health_authority = keys.token(Role::HealthAuthority, Some("SYT"));
    let (last, this) = (2024, 2025);

    // Workers examined for occupational disease: 120 + 80 = 200 last year,
    // 130 + 80 = 210 this year: +5 %, exactly the plan's yearly target.
    for (year, n, examined) in [(last, 1, 120), (last, 2, 80), (this, 1, 130), (this, 2, 80)] {
        post_created(
            &client,
            &format!("{health}/api/v1/health-exam-reports"),
            &health_authority,
            &health_exam_report(year, n, examined),
        )
        .await;
    }
    // Establishments monitored with harmful factors: 4 last year; 4 this year (a
    // fifth monitored without harmful factors does not count): 0 %, short of +5 %.
    let monitored = [
        (last, 11, true),
        (last, 12, true),
        (last, 13, true),
        (last, 14, true),
        (this, 11, true),
        (this, 12, true),
        (this, 13, true),
        (this, 14, true),
        (this, 15, false),
    ];
    for (year, n, harmful) in monitored {
        post_created(
            &client,
            &format!("{health}/api/v1/monitoring-reports"),
            &health_authority,
            &monitoring_report(year, n, harmful),
        )
        .await;
    }

    let answer = kpis(&client, &tasks, &labor, this).await;
    let bnn = kpi(&answer, "bnn_exam_workers");
    assert_eq!(bnn["available"], true, "{bnn}");
    assert_eq!(bnn["current"]["value"], 210.0);
    assert_eq!(bnn["previous"]["value"], 200.0);
    assert_eq!(bnn["change_percent"], 5.0);
    assert_eq!(bnn["target"]["yearly_change_percent"], 5);
    assert_eq!(bnn["on_track"], true);
    let monitored = kpi(&answer, "monitored_establishments");
    assert_eq!(monitored["available"], true, "{monitored}");
    assert_eq!(monitored["current"]["value"], 4.0);
    assert_eq!(monitored["previous"]["value"], 4.0);
    assert_eq!(monitored["change_percent"], 0.0);
    assert_eq!(monitored["on_track"], false);
    // The year before: 200 against nothing filed for 2023, so no change to judge.
    let before = kpis(&client, &tasks, &labor, last).await;
    let bnn_before = kpi(&before, "bnn_exam_workers");
    assert_eq!(bnn_before["current"]["value"], 200.0);
    assert_eq!(bnn_before["previous"]["value"], 0.0);
    assert!(bnn_before["change_percent"].is_null(), "{bnn_before}");
    assert!(bnn_before["on_track"].is_null());

    // Sở Y tế's draft, with its own token, holds the same live figures.
    let plan_id = answer["plan_id"].as_str().unwrap().to_owned();
    let syt = keys.token(Role::Agency, Some("SYT"));
    let draft: Value = client
        .get(format!(
            "{tasks}/api/v1/plan-reports/draft?agency=SYT&period={this}"
        ))
        .bearer_auth(&syt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let figures = &draft["report"]["figures"];
    assert_eq!(
        figures["health_statistics"]["workers_examined_for_bnn"], 210,
        "{draft}"
    );
    assert_eq!(figures["health_statistics"]["figures"]["workers"], 600);
    assert_eq!(
        figures["health_statistics"]["bnn_exam_trend"]["change_percent"],
        5.0
    );
    assert_eq!(
        figures["monitoring_statistics"]["establishments_monitored"],
        4
    );
    assert!(
        figures["monitoring_statistics"]["establishments_with_harmful_factors"].is_number(),
        "{draft}"
    );
    assert_eq!(draft["report"]["plan_id"], plan_id.as_str());

    // The consolidated report carries the same KPIs.
    let consolidated: Value = client
        .get(format!(
            "{tasks}/api/v1/plans/{plan_id}/consolidated-report?period={this}"
        ))
        .bearer_auth(&labor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(consolidated["kpis"]["items"], answer["items"]);
}

// Events between the services (outbox, dispatcher, receivers).
#[path = "e2e/events.rs"]
mod events;
// A chunked bulk import, its revisions and its batch events reaching health-stats.
#[path = "e2e/imports.rs"]
mod imports;
// The BHXH reconciliation across incidents and health-stats.
#[path = "e2e/reconciliation.rs"]
mod reconciliation;

// `atvsld backup` and `atvsld restore` on both backends.
#[path = "e2e/backup.rs"]
mod backup;

// docs/integration.md: every shell example, run against the suite.
#[cfg(unix)]
#[path = "e2e/integration_doc.rs"]
mod integration_doc;

// The README's settings table against the settings structs.
#[path = "e2e/settings_reference.rs"]
mod settings_reference;

// Receipt keys and the events secret of `up`, rotated.
#[path = "e2e/rotation.rs"]
mod rotation;

// The demo data set of `atvsld up --demo`, loaded through the API.
#[path = "e2e/demo.rs"]
mod demo;

// `atvsld up` and the operator's settings.
#[path = "e2e/up_settings.rs"]
mod up_settings;

// The `atvsld` binary: the README's quick start, tokens, import, CORS under `up`.
#[cfg(unix)]
#[path = "e2e/cli.rs"]
mod cli;

// `up`'s dashboard port: the built web app, and the API as the gateway serves it.
#[path = "e2e/dashboard.rs"]
mod dashboard;
