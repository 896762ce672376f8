//! Events between the services: incidents → tasks (a follow-up task for a grave
//! accident, marked overdue when its investigation is late) and incidents →
//! health-stats (the establishment registry), delivered at least once with
//! exactly-once effect, even across a restart of the receiver.

use std::time::Duration;

use super::eventually;
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

/// The three services on free ports with the suite's flows wired as `up` wires them.
struct Suite {
    keys: TestKeys,
    ports: [u16; 3],
    _dbs: Vec<TestDatabase>,
}

async fn start_suite() -> Suite {
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
    atvsld::wire_events(&incidents, &options, SECRET).unwrap();
    for app in [incidents, health, tasks] {
        tokio::spawn(app.run_until_stopped());
    }
    Suite {
        keys,
        ports,
        _dbs: dbs,
    }
}

fn casualty_of(personal_id: &str, severity: &str) -> Value {
    json!({"personal_id": personal_id, "full_name": "Nông Văn A", "gender": "male", "birth_year": 1990,
           "contract_type": "indefinite", "severity": severity})
}

/// Raises the casualty at `index` of `accident` to `to`; the accident after the raise.
async fn raise(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    accident: &Value,
    index: usize,
    to: &str,
) -> Value {
    let id = accident["id"].as_str().unwrap();
    let casualty = accident["casualties"][index]["id"].as_str().unwrap();
    let res = client
        .post(format!(
            "{base}/api/v1/accidents/{id}/casualties/{casualty}/severity"
        ))
        .bearer_auth(admin)
        .header("If-Match", format!("\"{}\"", accident["version"]))
        .json(&json!({"severity": to, "document_reference": "Kết luận giám định pháp y số 7/GĐPY"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_severity_raise_that_makes_a_case_grave_opens_one_follow_up_task() {
    shared::telemetry::init_test_tracing();
    let suite = start_suite().await;
    let client = reqwest::Client::new();
    let admin = suite.keys.token(Role::Admin, None);
    let incidents = format!("http://127.0.0.1:{}", suite.ports[0]);
    let tasks = format!("http://127.0.0.1:{}", suite.ports[2]);
    let tax_code = "0100047516";
    let establishment = json!({"tax_code": tax_code, "name": "Công ty Mỏ", "vsic_code": "07100", "ownership_type": "2",
                               "commune_code": "01273", "headcount": {"total": 100, "female": 10, "hazardous": 50}});
    let res = client
        .post(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&admin)
        .json(&establishment)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let declare = async |casualties: Vec<Value>| -> Value {
        let mut body = fatal_accident(tax_code, "004090012345", 0);
        body["casualties"] = Value::Array(casualties);
        let res = client
            .post(format!("{incidents}/api/v1/accidents"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()
    };

    // A minor case: the employer investigates, tasks has nothing to follow up.
    let minor = declare(vec![casualty_of("004090012345", "minor")]).await;
    let minor_id = minor["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        follow_ups(&client, &tasks, &admin, minor_id)
            .await
            .is_empty()
    );

    // Its only casualty dies of the injury: the case becomes provincial, and Sở Nội vụ
    // gets its follow-up task within a second, due on the new 30-day deadline.
    let raised = raise(&client, &incidents, &admin, &minor, 0, "fatal").await;
    assert_eq!(raised["investigation"]["level"], "provincial");
    let started = std::time::Instant::now();
    while follow_ups(&client, &tasks, &admin, minor_id)
        .await
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "no follow-up task within a second of the raise"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let deadline: chrono::DateTime<chrono::Utc> = raised["investigation"]["deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let due = deadline
        .with_timezone(&shared::time::vietnam())
        .date_naive()
        .to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let opened = follow_ups(&client, &tasks, &admin, minor_id).await;
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0]["due_on"], due.as_str());

    // A case fatal at declaration has its task already; raising another casualty of it
    // announces nothing new, and no second task is opened.
    let fatal = declare(vec![
        casualty_of("004090012346", "fatal"),
        casualty_of("004090012347", "minor"),
    ])
    .await;
    let fatal_id = fatal["id"].as_str().unwrap();
    eventually("the fatal case's follow-up task", async || {
        follow_ups(&client, &tasks, &admin, fatal_id).await.len() == 1
    })
    .await;
    let raised = raise(&client, &incidents, &admin, &fatal, 1, "serious").await;
    raise(&client, &incidents, &admin, &raised, 1, "fatal").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(follow_ups(&client, &tasks, &admin, fatal_id).await.len(), 1);
    assert_eq!(follow_ups(&client, &tasks, &admin, minor_id).await.len(), 1);

    // incidents itself announced one escalation only: the minor case's (tasks' own
    // de-duplication is not what kept the fatal case at one task).
    let get = async |path: String| -> Value {
        let res = client.get(path).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.json().await.unwrap()
    };
    let subscriptions = get(format!("{incidents}/api/v1/subscriptions")).await;
    let to_tasks = subscriptions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["url"]
                .as_str()
                .unwrap()
                .contains(&suite.ports[2].to_string())
        })
        .expect("the suite's subscription of tasks")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // tasks takes several accident events at once; health-stats' establishments stay
    // in order (the service-wide bound).
    for item in subscriptions["items"].as_array().unwrap() {
        let expected = if item["id"] == to_tasks.as_str() {
            json!(atvsld::TASKS_IN_FLIGHT)
        } else {
            Value::Null
        };
        assert_eq!(item["max_in_flight"], expected, "{item}");
    }
    let deliveries = get(format!(
        "{incidents}/api/v1/subscriptions/{to_tasks}/deliveries"
    ))
    .await;
    let escalations = deliveries["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event_type"] == "accident.escalated")
        .count();
    assert_eq!(escalations, 1, "{deliveries}");
}

#[tokio::test]
async fn a_data_folder_wired_before_escalations_gets_them_on_the_next_up() {
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let app = Application::build(&incidents::SERVICE, &event_settings(&db, &keys, 0))
        .await
        .unwrap();
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports: [app.port(), 1, 2],
        data_dir: std::env::temp_dir(),
        database_url: None,
        log: Default::default(),
    };
    use shared::events::subscriptions::{self, SubscriptionRow};
    let row = |url: String, types: &str, by: &str| SubscriptionRow {
        id: uuid::Uuid::now_v7().to_string(),
        url,
        event_types: types.into(),
        secret: SECRET.into(),
        active: true,
        created_by: by.into(),
        created_at: shared::db::now(),
        max_in_flight: None,
    };
    // As an older `up` left it: tasks without `accident.escalated`; and a partner's
    // webhook that is not the suite's to change.
    let older = row(
        "http://127.0.0.1:2/internal/v1/events".into(),
        "accident.declared,accident.investigation_overdue",
        "atvsld up",
    );
    let partner = row(
        "https://lgsp.example/hooks/atvsld".into(),
        "accident.declared",
        "atvsld-test|admin",
    );
    {
        let mut conn = app.db().get().unwrap();
        subscriptions::insert(&mut conn, &older).unwrap();
        subscriptions::insert(&mut conn, &partner).unwrap();
    }
    assert_eq!(atvsld::wire_events(&app, &options, SECRET).unwrap(), 1);
    let mut conn = app.db().get().unwrap();
    let now = subscriptions::all(&mut conn).unwrap();
    let types_of = |id: &str| {
        now.iter()
            .find(|s| s.id == id)
            .map(|s| s.event_types.clone())
            .unwrap()
    };
    assert_eq!(
        types_of(&older.id),
        "accident.declared,accident.escalated,accident.investigation_overdue",
        "the same subscription (and its delivery log), with the new type"
    );
    assert_eq!(types_of(&partner.id), "accident.declared");
    // Wired before subscriptions had their own bound: tasks gets the suite's, and the
    // partner's (and health-stats', added now) stay at the service-wide setting.
    let in_flight_of = |id: &str| now.iter().find(|s| s.id == id).unwrap().max_in_flight;
    assert_eq!(in_flight_of(&older.id), Some(atvsld::TASKS_IN_FLIGHT));
    assert_eq!(in_flight_of(&partner.id), None);
    let health_stats = now
        .iter()
        .find(|s| s.url == "http://127.0.0.1:1/internal/v1/events")
        .unwrap();
    assert_eq!(
        health_stats.max_in_flight, None,
        "establishments stay in order"
    );
    assert!(
        subscriptions::active_for(&mut conn, "accident.escalated")
            .unwrap()
            .iter()
            .any(|s| s.id == older.id)
    );
}
