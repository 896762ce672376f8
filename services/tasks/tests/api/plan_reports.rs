use chrono::Datelike;
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, first_error, json_of, spawn_app};

/// A period whose due date has not come yet, and one long past.
fn periods() -> (String, String) {
    let today = shared::time::today();
    let year = today.year();
    let open = if today < chrono::NaiveDate::from_ymd_opt(year, 12, 8).unwrap() {
        year.to_string()
    } else {
        format!("{}-H1", year + 1)
    };
    (open, (year - 1).to_string())
}

async fn report_body(app: &TestApp, agency: &str, period: &str) -> Value {
    let task = app.tasks_of(agency).await[0]["id"].clone();
    json!({
        "plan_id": app.plan_id().await,
        "period": period,
        "narrative": [{"task_id": task, "text": "Đã tổ chức 3 lớp tập huấn về an toàn, vệ sinh lao động.", "progress": "in_progress"}],
        "figures": {"training_courses": 3},
        "attachments": [{"name": "Báo cáo 6 tháng", "reference": "123/BC"}]
    })
}

async fn submit(app: &TestApp, agency: &str, body: &Value) -> Value {
    let res = app
        .post("/api/v1/plan-reports", &app.agency(agency), body)
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    json_of(res).await
}

async fn compliance(app: &TestApp, period: &str, query: &str) -> Value {
    app.get_json(
        &format!("/api/v1/compliance?period={period}{query}"),
        &app.token(Role::Viewer, None),
    )
    .await
}

fn status_of(c: &Value, agency: &str) -> String {
    c["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agency"] == agency)
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_report_is_on_time_before_its_due_date_late_after_it_and_missing_when_never_sent() {
    let app = spawn_app().await;
    let (open, past) = periods();
    let on_time = submit(&app, "SYT", &report_body(&app, "SYT", &open).await).await;
    assert_eq!(on_time["on_time"], true);
    assert_eq!(on_time["status"], "submitted");
    assert_eq!(on_time["receipt"]["kind"], "plan_report");
    let late = submit(&app, "SCT", &report_body(&app, "SCT", &past).await).await;
    assert_eq!(late["on_time"], false);
    assert_eq!(late["due_on"], format!("{past}-12-15"));

    let c = compliance(&app, &past, "").await;
    assert_eq!(status_of(&c, "SCT"), "late");
    assert_eq!(status_of(&c, "SYT"), "missing");
    assert!(c["summary"]["missing"].as_u64().unwrap() > 10);
    assert_eq!(c["summary"]["late"], 1);
    // The district committees closed before 15 December: the commune committees
    // that took over their tasks report, each on its own.
    assert_eq!(status_of(&c, "UBND-XA-01273"), "missing");
    assert_eq!(status_of(&c, "UBND-XA"), "");
    assert_eq!(status_of(&c, "UBND-HOAAN"), "");
    let open_c = compliance(&app, &open, "").await;
    assert_eq!(status_of(&open_c, "SYT"), "on_time");
    assert_eq!(status_of(&open_c, "SCT"), "not_yet_due");
    // SYT reported its first task as still under way; SCT has not reported yet.
    let reported = app.tasks_of("SYT").await[0]["id"].clone();
    let task = open_c["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task_id"] == reported)
        .unwrap()
        .clone();
    let part = |agency: &str| {
        task["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agency"] == agency)
            .map(|a| a["status"].clone())
    };
    assert_eq!(part("SYT"), Some(json!("in_progress")), "{task}");
    assert_eq!(part("SCT"), Some(json!("assigned")), "{task}");
    assert_eq!(task["status"], "assigned", "the worst of its agencies");
    let item_3 = open_c["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item"] == 3)
        .unwrap()
        .clone();
    assert_eq!(item_3["status"], "submitted", "{item_3}");
    let past_c = compliance(&app, &past, "").await;
    let item_3 = past_c["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item"] == 3)
        .unwrap()
        .clone();
    assert_eq!(item_3["status"], "overdue", "{item_3}");

    let press = compliance(&app, &past, "&kind=press").await;
    let codes: Vec<&str> = press["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agency"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["BCB", "PTTH"]);
    let h2 = app
        .get(
            &format!("/api/v1/compliance?period={past}-H2"),
            &app.admin(),
        )
        .await;
    assert_problem(h2, 400, "invalid_report_period").await;
}

#[tokio::test]
async fn a_returned_report_shows_as_returned_until_it_is_resubmitted() {
    let app = spawn_app().await;
    let (open, _) = periods();
    let body = report_body(&app, "SYT", &open).await;
    let filed = submit(&app, "SYT", &body).await;
    let id = filed["id"].as_str().unwrap();
    let path = format!("/api/v1/plan-reports/{id}/review");
    let ret = json!({"decision": "return", "comment": "Bổ sung số liệu khám phát hiện bệnh nghề nghiệp."});

    let res = app
        .request(
            Method::POST,
            &path,
            Some(&app.agency("SYT")),
            Some(&ret),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .request(Method::POST, &path, Some(&app.labor()), Some(&ret), &[])
        .await;
    assert_problem(res, 428, "if_match_required").await;
    let no_comment = json!({"decision": "return"});
    let res = app
        .request(
            Method::POST,
            &path,
            Some(&app.labor()),
            Some(&no_comment),
            &[("If-Match", "\"1\"")],
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/comment".into(), "comment_required".into())
    );

    let res = app
        .request(
            Method::POST,
            &path,
            Some(&app.labor()),
            Some(&ret),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(json_of(res).await["status"], "returned");
    assert_eq!(
        status_of(&compliance(&app, &open, "").await, "SYT"),
        "returned"
    );

    let again = submit(&app, "SYT", &body).await;
    assert_eq!(again["status"], "submitted");
    assert_eq!(again["version"], 3);
    assert_ne!(again["receipt"]["reference"], filed["receipt"]["reference"]);
    assert_eq!(
        status_of(&compliance(&app, &open, "").await, "SYT"),
        "on_time"
    );

    let accept = json!({"decision": "accept"});
    let res = app
        .request(
            Method::POST,
            &path,
            Some(&app.labor()),
            Some(&accept),
            &[("If-Match", "\"2\"")],
        )
        .await;
    assert_problem(res, 412, "version_mismatch").await;
    let res = app
        .request(
            Method::POST,
            &path,
            Some(&app.labor()),
            Some(&accept),
            &[("If-Match", "\"3\"")],
        )
        .await;
    assert_eq!(json_of(res).await["status"], "accepted");

    // After acceptance a change needs a reason.
    let res = app
        .post("/api/v1/plan-reports", &app.agency("SYT"), &body)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/change_reason".into(), "change_reason_required".into())
    );
    let mut changed = body.clone();
    changed["change_reason"] = json!("Sửa số lớp tập huấn");
    assert_eq!(submit(&app, "SYT", &changed).await["version"], 5);

    let revisions = app
        .get_json(
            &format!("/api/v1/plan-reports/{id}/revisions"),
            &app.agency("SYT"),
        )
        .await;
    let actions: Vec<&str> = revisions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["resubmit", "accepted", "resubmit", "returned", "submit"]
    );
}

#[tokio::test]
async fn an_agency_cannot_read_or_file_another_agencys_report() {
    let app = spawn_app().await;
    let (open, _) = periods();
    let filed = submit(&app, "SYT", &report_body(&app, "SYT", &open).await).await;
    let id = filed["id"].as_str().unwrap();

    let res = app
        .get(&format!("/api/v1/plan-reports/{id}"), &app.agency("SCT"))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .get(
            &format!("/api/v1/plan-reports/{id}/revisions"),
            &app.agency("SCT"),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
    let list = app
        .get_json("/api/v1/plan-reports", &app.agency("SCT"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let list = app
        .get_json("/api/v1/plan-reports?agency=SYT", &app.agency("SCT"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let own = app
        .get(&format!("/api/v1/plan-reports/{id}"), &app.agency("SYT"))
        .await;
    assert_eq!(own.status().as_u16(), 200);
    assert_eq!(own.headers()["etag"], "\"1\"");
    assert_problem(
        app.get("/api/v1/plan-reports", &app.token(Role::Viewer, None))
            .await,
        403,
        "forbidden",
    )
    .await;

    // Filing for another agency, or about another agency's task (item 4: Sở Công Thương).
    let sct_task = app
        .tasks_of("SCT")
        .await
        .into_iter()
        .find(|t| t["item"] == 4)
        .unwrap()["id"]
        .clone();
    let mut other = report_body(&app, "SCT", &open).await;
    other["narrative"][0]["task_id"] = sct_task;
    other["agency"] = json!("SCT");
    let res = app
        .post("/api/v1/plan-reports", &app.agency("SYT"), &other)
        .await;
    assert_problem(res, 403, "forbidden").await;
    other.as_object_mut().unwrap().remove("agency");
    let res = app
        .post("/api/v1/plan-reports", &app.agency("SYT"), &other)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/narrative/0/task_id".into(), "task_not_assigned".into())
    );
}

#[tokio::test]
async fn submissions_are_validated_idempotent_and_can_be_dry_run() {
    let app = spawn_app().await;
    let (open, _) = periods();
    let body = report_body(&app, "SYT", &open).await;
    let mut bad = body.clone();
    bad["period"] = json!("2025-H2");
    let problem = assert_problem(
        app.post("/api/v1/plan-reports", &app.agency("SYT"), &bad)
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        first_error(&problem),
        ("/period".into(), "invalid_report_period".into())
    );
    let mut unknown = body.clone();
    unknown["surprise"] = json!(1);
    let res = app
        .post("/api/v1/plan-reports", &app.agency("SYT"), &unknown)
        .await;
    assert!(res.status().is_client_error());

    let dry = app
        .request(
            Method::POST,
            "/api/v1/plan-reports?dry_run=true",
            Some(&app.agency("SYT")),
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(dry.status().as_u16(), 200);
    assert!(json_of(dry).await["receipt"].is_null());
    let list = app.get_json("/api/v1/plan-reports", &app.admin()).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    let key = [("Idempotency-Key", "report-1")];
    let first = app
        .request(
            Method::POST,
            "/api/v1/plan-reports",
            Some(&app.agency("SYT")),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(first.status().as_u16(), 201);
    let first = json_of(first).await;
    let replay = app
        .request(
            Method::POST,
            "/api/v1/plan-reports",
            Some(&app.agency("SYT")),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!(replay.headers()["idempotency-replayed"], "true");
    assert_eq!(json_of(replay).await["receipt"], first["receipt"]);
    let mut other = body.clone();
    other["figures"] = json!({"training_courses": 4});
    let res = app
        .request(
            Method::POST,
            "/api/v1/plan-reports",
            Some(&app.agency("SYT")),
            Some(&other),
            &key,
        )
        .await;
    assert_problem(res, 422, "idempotency_key_reused").await;

    // Sở Nội vụ files on an agency's behalf, naming it.
    let res = app
        .post(
            "/api/v1/plan-reports",
            &app.labor(),
            &report_body(&app, "SCT", &open).await,
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/agency".into(), "agency_required".into())
    );
    let mut on_behalf = report_body(&app, "SCT", &open).await;
    on_behalf["agency"] = json!("SCT");
    assert_eq!(
        app.post("/api/v1/plan-reports", &app.labor(), &on_behalf)
            .await
            .status()
            .as_u16(),
        201
    );
}

/// Every statutory filing answers a refiling without a reason alike: 422,
/// `change_reason_required` at `/change_reason`, and nothing changes. A plan report
/// needs the reason once Sở Nội vụ has accepted it.
#[tokio::test]
async fn a_refiling_without_a_reason_is_422_change_reason_required() {
    let app = spawn_app().await;
    let (open, _) = periods();
    let body = report_body(&app, "SYT", &open).await;
    let filed = submit(&app, "SYT", &body).await;
    let id = filed["id"].as_str().unwrap();
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/plan-reports/{id}/review"),
            Some(&app.labor()),
            Some(&json!({"decision": "accept"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    for reason in [None, Some("  ")] {
        let mut again = body.clone();
        if let Some(r) = reason {
            again["change_reason"] = json!(r);
        }
        let res = app
            .post("/api/v1/plan-reports", &app.agency("SYT"), &again)
            .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            first_error(&problem),
            ("/change_reason".into(), "change_reason_required".into())
        );
    }
    let stored = app
        .get_json(&format!("/api/v1/plan-reports/{id}"), &app.labor())
        .await;
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["status"], "accepted");
}
