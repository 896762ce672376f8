use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_of, spawn_app, tax_code};

pub fn establishment(n: u32, commune: &str) -> Value {
    json!({"tax_code": tax_code(n), "name": format!("Cơ sở {n}"), "commune_code": commune, "vsic_code": "07100", "ownership_type": "2"})
}

pub fn report(period: &str, n: u32, commune: &str, workers: u32, bnn_examined: u32) -> Value {
    json!({
        "period": period,
        "establishment": establishment(n, commune),
        "figures": {
            "workers": {"total": workers, "female": 10},
            "hazardous_workers": {"total": bnn_examined, "female": 0},
            "periodic_exams": workers,
            "exposed_workers": bnn_examined,
            "bnn_examined": bnn_examined,
            "bnn_by_disease": [{"disease_code": "BNN-18", "suspected": 2, "confirmed": 1}]
        }
    })
}

pub async fn file(app: &TestApp, body: &Value) -> Value {
    let res = app
        .post("/api/v1/health-exam-reports", &app.admin(), body)
        .await;
    let status = res.status().as_u16();
    let json = json_of(res).await;
    assert_eq!(status, 201, "{json}");
    json
}

#[tokio::test]
async fn a_report_is_filed_with_a_receipt_and_its_establishment_is_remembered() {
    let app = spawn_app().await;
    let filed = file(&app, &report("2025", 1, "01273", 100, 40)).await;
    assert_eq!(filed["receipt"]["kind"], "health_exam_report");
    assert_eq!(filed["vsic_section"], "B");
    assert_eq!(filed["due_on"], "2026-01-10");
    assert_eq!(filed["on_time"], false, "filed after 10 January 2026");
    let verified = json_of(
        app.post("/api/v1/receipts/verify", &app.admin(), &filed["receipt"])
            .await,
    )
    .await;
    assert_eq!(verified["valid"], true);
}

#[tokio::test]
async fn inconsistent_figures_are_refused_with_pointers() {
    let app = spawn_app().await;
    let mut body = report("2026", 2, "01273", 100, 40);
    body["figures"]["bnn_examined"] = json!(500);
    body["figures"]["bnn_by_disease"][0]["disease_code"] = json!("BNN-99");
    let problem = assert_problem(
        app.post("/api/v1/health-exam-reports", &app.admin(), &body)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/figures/bnn_examined"), "{pointers:?}");
    assert!(
        pointers.contains(&"/figures/bnn_by_disease/0/disease_code"),
        "{pointers:?}"
    );
    let mut bad_tax = report("2026", 2, "01273", 100, 40);
    bad_tax["establishment"]["tax_code"] = json!("0100047517");
    let problem = assert_problem(
        app.post("/api/v1/health-exam-reports", &app.admin(), &bad_tax)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/establishment/tax_code");
}

#[tokio::test]
async fn a_second_filing_needs_a_reason_and_makes_a_version() {
    let app = spawn_app().await;
    file(&app, &report("2026", 3, "01273", 100, 40)).await;
    let again = report("2026", 3, "01273", 120, 50);
    let problem = assert_problem(
        app.post("/api/v1/health-exam-reports", &app.admin(), &again)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/change_reason");
    assert_eq!(problem["errors"][0]["code"], "change_reason_required");
    let mut corrected = again;
    corrected["change_reason"] = json!("Bổ sung số liệu khám phát hiện bệnh nghề nghiệp");
    let res = app
        .post("/api/v1/health-exam-reports", &app.admin(), &corrected)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(json_of(res).await["version"], 2);
}

#[tokio::test]
async fn an_enterprise_files_and_reads_only_its_own() {
    let app = spawn_app().await;
    let theirs = file(&app, &report("2026", 4, "01273", 100, 40)).await;
    let mine = app.token(Role::Enterprise, Some(&tax_code(5)));
    let res = app
        .post(
            "/api/v1/health-exam-reports",
            &mine,
            &report("2026", 5, "01273", 50, 10),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    assert_problem(
        app.post(
            "/api/v1/health-exam-reports",
            &mine,
            &report("2026", 6, "01273", 50, 10),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!(
                "/api/v1/health-exam-reports/{}",
                theirs["id"].as_str().unwrap()
            ),
            &mine,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let list = json_of(app.get("/api/v1/health-exam-reports", &mine).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.get(
            "/api/v1/health-exam-reports",
            &app.token(Role::Viewer, None),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

/// Every statutory filing answers a refiling without a reason alike: 422,
/// `change_reason_required` at `/change_reason`, and nothing changes.
#[tokio::test]
async fn a_refiling_without_a_reason_is_422_change_reason_required() {
    let app = spawn_app().await;
    let body = report("2026", 9, "01273", 100, 40);
    let filed = file(&app, &body).await;
    for reason in [None, Some("  ")] {
        let mut again = body.clone();
        if let Some(r) = reason {
            again["change_reason"] = json!(r);
        }
        let problem = assert_problem(
            app.post("/api/v1/health-exam-reports", &app.admin(), &again)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["pointer"], "/change_reason");
        assert_eq!(problem["errors"][0]["code"], "change_reason_required");
    }
    let id = filed["id"].as_str().unwrap();
    let stored = json_of(
        app.get(&format!("/api/v1/health-exam-reports/{id}"), &app.admin())
            .await,
    )
    .await;
    assert_eq!(stored["version"], 1);
}
