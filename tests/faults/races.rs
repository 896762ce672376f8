//! Concurrent requests for the same record get the documented answers on both
//! backends: a repeated accident `external_ref` is 200 with the record that exists,
//! a repeated disease case is 409 `duplicate_case` naming the case that exists.

use serde_json::{Value, json};
use shared::auth::Role;
use shared::testing::TestService;

use crate::database::{accident, register};

const RACERS: usize = 8;

/// `RACERS` identical POSTs at once: each one's status and body.
async fn race(svc: &TestService, path: &str, token: &str, body: &Value) -> Vec<(u16, Value)> {
    let sends = (0..RACERS).map(|_| async {
        let res = svc
            .client
            .post(svc.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    });
    futures_util::future::join_all(sends).await
}

fn backend(svc: &TestService) -> &'static str {
    if svc.db.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_declarations_with_one_external_ref_make_one_accident() {
    let svc = TestService::spawn(&incidents::SERVICE).await.unwrap();
    let tax = register(&svc, 2).await;
    let token = svc.token(Role::Enterprise, Some(&tax));
    let answers = race(
        &svc,
        "/api/v1/accidents",
        &token,
        &accident(&tax, Some("HR-2026-0042")),
    )
    .await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let repeated = answers.iter().filter(|(s, _)| *s == 200).count();
    println!(
        "faults/race on external_ref ({}): {RACERS} concurrent declarations: {created} × 201, \
         {repeated} × 200 with the same record",
        backend(&svc)
    );
    assert_eq!(created, 1, "{answers:?}");
    assert_eq!(repeated, RACERS - 1, "{answers:?}");
    let id = &answers[0].1["id"];
    assert!(
        answers.iter().all(|(_, body)| &body["id"] == id),
        "{answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_recordings_of_one_disease_case_name_the_case_that_exists() {
    let svc = TestService::spawn(&health_stats::SERVICE).await.unwrap();
    let token = svc.token(Role::HealthAuthority, Some("SYT"));
    let case = json!({
        "personal_id": "004090054321", "full_name": "Hoàng Văn C", "gender": "male", "birth_date": "1990-04-12",
        "establishment": {"tax_code": shared::testing::tax_code(3), "name": "Công ty TNHH Khai khoáng Cao Bằng",
                          "commune_code": "01273", "vsic_code": "07100", "ownership_type": "2"},
        "disease_code": "BNN-18", "exposure_factor": "Tiếng ồn khu nghiền đá",
        "diagnosed_on": "2026-05-02", "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
    });
    let answers = race(&svc, "/api/v1/occupational-disease-cases", &token, &case).await;
    let winner = answers
        .iter()
        .find(|(s, _)| *s == 201)
        .map(|(_, body)| body["id"].as_str().unwrap().to_owned())
        .unwrap();
    let named = answers
        .iter()
        .filter(|(s, body)| {
            *s == 409
                && body["code"] == "duplicate_case"
                && body["detail"].as_str().unwrap().contains(&winner)
        })
        .count();
    println!(
        "faults/race on a disease case ({}): {RACERS} concurrent recordings: 1 × 201, \
         {named} × 409 duplicate_case naming the case that exists",
        backend(&svc)
    );
    assert_eq!(named, RACERS - 1, "{answers:?}");
}
