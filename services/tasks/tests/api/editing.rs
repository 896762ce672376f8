//! Editable plans (issue 15, item 6): agencies, tasks and targets change with
//! `If-Match` and a reason and keep every version; another plan loads beside 664;
//! drafts carry the indicator values to report; commune committees registered later
//! report the data set's indicators.

use std::collections::BTreeSet;

use reqwest::{Method, Response};
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, first_error, json_of, spawn_app};

const EXAMPLE_PLAN: &str = include_str!("../../seed/ke-hoach-2026-example.json");

async fn put(
    app: &TestApp,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
    app.request(Method::PUT, path, Some(token), Some(body), &headers)
        .await
}

fn etag(res: &Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A task of Sở Y tế's, as read, with its ETag.
async fn a_task(app: &TestApp) -> (Value, String) {
    let id = app.tasks_of("SYT").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app.get(&format!("/api/v1/tasks/{id}"), &app.labor()).await;
    assert_eq!(res.status().as_u16(), 200);
    let tag = etag(&res);
    (json_of(res).await, tag)
}

fn task_change(task: &Value, text: &str, reason: &str) -> Value {
    json!({
        "item": task["item"],
        "section": task["section"],
        "text": text,
        "due_on": "2026-06-30",
        "recurrence": null,
        "change_reason": reason,
    })
}

#[tokio::test]
async fn updating_a_task_makes_version_2_and_keeps_version_1_under_its_revisions() {
    let app = spawn_app().await;
    let (task, tag) = a_task(&app).await;
    assert_eq!(tag, "\"1\"");
    assert_eq!(task["version"], 1);
    let id = task["id"].as_str().unwrap();
    let path = format!("/api/v1/tasks/{id}");
    let new_text = "Tổ chức khám phát hiện bệnh nghề nghiệp cho người lao động trong năm 2026.";

    let res = put(
        &app,
        &path,
        &app.labor(),
        Some(&tag),
        &task_change(&task, new_text, "Điều chỉnh theo kế hoạch năm 2026"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(etag(&res), "\"2\"");
    let updated = json_of(res).await;
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["text"], new_text);
    assert_eq!(updated["due_on"], "2026-06-30");
    assert_eq!(
        updated["assignments"], task["assignments"],
        "assignments stay"
    );

    let read = app.get_json(&path, &app.labor()).await;
    assert_eq!(read["text"], new_text);

    let revisions = app
        .get_json(&format!("{path}/revisions"), &app.token(Role::Viewer, None))
        .await;
    let items = revisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{revisions}");
    assert_eq!(items[0]["version"], 2);
    assert_eq!(items[0]["action"], "updated");
    assert_eq!(
        items[0]["change_reason"],
        "Điều chỉnh theo kế hoạch năm 2026"
    );
    assert!(items[0]["changed_by"].is_string());
    assert_eq!(items[0]["snapshot"]["text"], new_text);
    assert_eq!(items[1]["version"], 1);
    assert_eq!(items[1]["action"], "created");
    assert!(items[1]["change_reason"].is_null());
    assert_eq!(
        items[1]["snapshot"]["text"], task["text"],
        "the old wording is kept"
    );
    assert!(revisions["next_cursor"].is_null());

    // Paged like the other lists.
    let first = app
        .get_json(&format!("{path}/revisions?limit=1"), &app.admin())
        .await;
    assert_eq!(first["items"][0]["version"], 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("{path}/revisions?limit=1&cursor={cursor}"),
            &app.admin(),
        )
        .await;
    assert_eq!(rest["items"][0]["version"], 1);
    assert!(rest["next_cursor"].is_null());

    // The task's agency reads its history; another agency does not see the task.
    let own = app
        .get(&format!("{path}/revisions"), &app.agency("SYT"))
        .await;
    assert_eq!(own.status().as_u16(), 200);
    let other = app
        .get(&format!("{path}/revisions"), &app.agency("BCB"))
        .await;
    if !app
        .tasks_of("BCB")
        .await
        .iter()
        .any(|t| t["id"] == task["id"])
    {
        assert_problem(other, 404, "not_found").await;
    }
}

#[tokio::test]
async fn a_stale_or_missing_if_match_and_a_missing_reason_are_refused() {
    let app = spawn_app().await;
    let (task, tag) = a_task(&app).await;
    let path = format!("/api/v1/tasks/{}", task["id"].as_str().unwrap());
    let change = task_change(&task, "Nội dung mới", "Sửa lỗi chính tả");
    let ok = put(&app, &path, &app.labor(), Some(&tag), &change).await;
    assert_eq!(ok.status().as_u16(), 200);

    // Someone changed it meanwhile: the version read first is stale.
    let stale = put(&app, &path, &app.admin(), Some(&tag), &change).await;
    assert_problem(stale, 412, "version_mismatch").await;
    let missing = put(&app, &path, &app.labor(), None, &change).await;
    assert_problem(missing, 428, "if_match_required").await;

    let mut no_reason = change.clone();
    no_reason["change_reason"] = json!("  ");
    let res = put(&app, &path, &app.labor(), Some("\"2\""), &no_reason).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        (
            "/change_reason".to_owned(),
            "change_reason_required".to_owned()
        )
    );
    no_reason.as_object_mut().unwrap().remove("change_reason");
    let res = put(&app, &path, &app.labor(), Some("\"2\""), &no_reason).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(first_error(&problem).0, "/change_reason");

    // Nothing of the refused changes was stored.
    let revisions = app
        .get_json(&format!("{path}/revisions"), &app.admin())
        .await;
    assert_eq!(revisions["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn agencies_may_not_edit_records_neither_another_agencys_nor_the_plan() {
    let app = spawn_app().await;
    let (task, tag) = a_task(&app).await;
    let path = format!("/api/v1/tasks/{}", task["id"].as_str().unwrap());
    let change = task_change(&task, "Nội dung khác", "Thử sửa");
    for token in [
        app.agency("SXD"),
        app.agency("SYT"),
        app.token(Role::Viewer, None),
    ] {
        let res = put(&app, &path, &token, Some(&tag), &change).await;
        assert_problem(res, 403, "forbidden").await;
    }
    let sxd = app.get_json("/api/v1/agencies/SXD", &app.admin()).await;
    let agency_change = json!({
        "name": "Sở Xây dựng tỉnh Cao Bằng",
        "kind": sxd["kind"],
        "reports": true,
        "valid_from": sxd["valid_from"],
        "change_reason": "Ghi đầy đủ tên",
    });
    let res = put(
        &app,
        "/api/v1/agencies/SXD",
        &app.agency("SYT"),
        Some("\"1\""),
        &agency_change,
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    let res = put(
        &app,
        "/api/v1/agencies/SXD",
        &app.agency("SXD"),
        Some("\"1\""),
        &agency_change,
    )
    .await;
    assert_problem(res, 403, "forbidden").await;

    // Sở Nội vụ may, and the agency's old name stays readable.
    let res = put(
        &app,
        "/api/v1/agencies/SXD",
        &app.labor(),
        Some("\"1\""),
        &agency_change,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(etag(&res), "\"2\"");
    let now = app
        .get_json("/api/v1/agencies/SXD", &app.agency("SXD"))
        .await;
    assert_eq!(now["name"], "Sở Xây dựng tỉnh Cao Bằng");
    assert_eq!(now["version"], 2);
    let revisions = app
        .get_json("/api/v1/agencies/SXD/revisions", &app.agency("SXD"))
        .await;
    assert_eq!(revisions["items"][0]["change_reason"], "Ghi đầy đủ tên");
    assert_eq!(revisions["items"][1]["snapshot"]["name"], sxd["name"]);
}

#[tokio::test]
async fn a_target_changes_with_a_reason_and_its_old_version_stays_readable() {
    let app = spawn_app().await;
    let plan_id = app.plan_id().await;
    let targets = app
        .get_json(&format!("/api/v1/plans/{plan_id}/targets"), &app.admin())
        .await;
    let before = targets["items"][0].clone();
    assert_eq!(before["version"], 1);
    let code = before["code"].as_str().unwrap();
    let path = format!("/api/v1/plans/{plan_id}/targets/{code}");
    let percent = before["yearly_change_percent"].as_i64().unwrap() + 1;
    let change = json!({
        "indicator": before["indicator"],
        "unit": before["unit"],
        "direction": before["direction"],
        "yearly_change_percent": percent,
        "baseline_year": before["baseline_year"],
        "change_reason": "Điều chỉnh chỉ tiêu theo Kế hoạch năm 2026",
    });
    let res = put(&app, &path, &app.labor(), Some("\"1\""), &change).await;
    assert_eq!(res.status().as_u16(), 200);
    let after = json_of(res).await;
    assert_eq!(after["yearly_change_percent"], percent);
    assert_eq!(after["version"], 2);
    let plan = app
        .get_json(&format!("/api/v1/plans/{plan_id}"), &app.admin())
        .await;
    assert_eq!(plan["targets"][0]["yearly_change_percent"], percent);

    let revisions = app
        .get_json(&format!("{path}/revisions"), &app.token(Role::Viewer, None))
        .await;
    let items = revisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1]["snapshot"]["yearly_change_percent"],
        before["yearly_change_percent"]
    );
    let stale = put(&app, &path, &app.labor(), Some("\"1\""), &change).await;
    assert_problem(stale, 412, "version_mismatch").await;
    let res = put(&app, &path, &app.agency("SYT"), Some("\"2\""), &change).await;
    assert_problem(res, 403, "forbidden").await;
    let res = put(
        &app,
        &format!("/api/v1/plans/{plan_id}/targets/no_such_target"),
        &app.labor(),
        Some("\"1\""),
        &change,
    )
    .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn a_second_plan_loads_beside_664_and_loading_it_again_is_refused() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer, None);
    let p664 = app.plan_id().await;
    let tasks_664 = app
        .get_json(&format!("/api/v1/tasks?plan_id={p664}&limit=500"), &viewer)
        .await["items"]
        .as_array()
        .unwrap()
        .len();
    let file: Value = serde_json::from_str(EXAMPLE_PLAN).unwrap();
    let in_file = &file["plans"][0];

    let res = app
        .post("/api/v1/plan-files", &app.agency("SNV"), &file)
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app.post("/api/v1/plan-files", &app.labor(), &file).await;
    assert_eq!(res.status().as_u16(), 201);
    let loaded = json_of(res).await;
    assert_eq!(loaded["agencies_added"], 0, "its agencies are those of 664");
    let plan = &loaded["plans"][0];
    assert_eq!(plan["number"], in_file["number"]);
    assert_eq!(
        plan["task_count"],
        in_file["tasks"].as_array().unwrap().len()
    );
    let new_id = plan["id"].as_str().unwrap();

    // Both plans are listed, each with its own tasks, targets and KPIs.
    let plans = app.get_json("/api/v1/plans", &viewer).await;
    let numbers: BTreeSet<&str> = plans["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        BTreeSet::from(["664/KH-UBND", in_file["number"].as_str().unwrap()])
    );
    let tasks = app
        .get_json(&format!("/api/v1/tasks?plan_id={new_id}"), &viewer)
        .await;
    let texts: Vec<&Value> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["text"])
        .collect();
    let expected: Vec<&Value> = in_file["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["text"])
        .collect();
    assert_eq!(texts, expected);
    let again_664 = app
        .get_json(&format!("/api/v1/tasks?plan_id={p664}&limit=500"), &viewer)
        .await;
    assert_eq!(again_664["items"].as_array().unwrap().len(), tasks_664);
    let year = 2026;
    let kpis = app
        .get_json(&format!("/api/v1/plans/{new_id}/kpis?year={year}"), &viewer)
        .await;
    let codes: Vec<&Value> = kpis["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["target"]["code"])
        .collect();
    let expected: Vec<&Value> = in_file["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["code"])
        .collect();
    assert_eq!(codes, expected);
    let kpis_664 = app
        .get_json(&format!("/api/v1/plans/{p664}/kpis?year={year}"), &viewer)
        .await;
    assert_eq!(kpis_664["items"].as_array().unwrap().len(), 3);

    // Again: refused, nothing added.
    let res = app.post("/api/v1/plan-files", &app.labor(), &file).await;
    assert_problem(res, 409, "plan_exists").await;
    let plans = app.get_json("/api/v1/plans", &viewer).await;
    assert_eq!(plans["items"].as_array().unwrap().len(), 2);

    // A plan that names an agency nobody knows points at it.
    let mut other = file.clone();
    other["plans"][0]["number"] = json!("VD-2027/KH-UBND");
    other["plans"][0]["tasks"][1]["assignments"][0]["agency"] = json!("KHONG-CO");
    let res = app.post("/api/v1/plan-files", &app.admin(), &other).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        (
            "/plans/0/tasks/1/assignments/0/agency".to_owned(),
            "unknown_agency".to_owned()
        )
    );
}

#[tokio::test]
async fn a_draft_lists_the_indicators_the_agency_reports_with_empty_values() {
    let app = spawn_app().await;
    let year = chrono::Datelike::year(&shared::time::today()) - 1;
    let query = format!("/api/v1/plan-reports/draft?agency=SYT&period={year}");
    let draft = app.get_json(&query, &app.agency("SYT")).await;
    let values = draft["report"]["values"].as_array().unwrap();

    // What the data set assigns to Sở Y tế under the plan items of its tasks.
    let set = app
        .get_json("/api/v1/data-sets/KH664-ATVSLD", &app.admin())
        .await;
    let items: BTreeSet<i64> = draft["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["item"].as_i64())
        .collect();
    let assigned: BTreeSet<&str> = set["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["agency"] == "SYT" && items.contains(&a["plan_item"].as_i64().unwrap()))
        .map(|a| a["indicator"].as_str().unwrap())
        .collect();
    assert!(!assigned.is_empty(), "{set}");
    let drafted: BTreeSet<&str> = values
        .iter()
        .map(|v| v["indicator"].as_str().unwrap())
        .collect();
    assert_eq!(drafted, assigned);
    assert!(values.iter().all(|v| v["value"].is_null()), "{values:?}");
    // An indicator with a breakdown has its total and one entry per option.
    let indicators = set["indicators"].as_array().unwrap();
    for code in &assigned {
        let indicator = indicators.iter().find(|i| i["code"] == *code).unwrap();
        let entries = values.iter().filter(|v| v["indicator"] == *code).count();
        let options = match indicator["category"].as_str() {
            Some(c) => set["categories"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["code"] == c)
                .unwrap()["options"]
                .as_array()
                .unwrap()
                .len(),
            None => 0,
        };
        assert_eq!(entries, 1 + options, "{code}");
    }

    // Filed as drafted with one value written in: the empty ones are not reported,
    // and the next draft starts from what was filed.
    let mut report = draft["report"].clone();
    for n in report["narrative"].as_array_mut().unwrap() {
        n["text"] = json!("Đã triển khai theo Kế hoạch.");
    }
    let total = report["values"]
        .as_array()
        .unwrap()
        .iter()
        .position(|v| v["breakdown"].is_null())
        .unwrap();
    report["values"][total]["value"] = json!(7);
    let res = app
        .post("/api/v1/plan-reports", &app.agency("SYT"), &report)
        .await;
    let status = res.status().as_u16();
    let filed = json_of(res).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["values"].as_array().unwrap().len(), 1, "{filed}");
    let again = app.get_json(&query, &app.agency("SYT")).await;
    let values = again["report"]["values"].as_array().unwrap();
    assert_eq!(values[total]["value"], 7);
    assert_eq!(values.iter().filter(|v| !v["value"].is_null()).count(), 1);
}

#[tokio::test]
async fn a_commune_committee_registered_later_reports_the_data_sets_indicators() {
    let app = spawn_app().await;
    let set = app
        .get_json("/api/v1/data-sets/KH664-ATVSLD", &app.admin())
        .await;
    let of = |set: &Value, agency: &str| -> BTreeSet<String> {
        set["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["agency"] == agency)
            .map(|a| a["indicator"].as_str().unwrap().to_owned())
            .collect()
    };
    // A seeded commune committee's indicators (one that reports: `UBND-XA`, all the
    // communes together, no longer does).
    let agencies = app
        .get_json(
            "/api/v1/agencies?kind=commune_committee&limit=500",
            &app.admin(),
        )
        .await;
    let seeded = agencies["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["reports"] == true)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = of(&set, &seeded);
    assert!(!expected.is_empty(), "{seeded}");

    let res = app
        .post(
            "/api/v1/agencies",
            &app.labor(),
            &json!({
                "code": "UBND-XA-99999",
                "name": "Ủy ban nhân dân xã Thử Nghiệm",
                "kind": "commune_committee",
                "valid_from": "2026-01-01",
            }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let set = app
        .get_json("/api/v1/data-sets/KH664-ATVSLD", &app.admin())
        .await;
    assert_eq!(of(&set, "UBND-XA-99999"), expected);
}

#[tokio::test]
async fn atvsld_seed_plan_file_loads_a_plan_once_and_leaves_it_on_the_second_run() {
    let app = spawn_app().await;
    let db = app.svc.app_db.clone();
    let load = || {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            tasks::service::seed::seed_plan_file(&db, EXAMPLE_PLAN).unwrap()
        })
    };
    assert_eq!(load().await.unwrap(), 1);
    assert_eq!(load().await.unwrap(), 0, "a loaded plan is left as it is");
    let plans = app.get_json("/api/v1/plans", &app.admin()).await;
    assert_eq!(plans["items"].as_array().unwrap().len(), 2);

    // A file that does not load says where.
    let mut broken: Value = serde_json::from_str(EXAMPLE_PLAN).unwrap();
    broken["plans"][0]["number"] = json!("VD-2027/KH-UBND");
    broken["plans"][0]["tasks"][0]["assignments"][0]["agency"] = json!("KHONG-CO");
    let text = broken.to_string();
    let db = app.svc.app_db.clone();
    let err = tokio::task::spawn_blocking(move || tasks::service::seed::seed_plan_file(&db, &text))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("/plans/0/tasks/0/assignments/0/agency"),
        "{err}"
    );
}
