//! Events between the services: incidents → tasks (a follow-up task for a grave
//! accident, marked overdue when its investigation is late) and incidents →
//! health-stats (the establishment registry), delivered at least once with
//! exactly-once effect, even across a restart of the receiver.

use std::time::Duration;

use serde_json::{Value, json};
use shared::auth::Role;
use shared::server::Application;
use shared::testing::{TestDatabase, TestKeys, settings};

const SECRET: &str = "e2e-events-secret";

fn event_settings(db: &TestDatabase, keys: &TestKeys, port: u16) -> shared::config::Settings {
    let mut s = settings(db, keys);
    s.server.port = port;
    s.events.dispatch = true;
    s.events.allow_internal_urls = true;
    s.events.inbound_secrets = vec![SECRET.into()];
    s.events.retry_base_ms = 50;
    s.events.poll_ms = 50;
    s.events.max_attempts = 100;
    s
}

/// Tasks that follow up the accident `id` (by the record they name).
async fn follow_ups(client: &reqwest::Client, tasks: &str, token: &str, id: &str) -> Vec<Value> {
    let list: Value = client
        .get(format!("{tasks}/api/v1/tasks?agency=SNV"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let source_ref = format!("incidents:accident:{id}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source_ref"] == source_ref.as_str())
        .cloned()
        .collect()
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn fatal_accident(tax_code: &str, personal_id: &str, days_ago: i64) -> Value {
    let at = chrono::Utc::now() - chrono::Duration::hours(3) - chrono::Duration::days(days_ago);
    json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax_code},
        "occurred_at": at.to_rfc3339(), "notified_at": at.to_rfc3339(), "police_notified_at": at.to_rfc3339(),
        "place": {"commune_code": "01273", "address": "Khai trường"}, "description": "Sạt lở", "cause_codes": ["1"],
        "casualties": [{"personal_id": personal_id, "full_name": "Nông Văn A", "gender": "male", "birth_year": 1990,
                        "contract_type": "indefinite", "severity": "fatal"}]
    })
}

#[tokio::test]
async fn a_grave_accident_opens_one_follow_up_task_even_across_a_restart_of_tasks() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let dbs: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let incidents = Application::build(&incidents::SERVICE, &event_settings(&dbs[0], &keys, 0))
        .await
        .unwrap();
    let health = Application::build(&health_stats::SERVICE, &event_settings(&dbs[1], &keys, 0))
        .await
        .unwrap();
    let tasks = Application::build(&tasks::SERVICE, &event_settings(&dbs[2], &keys, 0))
        .await
        .unwrap();
    let ports = [incidents.port(), health.port(), tasks.port()];
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports,
        data_dir: std::env::temp_dir(),
        database_url: None,
        log: Default::default(),
    };
    assert_eq!(
        atvsld::wire_events(&incidents, &options, SECRET).unwrap(),
        2
    );
    let tasks_handle = tasks.handle();
    let health_db = health.db().clone();
    let incidents_db = incidents.db().clone();
    for app in [incidents, health, tasks] {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();
    let admin = keys.token(Role::Admin, None);
    let base = |port: u16| format!("http://127.0.0.1:{port}");

    let tax_code = "0100047516";
    let establishment = json!({"tax_code": tax_code, "name": "Công ty Mỏ", "vsic_code": "07100", "ownership_type": "2",
                               "commune_code": "01273", "headcount": {"total": 100, "female": 10, "hazardous": 50}});
    let res = client
        .post(format!("{}/api/v1/establishments", base(ports[0])))
        .bearer_auth(&admin)
        .json(&establishment)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    // health-stats learns of it without ever being called by a write.
    eventually("the establishment in health-stats", async || {
        let mut conn = health_db.get().unwrap();
        health_stats::db::establishments::find(&mut conn, tax_code)
            .unwrap()
            .is_some()
    })
    .await;

    let declare = async |personal_id: &str, days_ago: i64| -> String {
        let res = client
            .post(format!("{}/api/v1/accidents", base(ports[0])))
            .bearer_auth(&admin)
            .json(&fatal_accident(tax_code, personal_id, days_ago))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = declare("004090012345", 0).await;
    let tasks_url = base(ports[2]);
    eventually("the first follow-up task", async || {
        follow_ups(&client, &tasks_url, &admin, &first).await.len() == 1
    })
    .await;

    // tasks goes down; a second accident is declared meanwhile.
    tasks_handle.stop(true).await;
    let second = declare("004090012346", 0).await;
    tokio::time::sleep(Duration::from_millis(400)).await;

    // tasks comes back on the same port and database: the event arrives, once.
    let tasks_again =
        Application::build(&tasks::SERVICE, &event_settings(&dbs[2], &keys, ports[2]))
            .await
            .unwrap();
    tokio::spawn(tasks_again.run_until_stopped());
    eventually("the second follow-up task", async || {
        follow_ups(&client, &tasks_url, &admin, &second).await.len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        follow_ups(&client, &tasks_url, &admin, &first).await.len(),
        1,
        "no duplicate of the first"
    );
    assert_eq!(
        follow_ups(&client, &tasks_url, &admin, &second).await.len(),
        1,
        "no duplicate of the second"
    );

    // An accident declared 40 days after it happened: its 30-day provincial
    // investigation is already late. The overdue job announces it, and tasks marks
    // the follow-up task overdue; the timely accidents' tasks stay as they are.
    let late = declare("004090012347", 40).await;
    eventually("the late accident's follow-up task", async || {
        follow_ups(&client, &tasks_url, &admin, &late).await.len() == 1
    })
    .await;
    let mut conn = incidents_db.get().unwrap();
    let announced = incidents::service::overdue::announce(&mut conn, shared::db::now()).unwrap();
    assert_eq!(announced, 1, "only the late investigation is overdue");
    drop(conn);
    eventually("the follow-up task marked overdue", async || {
        follow_ups(&client, &tasks_url, &admin, &late)
            .await
            .first()
            .is_some_and(|t| t["overdue_since"].is_string())
    })
    .await;
    let first_task = follow_ups(&client, &tasks_url, &admin, &first).await;
    assert_eq!(first_task[0]["overdue_since"], Value::Null);
}
