use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, establishment, json_of, spawn_app, tax_code};

fn counts(cases: u32, casualties: u32, fatal: u32, serious: u32) -> Value {
    json!({"cases": cases, "cases_fatal": fatal.min(cases), "cases_multi": 0, "casualties": casualties, "female": 0, "fatal": fatal, "serious": serious})
}

/// The current half-year report period if it is H1, else the year (both are reporting periods).
fn period() -> String {
    let today = shared::time::today();
    if today.month() <= 6 {
        format!("{}-H1", today.year())
    } else {
        today.year().to_string()
    }
}

fn report(tax: &str, totals: Value, by_cause: Vec<Value>) -> Value {
    json!({
        "kind": "employer", "period": period(), "establishment": {"tax_code": tax},
        "workers": {"total": 120, "female": 30},
        "figures": {"totals": totals, "by_cause": by_cause, "damage": {"days_off": 10, "cost_medical_thousand_vnd": 100, "cost_wages_thousand_vnd": 50, "cost_compensation_thousand_vnd": 0}}
    })
}

async fn declare_one(app: &TestApp, tax: &str) {
    let at = Utc::now() - Duration::hours(2);
    let body = json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax},
        "occurred_at": at.to_rfc3339(), "notified_at": at.to_rfc3339(),
        "place": {"commune_code": "01273", "address": "x"}, "description": "x", "cause_codes": ["1"],
        "casualties": [{"personal_id": "004090012345", "full_name": "A", "gender": "male", "birth_year": 1990,
                        "contract_type": "indefinite", "severity": "serious"}]
    });
    assert_eq!(
        app.post("/api/v1/accidents", &app.admin(), &body)
            .await
            .status()
            .as_u16(),
        201
    );
}

#[tokio::test]
async fn breakdown_rows_that_do_not_add_up_are_refused_with_pointers() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    let body = report(
        &tax_code(1),
        counts(2, 2, 0, 1),
        vec![json!({"code": "1", "counts": counts(1, 1, 0, 1)})],
    );
    let problem = assert_problem(
        app.post("/api/v1/accident-reports", &app.admin(), &body)
            .await,
        422,
        "validation_failed",
    )
    .await;
    let errors = problem["errors"].as_array().unwrap();
    assert!(
        errors.iter().all(
            |e| e["pointer"] == "/figures/by_cause" && e["code"] == "breakdown_does_not_add_up"
        ),
        "{problem}"
    );
    assert_eq!(errors.len(), 2, "cases and casualties differ");
}

#[tokio::test]
async fn totals_that_differ_from_declared_accidents_are_accepted_with_warnings() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(2))).await;
    declare_one(&app, &tax_code(2)).await;
    // Reports no accident although one was declared.
    let body = report(&tax_code(2), counts(0, 0, 0, 0), vec![]);
    let res = app
        .post("/api/v1/accident-reports", &app.admin(), &body)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let filed = json_of(res).await;
    let codes: Vec<&str> = filed["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["differs_from_declarations", "differs_from_declarations"],
        "{filed}"
    );
    assert_eq!(filed["warnings"][0]["pointer"], "/figures/totals/cases");
    assert_eq!(filed["on_time"], true);
    assert_eq!(filed["receipt"]["kind"], "accident_report");

    // Filing again needs a reason, and makes version 2.
    let matching = report(
        &tax_code(2),
        counts(1, 1, 0, 1),
        vec![json!({"code": "1", "counts": counts(1, 1, 0, 1)})],
    );
    let problem = assert_problem(
        app.post("/api/v1/accident-reports", &app.admin(), &matching)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/change_reason");
    assert_eq!(problem["errors"][0]["code"], "change_reason_required");
    let mut corrected = matching.clone();
    corrected["change_reason"] = json!("Bổ sung vụ tai nạn ngày 02/03");
    let res = app
        .post("/api/v1/accident-reports", &app.admin(), &corrected)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let v2 = json_of(res).await;
    assert_eq!(v2["version"], 2);
    assert!(v2.get("warnings").is_none(), "{v2}");
    assert_eq!(v2["first_received_at"], filed["first_received_at"]);
    let revisions = json_of(
        app.get(
            &format!(
                "/api/v1/accident-reports/{}/revisions",
                v2["id"].as_str().unwrap()
            ),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(revisions["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_nil_report_counts_as_filed_and_an_absent_one_does_not() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(3))).await;
    app.create_establishment(&establishment(&tax_code(4))).await;
    let enterprise = app.token(Role::Enterprise, Some(&tax_code(3)));
    let nil = json!({"kind": "employer", "period": period(), "establishment": {"tax_code": tax_code(3)},
                     "workers": {"total": 50}, "nil_report": true});
    let res = app
        .post("/api/v1/accident-reports", &enterprise, &nil)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(json_of(res).await["nil_report"], true);

    let mut nil_with_figures = nil.clone();
    nil_with_figures["figures"] = json!({"totals": counts(0, 0, 0, 0)});
    nil_with_figures["establishment"] = json!({"tax_code": tax_code(4)});
    assert_problem(
        app.post("/api/v1/accident-reports", &app.admin(), &nil_with_figures)
            .await,
        422,
        "validation_failed",
    )
    .await;

    let compliance = json_of(
        app.get(
            &format!(
                "/api/v1/accident-reports/compliance?period={}&kind=employer",
                period()
            ),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(compliance["summary"]["expected"], 2);
    assert_eq!(compliance["summary"]["on_time"], 1);
    assert_eq!(
        compliance["summary"]["returned"], 0,
        "accident reports are never returned"
    );
    assert!(compliance.get("total").is_none(), "counted only when asked");
    let items = compliance["items"].as_array().unwrap();
    let filed = items.iter().find(|i| i["nil_report"] == true).unwrap();
    assert_eq!(filed["status"], "on_time");
    let absent = items.iter().find(|i| i["nil_report"].is_null()).unwrap();
    // Absent: missing once due, otherwise not yet due, never filed.
    assert!(
        absent["status"] == "missing" || absent["status"] == "not_yet_due",
        "{absent}"
    );
    let last_year = json_of(
        app.get(
            &format!(
                "/api/v1/accident-reports/compliance?period={}&kind=employer",
                shared::time::today().year() - 1
            ),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(
        last_year["summary"]["missing"], 2,
        "last year's reports are all missing"
    );
    assert_eq!(last_year["summary"]["filed_percent"], 0.0);

    // Paged one reporter at a time, the summary still counts both and the total says 2.
    let url = format!(
        "/api/v1/accident-reports/compliance?period={}&kind=employer&limit=1&total=true",
        period()
    );
    let first = json_of(app.get(&url, &app.admin()).await).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1), "{first}");
    assert_eq!(
        (
            first["total"].as_i64(),
            first["summary"]["expected"].as_i64()
        ),
        (Some(2), Some(2))
    );
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = json_of(
        app.get(&format!("{url}&cursor={cursor}"), &app.admin())
            .await,
    )
    .await;
    assert_eq!(
        second["items"].as_array().map(Vec::len),
        Some(1),
        "{second}"
    );
    assert_ne!(
        second["items"][0]["reporter"],
        first["items"][0]["reporter"]
    );
    assert!(second["next_cursor"].is_null(), "{second}");
}

#[tokio::test]
async fn reporters_see_and_file_only_their_own() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(5))).await;
    app.create_establishment(&establishment(&tax_code(6))).await;
    let theirs = json_of(
        app.post(
            "/api/v1/accident-reports",
            &app.admin(),
            &report(&tax_code(6), counts(0, 0, 0, 0), vec![]),
        )
        .await,
    )
    .await;
    let mine = app.token(Role::Enterprise, Some(&tax_code(5)));
    let res = app
        .get(
            &format!(
                "/api/v1/accident-reports/{}",
                theirs["id"].as_str().unwrap()
            ),
            &mine,
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let list = json_of(app.get("/api/v1/accident-reports", &mine).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let res = app
        .post(
            "/api/v1/accident-reports",
            &mine,
            &report(&tax_code(6), counts(0, 0, 0, 0), vec![]),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "unknown_establishment");
    // A commune files for itself only.
    let commune = app.token(Role::Commune, Some("01273"));
    let own =
        json!({"kind": "commune", "period": period(), "commune_code": "01273", "nil_report": true});
    assert_eq!(
        app.post("/api/v1/accident-reports", &commune, &own)
            .await
            .status()
            .as_u16(),
        201
    );
    let other =
        json!({"kind": "commune", "period": period(), "commune_code": "01279", "nil_report": true});
    assert_problem(
        app.post("/api/v1/accident-reports", &commune, &other).await,
        403,
        "report_not_yours",
    )
    .await;
    let res = app.post("/api/v1/accident-reports", &app.admin(), &json!({"kind": "employer", "period": "2025-H2", "establishment": {"tax_code": tax_code(5)}, "workers": {"total": 1}, "nil_report": true})).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/period");
}

/// Every statutory filing (accident, health-exam, monitoring, plan reports) answers a
/// refiling without a reason alike: 422, `change_reason_required` at `/change_reason`,
/// and nothing changes.
#[tokio::test]
async fn a_refiling_without_a_reason_is_422_change_reason_required() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(7))).await;
    let body = json!({
        "kind": "employer", "period": period(), "establishment": {"tax_code": tax_code(7)},
        "nil_report": true, "workers": {"total": 10}
    });
    let res = app
        .post("/api/v1/accident-reports", &app.admin(), &body)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let filed = json_of(res).await;
    for reason in [None, Some("   ")] {
        let mut again = body.clone();
        if let Some(r) = reason {
            again["change_reason"] = json!(r);
        }
        let problem = assert_problem(
            app.post("/api/v1/accident-reports", &app.admin(), &again)
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
        app.get(&format!("/api/v1/accident-reports/{id}"), &app.admin())
            .await,
    )
    .await;
    assert_eq!(stored["version"], 1);
}
