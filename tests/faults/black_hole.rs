//! An admin subscribes a partner that accepts connections and never answers; the
//! suite's own flow (a fatal accident → the follow-up task in tasks) must not notice.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::auth::Role;
use shared::server::Application;
use shared::testing::{TestDatabase, TestKeys};

use crate::support::{SECRET, black_hole, event_settings, median_max, subscribe, within};

const ACCIDENTS: usize = 20;
const WITHIN: Duration = Duration::from_secs(2);

fn fatal_accident(tax_code: &str, n: usize) -> Value {
    let at = (chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339();
    json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax_code},
        "occurred_at": at, "notified_at": at, "police_notified_at": at,
        "place": {"commune_code": "01273", "address": "Khai trường"}, "description": "Sạt lở", "cause_codes": ["1"],
        "casualties": [{"personal_id": format!("0040900{n:05}"), "full_name": "Nông Văn A", "gender": "male",
                        "birth_year": 1990, "contract_type": "indefinite", "severity": "fatal"}]
    })
}

#[tokio::test]
async fn a_black_hole_partner_does_not_delay_the_suites_own_flows() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let dbs: Vec<TestDatabase> = (0..3).map(|_| TestDatabase::new().unwrap()).collect();
    let mut apps = Vec::new();
    for (def, db) in atvsld::services().into_iter().zip(&dbs) {
        apps.push(
            Application::build(def, &event_settings(db, &keys))
                .await
                .unwrap(),
        );
    }
    let ports = [apps[0].port(), apps[1].port(), apps[2].port()];
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports,
        data_dir: std::env::temp_dir(),
        database_url: None,
        log: Default::default(),
    };
    atvsld::wire_events(&apps[0], &options, SECRET).unwrap();
    for app in apps {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();
    let admin = keys.token(Role::Admin, None);
    let incidents = format!("http://127.0.0.1:{}", ports[0]);
    let tasks = format!("http://127.0.0.1:{}", ports[2]);

    let hole = black_hole().await;
    subscribe(&client, &incidents, &admin, &hole, &["*"]).await;

    let tax_code = "0100047516";
    let res = client
        .post(format!("{incidents}/api/v1/establishments"))
        .bearer_auth(&admin)
        .json(&json!({"tax_code": tax_code, "name": "Công ty Mỏ", "vsic_code": "07100", "ownership_type": "2",
                      "commune_code": "01273", "headcount": {"total": 100, "female": 10, "hazardous": 50}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);

    let mut waits = Vec::new();
    for n in 0..ACCIDENTS {
        let res = client
            .post(format!("{incidents}/api/v1/accidents"))
            .bearer_auth(&admin)
            .json(&fatal_accident(tax_code, n))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let declared = Instant::now();
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let source_ref = format!("incidents:accident:{id}");
        within("the follow-up task", WITHIN, async || {
            let list: Value = client
                .get(format!("{tasks}/api/v1/tasks?agency=SNV"))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["source_ref"] == source_ref.as_str())
        })
        .await;
        waits.push(declared.elapsed());
    }
    let (median, max) = median_max(&mut waits);
    println!(
        "faults/black hole: {ACCIDENTS} fatal accidents with a black-hole partner subscribed: \
         follow-up task in tasks after median {median:.2?}, max {max:.2?}"
    );
    assert!(max < WITHIN);
}
