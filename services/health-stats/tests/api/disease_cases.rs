use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::health_reports::establishment;
use crate::helpers::{TestApp, assert_problem, captured_logs, json_of, spawn_app, tax_code};

pub fn case(personal_id: &str, disease: &str, employer: u32, diagnosed_on: &str) -> Value {
    json!({
        "personal_id": personal_id, "full_name": "Hoàng Văn C", "gender": "male", "birth_date": "1990-04-12",
        "establishment": establishment(employer, "01273"),
        "disease_code": disease, "exposure_factor": "Tiếng ồn khu nghiền đá",
        "diagnosed_on": diagnosed_on, "diagnosis_facility": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng"
    })
}

pub async fn record(app: &TestApp, body: &Value) -> Value {
    let res = app
        .post(
            "/api/v1/occupational-disease-cases",
            &app.token(Role::HealthAuthority, Some("SYT")),
            body,
        )
        .await;
    let status = res.status().as_u16();
    let json = json_of(res).await;
    assert_eq!(status, 201, "{json}");
    json
}

#[tokio::test]
async fn the_same_person_and_disease_is_one_case() {
    let app = spawn_app().await;
    let first = record(&app, &case("004090012345", "BNN-18", 1, "2026-05-02")).await;
    assert_eq!(first["disease_name"], "Bệnh điếc nghề nghiệp do tiếng ồn");
    let res = app
        .post(
            "/api/v1/occupational-disease-cases",
            &app.admin(),
            &case("004090012345", "BNN-18", 1, "2026-06-01"),
        )
        .await;
    let problem = assert_problem(res, 409, "duplicate_case").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(first["id"].as_str().unwrap())
    );
    // Another disease of the same person is another case.
    record(&app, &case("004090012345", "BNN-01", 1, "2026-06-01")).await;
}

#[tokio::test]
async fn an_unknown_disease_code_is_pointed_at() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/occupational-disease-cases",
            &app.admin(),
            &case("004090012345", "BNN-40", 1, "2026-05-02"),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/disease_code");
    assert_eq!(problem["errors"][0]["code"], "unknown_disease_code");
}

#[tokio::test]
async fn an_employer_reads_only_its_own_workers_cases_and_reads_are_audited() {
    let app = spawn_app().await;
    let mine = record(&app, &case("004090012345", "BNN-18", 1, "2026-05-02")).await;
    let theirs = record(&app, &case("004090012399", "BNN-18", 2, "2026-05-02")).await;
    let employer = app.token(Role::Enterprise, Some(&tax_code(1)));
    assert_eq!(
        app.get(
            &format!(
                "/api/v1/occupational-disease-cases/{}",
                mine["id"].as_str().unwrap()
            ),
            &employer
        )
        .await
        .status()
        .as_u16(),
        200
    );
    let res = app
        .get(
            &format!(
                "/api/v1/occupational-disease-cases/{}",
                theirs["id"].as_str().unwrap()
            ),
            &employer,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let list = json_of(
        app.get("/api/v1/occupational-disease-cases", &employer)
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    for role in [Role::Viewer, Role::Agency, Role::Insurer, Role::Commune] {
        assert_problem(
            app.get(
                "/api/v1/occupational-disease-cases",
                &app.token(role, Some("X")),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }
    // A labour-authority read leaves an audit entry without the values.
    let labor = app.token(Role::LaborAuthority, Some("SNV"));
    app.get(
        &format!(
            "/api/v1/occupational-disease-cases/{}",
            theirs["id"].as_str().unwrap()
        ),
        &labor,
    )
    .await;
    let events = json_of(
        app.get(
            &format!(
                "/api/v1/audit-events?resource_id={}",
                theirs["id"].as_str().unwrap()
            ),
            &app.admin(),
        )
        .await,
    )
    .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"read"));
    assert!(
        events["items"][0]["actor"]
            .as_str()
            .unwrap()
            .contains("labor_authority")
    );
    assert!(!events.to_string().contains("004090012399") && !events.to_string().contains("BNN-18"));
}

#[tokio::test]
async fn an_assessment_needs_the_version_and_a_reason() {
    let app = spawn_app().await;
    let created = record(&app, &case("004090012345", "BNN-18", 1, "2026-05-02")).await;
    let path = app.svc.url(&format!(
        "/api/v1/occupational-disease-cases/{}",
        created["id"].as_str().unwrap()
    ));
    let body = json!({"status": "assessed", "capacity_loss_percent": 31, "assessed_on": "2026-06-20", "change_reason": "Biên bản giám định 45/GĐYK"});
    let put = |version: &str, body: &Value| {
        app.svc
            .client
            .request(Method::PUT, &path)
            .bearer_auth(app.admin())
            .header("If-Match", version)
            .json(body)
            .send()
    };
    assert_problem(put("\"5\"", &body).await.unwrap(), 412, "version_mismatch").await;
    let mut bad = body.clone();
    bad["capacity_loss_percent"] = json!(130);
    assert_problem(put("\"1\"", &bad).await.unwrap(), 422, "validation_failed").await;
    let updated = json_of(put("\"1\"", &body).await.unwrap()).await;
    assert_eq!(updated["capacity_loss_percent"], 31);
    assert_eq!(updated["version"], 2);
}

#[tokio::test]
async fn personal_ids_and_diagnoses_never_reach_the_logs() {
    let app = spawn_app().await;
    let created = record(&app, &case("004090054321", "BNN-23", 1, "2026-05-02")).await;
    app.get(
        &format!(
            "/api/v1/occupational-disease-cases/{}",
            created["id"].as_str().unwrap()
        ),
        &app.admin(),
    )
    .await;
    // A refused body is logged as an error too: it must not echo the values either.
    app.post(
        "/api/v1/occupational-disease-cases",
        &app.admin(),
        &case("004090054321", "BNN-23", 1, "2026-05-02"),
    )
    .await;
    let logs = captured_logs();
    assert!(
        logs.contains(created["id"].as_str().unwrap())
            || logs.contains("occupational-disease-cases"),
        "logs were captured"
    );
    assert!(
        !logs.contains("004090054321"),
        "a personal ID reached the logs"
    );
    assert!(
        !logs.contains("BNN-23") && !logs.contains("đục thể thủy tinh"),
        "a diagnosis reached the logs"
    );
}
