//! Who may record an investigation and move a case (ND 39/2016, `docs/domain.md`): the
//! team of the case's investigation level, or Sở Nội vụ and admin; and BHXH's claim
//! dossier of a casualty in its feed.

use chrono::{Duration, Utc};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, establishment, json_of, spawn_app, tax_code};

fn casualty(personal_id: &str, severity: &str) -> Value {
    json!({
        "personal_id": personal_id, "full_name": "Nông Văn A", "gender": "male", "birth_year": 1990,
        "contract_type": "indefinite", "severity": severity, "days_off": 3,
        "costs": {"medical_thousand_vnd": 1500, "wages_thousand_vnd": 800, "compensation_thousand_vnd": 0}
    })
}

fn declaration(tax: &str, severity: &str) -> Value {
    let at = (Utc::now() - Duration::hours(5)).to_rfc3339();
    json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax},
        "occurred_at": at, "notified_at": at, "police_notified_at": at,
        "place": {"commune_code": "01273", "address": "Khai trường mỏ, tổ 5"},
        "description": "Sạt lở đất đá tại khai trường.", "cause_codes": ["1"],
        "casualties": [casualty("004090012345", severity)]
    })
}

/// The investigation an employer would like to record: its own team, "not an
/// occupational accident", announced today.
fn record(team_level: &str, occupational: bool) -> Value {
    json!({
        "team_level": team_level, "decision_number": "01/QĐ-ĐTTNLĐ", "members": [],
        "is_occupational_accident": occupational,
        "record_announced_on": shared::time::today().to_string()
    })
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    version: i64,
    body: &Value,
) -> Response {
    app.svc
        .client
        .request(method, app.svc.url(path))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn declared(app: &TestApp, token: &str, tax: &str, severity: &str) -> Value {
    let res = app
        .post("/api/v1/accidents", token, &declaration(tax, severity))
        .await;
    assert_eq!(res.status().as_u16(), 201);
    json_of(res).await
}

fn to(status: &str) -> Value {
    json!({"status": status, "change_reason": "Theo biên bản điều tra"})
}

/// Records the investigation, then walks the case to `closed`, as `token`; the
/// statuses of each answer.
async fn investigate_and_close(app: &TestApp, token: &str, id: &str, team: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    let mut version = 1;
    let res = send(
        app,
        token,
        Method::PUT,
        &format!("/api/v1/accidents/{id}/investigation"),
        version,
        &record(team, false),
    )
    .await;
    statuses.push(res.status().as_u16());
    if res.status().is_success() {
        version += 1;
    }
    for status in ["under_investigation", "record_announced", "closed"] {
        let res = send(
            app,
            token,
            Method::POST,
            &format!("/api/v1/accidents/{id}/status"),
            version,
            &to(status),
        )
        .await;
        statuses.push(res.status().as_u16());
        if res.status().is_success() {
            version += 1;
        }
    }
    statuses
}

#[tokio::test]
async fn an_employer_cannot_clear_its_own_fatal_accident() {
    let app = spawn_app().await;
    let tax = tax_code(41);
    app.create_establishment(&establishment(&tax)).await;
    let employer = app.token(Role::Enterprise, Some(&tax));
    let accident = declared(&app, &employer, &tax, "fatal").await;
    assert_eq!(accident["investigation"]["level"], "provincial");
    let id = accident["id"].as_str().unwrap();

    let res = send(
        &app,
        &employer,
        Method::PUT,
        &format!("/api/v1/accidents/{id}/investigation"),
        1,
        &record("employer", false),
    )
    .await;
    let problem = assert_problem(res, 403, "investigation_not_yours").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("Sở Nội vụ"),
        "{problem}"
    );
    for status in ["under_investigation", "record_announced", "closed"] {
        assert_problem(
            send(
                &app,
                &employer,
                Method::POST,
                &format!("/api/v1/accidents/{id}/status"),
                1,
                &to(status),
            )
            .await,
            403,
            "investigation_not_yours",
        )
        .await;
    }

    // Nothing changed: still declared, version 1, no investigation.
    let after = json_of(app.get(&format!("/api/v1/accidents/{id}"), &employer).await).await;
    assert_eq!(after["status"], "declared");
    assert_eq!(after["version"], 1);
    assert_problem(
        app.get(&format!("/api/v1/accidents/{id}/investigation"), &employer)
            .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn sở_nội_vụ_records_and_closes_the_provincial_case() {
    let app = spawn_app().await;
    let tax = tax_code(42);
    app.create_establishment(&establishment(&tax)).await;
    let employer = app.token(Role::Enterprise, Some(&tax));
    let accident = declared(&app, &employer, &tax, "fatal").await;
    let id = accident["id"].as_str().unwrap();

    let labour = app.token(Role::LaborAuthority, Some("SNV"));
    assert_eq!(
        investigate_and_close(&app, &labour, id, "employer").await,
        [200, 200, 200, 200]
    );
    let after = json_of(app.get(&format!("/api/v1/accidents/{id}"), &employer).await).await;
    assert_eq!(after["status"], "closed");
}

#[tokio::test]
async fn an_employer_records_and_closes_its_own_minor_case() {
    let app = spawn_app().await;
    let tax = tax_code(43);
    app.create_establishment(&establishment(&tax)).await;
    let employer = app.token(Role::Enterprise, Some(&tax));
    let minor = declared(&app, &employer, &tax, "minor").await;
    assert_eq!(minor["investigation"]["level"], "employer");
    let id = minor["id"].as_str().unwrap();

    // Another employer does not see the case at all.
    let other_tax = tax_code(44);
    app.create_establishment(&establishment(&other_tax)).await;
    let other = app.token(Role::Enterprise, Some(&other_tax));
    assert_eq!(
        investigate_and_close(&app, &other, id, "employer").await,
        [404, 404, 404, 404]
    );

    // Its own team only: a provincial team's record is not the employer's to make.
    assert_problem(
        send(
            &app,
            &employer,
            Method::PUT,
            &format!("/api/v1/accidents/{id}/investigation"),
            1,
            &record("provincial", true),
        )
        .await,
        403,
        "investigation_team_not_yours",
    )
    .await;
    assert_eq!(
        investigate_and_close(&app, &employer, id, "employer").await,
        [200, 200, 200, 200]
    );
}

#[tokio::test]
async fn a_serious_case_of_one_worker_is_the_employers_until_sở_nội_vụ_takes_it_over() {
    let app = spawn_app().await;
    let tax = tax_code(45);
    app.create_establishment(&establishment(&tax)).await;
    let employer = app.token(Role::Enterprise, Some(&tax));
    let labour = app.token(Role::LaborAuthority, Some("SNV"));
    let serious = declared(&app, &employer, &tax, "serious").await;
    assert_eq!(serious["investigation"]["level"], "employer");
    let id = serious["id"].as_str().unwrap();
    let path = format!("/api/v1/accidents/{id}/investigation");

    let res = send(
        &app,
        &employer,
        Method::PUT,
        &path,
        1,
        &record("employer", true),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200, "{}", json_of(res).await);
    // Re-investigated by the provincial team (after a complaint): its record stands.
    let res = send(
        &app,
        &labour,
        Method::PUT,
        &path,
        2,
        &record("provincial", true),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200, "{}", json_of(res).await);
    assert_problem(
        send(
            &app,
            &employer,
            Method::PUT,
            &path,
            3,
            &record("employer", false),
        )
        .await,
        403,
        "investigation_team_not_yours",
    )
    .await;
    let kept = json_of(app.get(&path, &employer).await).await;
    assert_eq!(kept["record"]["team_level"], "provincial", "{kept}");
}

#[tokio::test]
async fn a_raise_to_fatal_takes_the_case_away_from_the_employer() {
    let app = spawn_app().await;
    let tax = tax_code(46);
    app.create_establishment(&establishment(&tax)).await;
    let employer = app.token(Role::Enterprise, Some(&tax));
    let accident = declared(&app, &employer, &tax, "minor").await;
    let id = accident["id"].as_str().unwrap();
    let casualty = accident["casualties"][0]["id"].as_str().unwrap();
    let res = send(
        &app,
        &employer,
        Method::POST,
        &format!("/api/v1/accidents/{id}/casualties/{casualty}/severity"),
        1,
        &json!({"severity": "fatal", "document_reference": "Giấy báo tử số 12"}),
    )
    .await;
    assert_eq!(json_of(res).await["investigation"]["level"], "provincial");
    assert_problem(
        send(
            &app,
            &employer,
            Method::POST,
            &format!("/api/v1/accidents/{id}/status"),
            2,
            &to("under_investigation"),
        )
        .await,
        403,
        "investigation_not_yours",
    )
    .await;
}

#[tokio::test]
async fn a_commune_investigates_the_no_contract_cases_it_declared() {
    let app = spawn_app().await;
    let commune = app.token(Role::Commune, Some("01273"));
    let at = (Utc::now() - Duration::hours(5)).to_rfc3339();
    let mut body = json!({
        "sector": "without_labour_contract",
        "occurred_at": at, "notified_at": at, "police_notified_at": at,
        "place": {"commune_code": "01273", "address": "Nương ngô, xóm Nà Cáp"},
        "description": "Ngã khi làm thuê.", "cause_codes": ["1"],
        "casualties": [casualty("004090012399", "fatal")]
    });
    body["casualties"][0]["contract_type"] = json!("none");
    let res = app.post("/api/v1/accidents", &commune, &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let accident = json_of(res).await;
    assert_eq!(accident["investigation"]["level"], "commune");
    let id = accident["id"].as_str().unwrap();
    // An employer may not declare for workers without a labour contract.
    let tax = tax_code(47);
    app.create_establishment(&establishment(&tax)).await;
    assert_problem(
        app.post(
            "/api/v1/accidents",
            &app.token(Role::Enterprise, Some(&tax)),
            &body,
        )
        .await,
        403,
        "sector_not_yours",
    )
    .await;
    assert_eq!(
        investigate_and_close(&app, &commune, id, "commune").await,
        [200, 200, 200, 200]
    );
}

#[tokio::test]
async fn bhxh_reads_the_claim_dossier_of_a_casualty_in_its_feed_only() {
    let app = spawn_app().await;
    let tax = tax_code(48);
    app.create_establishment(&establishment(&tax)).await;
    let labour = app.token(Role::LaborAuthority, Some("SNV"));
    let insurer = app.token(Role::Insurer, Some("BHXH"));
    let confirmed = declared(&app, &labour, &tax, "fatal").await;
    let pending = declared(&app, &labour, &tax, "serious").await;
    let dossier = |a: &Value| {
        format!(
            "/api/v1/exchange/bhxh/accident-cases/{}/dossier",
            a["casualties"][0]["id"].as_str().unwrap()
        )
    };
    let mut announced = record("provincial", true);
    announced["conclusions"] = json!("Không huấn luyện an toàn.");
    let id = confirmed["id"].as_str().unwrap();
    let res = send(
        &app,
        &labour,
        Method::PUT,
        &format!("/api/v1/accidents/{id}/investigation"),
        1,
        &announced,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let decision = json!([{
        "decision_number": "123/QĐ-BHXH", "decision_date": shared::time::today().to_string(),
        "personal_id": "004090012345", "case_reference": confirmed["casualties"][0]["id"],
        "capacity_loss_percent": 21, "benefit_type": "one_time", "amount_vnd": 1000000,
        "status": "issued"
    }]);
    let res = app
        .post(
            "/api/v1/exchange/bhxh/benefit-decisions",
            &insurer,
            &decision,
        )
        .await;
    let sent = json_of(res).await;
    assert_eq!(sent["items"][0]["status"], "created", "{sent}");
    assert_eq!(sent["items"][0]["matched"], true, "{sent}");

    let res = app.get(&dossier(&confirmed), &insurer).await;
    assert_eq!(res.status().as_u16(), 200);
    let d = json_of(res).await;
    assert_eq!(d["is_occupational_accident"], true);
    assert_eq!(d["investigation_level"], "provincial");
    assert_eq!(d["record_reference"], "01/QĐ-ĐTTNLĐ");
    assert_eq!(d["capacity_loss_percent"], 21);
    assert_eq!(d["conclusions"], "Không huấn luyện an toàn.");
    // Minimal: no identity of the person.
    let text = d.to_string();
    assert!(
        !text.contains("004090012345") && !text.contains("Nông Văn A"),
        "{d}"
    );

    // Not (yet) in the feed: 404 to BHXH, as for a casualty that does not exist.
    assert_problem(
        app.get(&dossier(&pending), &insurer).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            "/api/v1/exchange/bhxh/accident-cases/00000000-0000-7000-8000-000000000000/dossier",
            &insurer,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Sở Nội vụ reads any dossier; an employer none.
    assert_eq!(
        app.get(&dossier(&confirmed), &labour)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_problem(
        app.get(
            &dossier(&confirmed),
            &app.token(Role::Enterprise, Some(&tax)),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // The insurer's read left an audit entry on the casualty (no values).
    let audit = json_of(
        app.get(
            &format!(
                "/api/v1/audit-events?resource_id={}",
                confirmed["casualties"][0]["id"].as_str().unwrap()
            ),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "read" && e["actor"].as_str().unwrap().contains("insurer")),
        "{audit}"
    );
}
