//! Prefilled drafts of plan reports: tasks, the report so far, live figures.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_of, spawn_app, spawn_app_with_upstream};
use crate::stub::{self, at};

const DRAFT: &str = "/api/v1/plan-reports/draft";

async fn draft(app: &TestApp, token: &str, query: &str) -> Value {
    app.get_json(&format!("{DRAFT}?{query}"), token).await
}

fn source<'a>(draft: &'a Value, key: &str) -> &'a Value {
    draft["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no source {key} in {draft}"))
}

#[tokio::test]
async fn a_draft_has_the_agencys_tasks_and_says_why_figures_are_missing() {
    let app = spawn_app().await;
    let d = draft(&app, &app.agency("SYT"), "agency=SYT&period=2025").await;
    let tasks = app.tasks_of("SYT").await;
    assert_eq!(d["report"]["agency"], "SYT");
    assert_eq!(d["report"]["period"], "2025");
    assert_eq!(d["report"]["plan_id"], app.plan_id().await.as_str());
    assert_eq!(d["agency_name"], "Sở Y tế");
    assert_eq!(d["due_on"], "2025-12-15");
    assert!(d["existing_report"].is_null());
    let narrative = d["report"]["narrative"].as_array().unwrap();
    assert_eq!(narrative.len(), tasks.len());
    for (n, t) in narrative.iter().zip(&tasks) {
        assert_eq!(n["task_id"], t["id"]);
        assert_eq!(n["text"], "");
    }
    assert_eq!(d["tasks"].as_array().unwrap().len(), tasks.len());
    assert!(d["tasks"][0]["role"].is_string(), "{d}");
    assert_eq!(d["report"]["figures"]["tasks_assigned"], tasks.len());
    assert_eq!(d["report"]["attachments"], json!([]));
    let keys: Vec<&str> = d["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["health_statistics", "monitoring_statistics"]);
    for key in keys {
        let s = source(&d, key);
        assert_eq!(s["available"], false);
        assert_eq!(s["unavailable"]["reason"], "not_configured", "{s}");
    }

    // Monitoring is yearly: no figure for a half-year, and none asked for.
    let h1 = draft(&app, &app.labor(), "agency=SYT&period=2025-H1").await;
    assert_eq!(h1["due_on"], "2025-06-15");
    assert_eq!(
        source(&h1, "monitoring_statistics")["unavailable"]["reason"],
        "not_applicable"
    );
    // An agency no statistics concern gets its tasks only.
    let press = draft(&app, &app.agency("BCB"), "agency=BCB&period=2025").await;
    assert_eq!(press["sources"], json!([]));
    assert!(
        press["report"]["figures"]["tasks_assigned"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn an_agency_drafts_only_its_own_report() {
    let app = spawn_app().await;
    for token in [app.agency("SXD"), app.token(Role::Viewer, None)] {
        assert_problem(
            app.get(&format!("{DRAFT}?agency=SYT&period=2025"), &token)
                .await,
            403,
            "forbidden",
        )
        .await;
    }
    draft(&app, &app.admin(), "agency=SXD&period=2025").await;
    let unknown = assert_problem(
        app.get(&format!("{DRAFT}?agency=XYZ&period=2025"), &app.labor())
            .await,
        400,
        "unknown_agency",
    )
    .await;
    assert_eq!(unknown["errors"][0]["parameter"], "agency", "{unknown}");
    assert_problem(
        app.get(&format!("{DRAFT}?agency=SYT&period=2025-H2"), &app.labor())
            .await,
        400,
        "invalid_report_period",
    )
    .await;
    assert_problem(
        app.get(&format!("{DRAFT}?agency=SYT&period=soon"), &app.labor())
            .await,
        400,
        "invalid_period",
    )
    .await;
    // An agency with nothing to report on in the plan.
    let res = app
        .post(
            "/api/v1/agencies",
            &app.admin(),
            &json!({"code": "SGDDT", "name": "Sở Giáo dục và Đào tạo", "kind": "department", "valid_from": "2025-03-01"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    assert_problem(
        app.get(&format!("{DRAFT}?agency=SGDDT&period=2025"), &app.labor())
            .await,
        400,
        "not_assigned",
    )
    .await;
}

#[tokio::test]
async fn a_draft_starts_from_the_report_already_filed_and_files_as_a_new_version() {
    let app = spawn_app().await;
    let syt = app.agency("SYT");
    let tasks = app.tasks_of("SYT").await;
    let body = json!({
        "plan_id": app.plan_id().await,
        "period": "2025",
        "narrative": [{"task_id": tasks[0]["id"], "text": "Đã khám phát hiện bệnh nghề nghiệp cho 1.200 người lao động.", "progress": "in_progress"}],
        "figures": {"training_courses": 3},
        "attachments": [{"name": "Báo cáo năm", "reference": "456/BC-SYT"}]
    });
    let res = app.post("/api/v1/plan-reports", &syt, &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let filed = json_of(res).await;

    let d = draft(&app, &syt, "agency=SYT&period=2025").await;
    assert_eq!(d["existing_report"]["id"], filed["id"]);
    assert_eq!(d["existing_report"]["status"], "submitted");
    assert_eq!(d["existing_report"]["version"], 1);
    let mut report = d["report"].clone();
    assert_eq!(report["narrative"][0], body["narrative"][0]);
    assert_eq!(report["narrative"][1]["text"], "");
    assert_eq!(report["figures"]["training_courses"], 3);
    assert_eq!(report["attachments"], body["attachments"]);

    // Written in, the draft is what the agency files.
    for n in report["narrative"].as_array_mut().unwrap() {
        if n["text"] == "" {
            n["text"] = json!("Đã triển khai theo Kế hoạch.");
        }
    }
    let res = app.post("/api/v1/plan-reports", &syt, &report).await;
    let status = res.status().as_u16();
    let again = json_of(res).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["version"], 2);
    assert_eq!(again["figures"]["tasks_assigned"], tasks.len());
}

#[tokio::test]
async fn live_figures_come_from_the_other_services_with_the_callers_token() {
    let stub = stub::start().await;
    let app = spawn_app_with_upstream(&stub.url, 3000).await;
    let labor = app.labor();
    stub.allow(&labor);

    // Sở Xây dựng: the construction row (VSIC F) of the accident statistics.
    let sxd = app.agency("SXD");
    let res = app
        .request(
            Method::GET,
            &format!("{DRAFT}?agency=SXD&period=2025-H1"),
            Some(&sxd),
            None,
            &[("x-request-id", "draft-e2e-1")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let d = json_of(res).await;
    assert_eq!(source(&d, "construction_accidents")["available"], true);
    assert_eq!(
        d["report"]["figures"]["construction_accidents"],
        json!({"cases": 2, "cases_fatal": 1, "casualties": 3, "fatal": 1, "serious": 2})
    );
    let seen = stub.seen();
    let call = seen
        .iter()
        .find(|s| s.uri.starts_with("/api/v1/accident-statistics"))
        .unwrap();
    assert_eq!(
        call.uri,
        "/api/v1/accident-statistics?group_by=vsic_section&period=2025-H1"
    );
    assert_eq!(
        call.authorization.as_deref(),
        Some(&*format!("Bearer {sxd}"))
    );
    assert_eq!(call.request_id.as_deref(), Some("draft-e2e-1"));

    // Sở Công Thương: no manufacturing row means none recorded.
    let sct = draft(&app, &app.agency("SCT"), "agency=SCT&period=2025").await;
    assert_eq!(
        at(&sct, "/report/figures/manufacturing_accidents/fatal"),
        0,
        "{sct}"
    );

    // A commune committee: its own agency token may not list accidents there...
    let xa = draft(
        &app,
        &app.agency("UBND-XA-01273"),
        "agency=UBND-XA-01273&period=2025",
    )
    .await;
    let s = source(&xa, "commune_accidents");
    assert_eq!(s["available"], false);
    assert_eq!(s["unavailable"]["reason"], "upstream_error");
    assert_eq!(s["unavailable"]["detail"], "HTTP 403");
    assert!(xa["report"]["figures"].get("commune_accidents").is_none());
    // ...Sở Nội vụ's may, and the draft counts them.
    let by_labor = draft(&app, &labor, "agency=UBND-XA-01273&period=2025").await;
    assert_eq!(
        by_labor["report"]["figures"]["commune_accidents"],
        json!({"accidents": 2, "casualties": 3, "fatal": 1, "serious": 1})
    );
    assert!(
        stub.seen()
            .iter()
            .any(|s| s.uri == "/api/v1/accidents?limit=500&period=2025&commune_code=01273")
    );

    // Sở Y tế's sources are not served by the stub: unavailable, with the status.
    let syt = draft(&app, &app.agency("SYT"), "agency=SYT&period=2025").await;
    assert_eq!(
        source(&syt, "health_statistics")["unavailable"]["detail"],
        "HTTP 404"
    );
}
