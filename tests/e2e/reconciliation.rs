//! The BHXH reconciliation across the suite: incidents lists its accident findings and
//! health-stats' disease findings, read over HTTP with the caller's token; with
//! health-stats down, the accident part still comes and the disease part says why.

use chrono::Datelike;
use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings, tax_code};

use super::post_ok as post;

/// The day `days_ago` days back, in Viet Nam.
fn day(days_ago: i64) -> chrono::NaiveDate {
    (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .with_timezone(&shared::time::vietnam())
        .date_naive()
}

fn disease_case(personal_id: &str, diagnosed_on: chrono::NaiveDate) -> Value {
    json!({
        "personal_id": personal_id, "full_name": "Hoàng Văn C", "gender": "male", "birth_date": "1980-04-12",
        "establishment": {"tax_code": tax_code(7), "name": "Mỏ đá Cao Bằng", "commune_code": "01273",
                          "vsic_code": "08", "ownership_type": "2"},
        "disease_code": "BNN-05", "exposure_factor": "Tiếng ồn khu nghiền đá",
        "diagnosed_on": diagnosed_on, "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
    })
}

fn decision(number: &str, on: chrono::NaiveDate, personal_id: &str, case_reference: &str) -> Value {
    json!({
        "decision_number": number, "decision_date": on,
        "personal_id": personal_id, "case_reference": case_reference,
        "capacity_loss_percent": 35, "benefit_type": "monthly",
        "amount_vnd": 1_170_000, "status": "issued"
    })
}

fn kinds(answer: &Value) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["personal_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn reconciliation_lists_both_parts_and_survives_health_stats_going_down() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let databases: Vec<TestDatabase> = (0..2).map(|_| TestDatabase::new().unwrap()).collect();
    let [incidents_def, health_def, _] = atvsld::services();
    let health = atvsld::start(vec![(health_def, settings(&databases[1], &keys))])
        .await
        .unwrap();
    let health_url = format!("http://127.0.0.1:{}", health[0].port());
    let mut incidents_settings = settings(&databases[0], &keys);
    incidents_settings.upstreams.health_stats = Some(health_url.clone());
    incidents_settings.upstreams.timeout_ms = 1500;
    let incidents = atvsld::start(vec![(incidents_def, incidents_settings)])
        .await
        .unwrap();
    let incidents_url = format!("http://127.0.0.1:{}", incidents[0].port());
    let health_handle = health[0].handle();
    for app in health.into_iter().chain(incidents) {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();
    let insurer = keys.token(Role::Insurer, Some("BHXH-CB"));
    let doctor = keys.token(Role::HealthAuthority, Some("SYT"));
    let labor = keys.token(Role::LaborAuthority, Some("SNV"));

    // Two diagnosed cases 100 days ago: BHXH decided on one, not on the other; and
    // BHXH made up a disease decision and an accident decision for people the suite
    // has no record of.
    let diagnosed = day(100);
    let decided = post(
        &client,
        format!("{health_url}/api/v1/occupational-disease-cases"),
        &doctor,
        &disease_case("004080011111", diagnosed),
    )
    .await;
    post(
        &client,
        format!("{health_url}/api/v1/occupational-disease-cases"),
        &doctor,
        &disease_case("004080022222", diagnosed),
    )
    .await;
    let batch = json!([
        decision(
            "21/QĐ-BHXH",
            diagnosed,
            "004080011111",
            decided["id"].as_str().unwrap()
        ),
        decision("22/QĐ-BHXH", diagnosed, "004080033333", "khong-co-ho-so"),
    ]);
    post(
        &client,
        format!("{health_url}/api/v1/exchange/bhxh/benefit-decisions"),
        &insurer,
        &batch,
    )
    .await;
    post(
        &client,
        format!("{incidents_url}/api/v1/exchange/bhxh/benefit-decisions"),
        &insurer,
        &json!([decision(
            "23/QĐ-BHXH",
            diagnosed,
            "004080044444",
            "khong-co-ho-so"
        )]),
    )
    .await;

    let url = format!(
        "{incidents_url}/api/v1/exchange/bhxh/reconciliation?period={}&wait_days=60",
        diagnosed.year()
    );
    let read = async |lang: &str| -> Value {
        let res = client
            .get(&url)
            .bearer_auth(&labor)
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.json().await.unwrap()
    };
    let answer = read("en").await;
    assert_eq!(
        kinds(&answer),
        [
            ("decision_without_accident".into(), "004080044444".into()),
            (
                "decision_without_disease_case".into(),
                "004080033333".into()
            ),
            ("diagnosed_without_decision".into(), "004080022222".into()),
        ],
        "{answer}"
    );
    assert!(
        answer["parts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["available"] == true),
        "{answer}"
    );
    let waiting = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "diagnosed_without_decision")
        .unwrap();
    assert_eq!(waiting["source"], "health-stats");
    assert_eq!(waiting["days_since_diagnosis"], 100);

    // Paged two at a time, the findings of both parts are the same three, counted.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_url = match &cursor {
            Some(c) => format!("{url}&limit=2&total=true&cursor={c}"),
            None => format!("{url}&limit=2&total=true"),
        };
        let page: Value = client
            .get(&page_url)
            .bearer_auth(&labor)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], 3, "{page}");
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(kinds(&json!({ "items": paged })), kinds(&answer));
    assert_eq!(waiting["disease_code"], "BNN-05");
    // health-stats explains in the caller's language too.
    assert!(
        waiting["explanation"]
            .as_str()
            .unwrap()
            .starts_with("The worker was diagnosed"),
        "{waiting}"
    );

    // Within a longer wait the diagnosed case is not yet a finding.
    let longer = client
        .get(url.replace("wait_days=60", "wait_days=120"))
        .bearer_auth(&labor)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(kinds(&longer).len(), 2, "{longer}");

    // health-stats goes down: the accident part still comes, the disease part says why.
    health_handle.stop(false).await;
    let started = std::time::Instant::now();
    let answer = read("vi").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(
        kinds(&answer),
        [("decision_without_accident".into(), "004080044444".into())]
    );
    let disease_part = answer["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["source"] == "health-stats")
        .unwrap();
    assert_eq!(disease_part["available"], false);
    assert_eq!(
        disease_part["unavailable"]["reason"], "connection_failed",
        "{disease_part}"
    );
}
