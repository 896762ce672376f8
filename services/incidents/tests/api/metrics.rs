//! `/metrics` of a running service: every family the operations guide and the sample
//! Grafana dashboard (deploy/grafana/atvsld.json) rely on, with values that follow
//! what the service did.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, establishment, json_of, spawn_app_with, tax_code};

/// One sample line of the exposition: name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads the text format (labels here never hold `,` or `"`, which keeps this short).
fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap();
                    (key.to_owned(), value.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().unwrap(),
            }
        })
        .collect()
}

async fn scrape(app: &TestApp) -> String {
    let res = app.request(Method::GET, "/metrics", None, None).await;
    assert_eq!(res.status().as_u16(), 200, "no token needed");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    res.text().await.unwrap()
}

/// The value of the one sample of `name` whose labels include `with`.
fn value(samples: &[Sample], name: &str, with: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.name == name
                && with
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} {with:?}: {found:?}");
    found[0].value
}

/// A webhook URL where nothing listens: every delivery to it fails.
fn unreachable_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

async fn subscribe_unreachable(app: &TestApp) -> String {
    let res = app
        .post(
            "/api/v1/subscriptions",
            &app.admin(),
            &json!({"url": unreachable_url(), "event_types": ["establishment.upserted", "establishments.imported"]}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    json_of(res).await["id"].as_str().unwrap().to_owned()
}

/// Every metric name the dashboard's queries use.
fn dashboard_metrics() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/grafana/atvsld.json"
    );
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut exprs = Vec::new();
    collect_exprs(&dashboard, &mut exprs);
    assert!(exprs.len() >= 15, "{exprs:?}");
    let mut names: Vec<String> = exprs
        .iter()
        .flat_map(|expr| {
            expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|word| word.starts_with("atvsld_") || word.starts_with("process_"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn collect_exprs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("expr" | "definition", Value::String(expr)) => into.push(expr.clone()),
                    _ => collect_exprs(field, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_exprs(item, into)),
        _ => {}
    }
}

#[tokio::test]
async fn metrics_follow_the_backlog_jobs_requests_and_process() {
    let app = spawn_app_with(|s| {
        s.events.dispatch = true;
        s.events.allow_internal_urls = true;
        s.events.poll_ms = 20;
        // One failed try, then a retry far beyond the test: the delivery stays pending.
        s.events.retry_base_ms = 600_000;
        s.server.bulk_sync_rows = 2;
    })
    .await;
    let subscription = subscribe_unreachable(&app).await;
    let before = samples(&scrape(&app).await);
    let of_subscription = [("subscription", subscription.as_str())];
    assert_eq!(
        value(
            &before,
            "atvsld_outbox_pending_deliveries",
            &of_subscription
        ),
        0.0
    );
    assert_eq!(
        value(
            &before,
            "atvsld_outbox_oldest_pending_age_seconds",
            &of_subscription
        ),
        0.0
    );
    assert!(
        !before.iter().any(|s| s.name == "atvsld_jobs"),
        "no job yet"
    );

    app.create_establishment(&establishment(&tax_code(1))).await;
    let ndjson: String = (2..5)
        .map(|n| format!("{}\n", establishment(&tax_code(n))))
        .collect();
    let res = app
        .svc
        .client
        .post(app.svc.url("/api/v1/establishments/import"))
        .bearer_auth(app.admin())
        .header("content-type", "application/x-ndjson")
        .body(ndjson)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let job = res.headers()["location"].to_str().unwrap().to_owned();
    let mut status = Value::Null;
    for _ in 0..200 {
        status = json_of(app.get(&job, &app.admin()).await).await["status"].clone();
        if status == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "succeeded");
    let missing = format!("/api/v1/accidents/{}", uuid::Uuid::now_v7());
    assert_eq!(app.get(&missing, &app.admin()).await.status().as_u16(), 404);

    let text = scrape(&app).await;
    let after = samples(&text);
    // The outbox: the establishment's event and the import's (one per chunk: the three
    // rows may run as one or more chunks) wait for the unreachable subscriber.
    assert!(value(&after, "atvsld_outbox_pending_deliveries", &of_subscription) >= 2.0);
    let age = value(
        &after,
        "atvsld_outbox_oldest_pending_age_seconds",
        &of_subscription,
    );
    assert!(age > 0.0 && age < 120.0, "{age}");
    assert_eq!(
        value(&after, "atvsld_outbox_dead_letters", &of_subscription),
        0.0
    );
    // The job moved from queued to succeeded.
    let kinds: Vec<&str> = after
        .iter()
        .filter(|s| s.name == "atvsld_jobs")
        .map(|s| s.labels["kind"].as_str())
        .collect();
    let kind = kinds[0];
    assert_eq!(
        value(
            &after,
            "atvsld_jobs",
            &[("kind", kind), ("state", "succeeded")]
        ),
        1.0
    );
    for state in ["queued", "running", "failed"] {
        assert_eq!(
            value(&after, "atvsld_jobs", &[("kind", kind), ("state", state)]),
            0.0
        );
    }
    // Requests by route pattern, never by raw path.
    let not_found = [
        ("endpoint", "/api/v1/accidents/{id}"),
        ("method", "GET"),
        ("status", "404"),
    ];
    assert_eq!(value(&after, "atvsld_http_requests_total", &not_found), 1.0);
    for sample in after.iter().filter(|s| s.name.starts_with("atvsld_http_")) {
        let endpoint = &sample.labels["endpoint"];
        assert!(
            endpoint
                .split('/')
                .all(|segment| uuid::Uuid::parse_str(segment).is_err()),
            "an id in a route label: {endpoint}"
        );
    }
    // The pool and the process.
    assert!(value(&after, "atvsld_db_pool_connections", &[("state", "max")]) >= 1.0);
    assert!(value(&after, "atvsld_db_pool_acquire_seconds_count", &[]) >= 5.0);
    assert!(value(&after, "process_resident_memory_bytes", &[]) > 1_000_000.0);
    let open_fds = value(&after, "process_open_fds", &[]);
    assert!(open_fds > 3.0 && open_fds <= value(&after, "process_max_fds", &[]));
    assert!(value(&after, "process_cpu_seconds_total", &[]) > 0.0);
    let started = value(&after, "process_start_time_seconds", &[]);
    let now = chrono::Utc::now().timestamp() as f64;
    assert!(
        started > now - 86_400.0 && started <= now + 1.0,
        "{started}"
    );
    // Every series names its service; every family says what it is.
    for sample in &after {
        assert_eq!(
            sample.labels.get("service").map(String::as_str),
            Some("incidents"),
            "{sample:?}"
        );
    }
    for family in [
        "atvsld_outbox_pending_deliveries gauge",
        "atvsld_outbox_oldest_pending_age_seconds gauge",
        "atvsld_outbox_dead_letters gauge",
        "atvsld_jobs gauge",
        "atvsld_db_pool_acquire_seconds histogram",
        "atvsld_db_pool_waits_total counter",
        "atvsld_db_pool_timeouts_total counter",
        "process_cpu_seconds_total counter",
    ] {
        assert!(text.contains(&format!("# TYPE {family}\n")), "{family}");
    }
    // The sample dashboard queries nothing the service does not export.
    for name in dashboard_metrics() {
        assert!(
            after.iter().any(|s| s.name == name),
            "the dashboard queries {name}, not exported"
        );
    }
}

#[tokio::test]
async fn a_delivery_given_up_shows_as_a_dead_letter() {
    let app = spawn_app_with(|s| {
        s.events.dispatch = true;
        s.events.allow_internal_urls = true;
        s.events.poll_ms = 20;
        s.events.max_attempts = 1;
    })
    .await;
    let subscription = subscribe_unreachable(&app).await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    let of_subscription = [("subscription", subscription.as_str())];
    let mut now = Vec::new();
    for _ in 0..200 {
        now = samples(&scrape(&app).await);
        if value(&now, "atvsld_outbox_dead_letters", &of_subscription) > 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        value(&now, "atvsld_outbox_dead_letters", &of_subscription),
        1.0
    );
    assert_eq!(
        value(&now, "atvsld_outbox_pending_deliveries", &of_subscription),
        0.0
    );
    assert_eq!(
        value(
            &now,
            "atvsld_outbox_oldest_pending_age_seconds",
            &of_subscription
        ),
        0.0
    );
}
