use std::collections::BTreeSet;

use chrono::Datelike;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{assert_problem, first_error, json_of, spawn_app};

#[tokio::test]
async fn plan_664_is_there_with_its_3_targets_20_assignee_items_and_this_years_deadlines() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer, None);
    let plans = app.get_json("/api/v1/plans", &viewer).await;
    let items = plans["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let plan = &items[0];
    assert_eq!(plan["number"], "664/KH-UBND");
    assert_eq!(plan["issued_on"], "2025-03-10");
    assert_eq!(plan["signer"], "Trịnh Trường Huy");
    assert_eq!(plan["solution_groups"].as_array().unwrap().len(), 5);
    assert_eq!(plan["legal_bases"][0]["reference"], "209/NQ-CP");
    let targets = plan["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3);
    assert_eq!(targets[0]["code"], "fatal_accident_rate");
    assert_eq!(targets[0]["direction"], "decrease");
    assert_eq!(targets[0]["yearly_change_percent"], 4);
    assert_eq!(targets[1]["direction"], "increase");
    assert_eq!(targets[2]["yearly_change_percent"], 5);

    let year = shared::time::today().year();
    let deadlines = plan["report_deadlines"].as_array().unwrap();
    assert!(
        deadlines
            .contains(&json!({"period": format!("{year}-H1"), "due_on": format!("{year}-06-15")}))
    );
    assert!(
        deadlines
            .contains(&json!({"period": format!("{year}"), "due_on": format!("{year}-12-15")}))
    );

    let id = plan["id"].as_str().unwrap();
    let same = app
        .get_json(&format!("/api/v1/plans/{id}/targets"), &viewer)
        .await;
    assert_eq!(same["items"].as_array().unwrap().len(), 3);
    assert!(same.get("total").is_none(), "counted only when asked");

    // Targets page like every list, and count all three when asked.
    let first = app
        .get_json(
            &format!("/api/v1/plans/{id}/targets?limit=2&total=true"),
            &viewer,
        )
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["total"], 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/plans/{id}/targets?limit=2&cursor={cursor}"),
            &viewer,
        )
        .await;
    assert_eq!(rest["items"][0]["code"], targets[2]["code"]);
    assert!(rest["next_cursor"].is_null());
    let counted = app.get_json("/api/v1/plans?total=true", &viewer).await;
    assert_eq!(counted["total"], 1);

    // The tasks walked 7 at a time are the tasks counted and listed at once.
    let all = app
        .get_json("/api/v1/tasks?limit=500&total=true", &viewer)
        .await;
    let mut walked = Vec::new();
    let mut path = "/api/v1/tasks?limit=7".to_owned();
    loop {
        let page = app.get_json(&path, &viewer).await;
        walked.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/tasks?limit=7&cursor={c}"),
            None => break,
        }
    }
    let listed: Vec<Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(walked, listed);
    assert_eq!(all["total"].as_u64(), Some(listed.len() as u64));

    let tasks = app.get_json("/api/v1/tasks", &viewer).await;
    let items: BTreeSet<i64> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["item"].as_i64())
        .collect();
    assert_eq!(items, (1..=20).collect());
    let requested = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item"] == 18)
        .unwrap();
    assert_eq!(
        requested["assignments"][0],
        json!({"agency": "HND", "role": "requested", "valid_from": null, "valid_to": null})
    );
    assert!(
        tasks["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["recurrence"] == "semiannual_and_annual_report")
    );
}

#[tokio::test]
async fn the_district_committees_are_kept_closed_with_their_successor() {
    let app = spawn_app().await;
    let list = app
        .get_json("/api/v1/agencies?kind=district_committee", &app.admin())
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(
        items
            .iter()
            .all(|a| a["valid_to"] == "2025-06-30" && a["successor_code"] == "UBND-XA")
    );
    let one = app.get_json("/api/v1/agencies/SYT", &app.admin()).await;
    assert_eq!(one["name"], "Sở Y tế");
    let missing = app.get("/api/v1/agencies/NOPE", &app.admin()).await;
    assert_problem(missing, 404, "not_found").await;
}

#[tokio::test]
async fn an_agency_sees_only_its_own_tasks_and_other_roles_are_refused() {
    let app = spawn_app().await;
    let own = app.tasks_of("SYT").await;
    assert!(own.len() >= 4);
    assert!(own.iter().all(|t| {
        t["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["agency"] == "SYT")
    }));
    let someone_elses = app.tasks_of("SXD").await;
    let id = someone_elses.iter().find(|t| t["item"] == 6).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .get(&format!("/api/v1/tasks/{id}"), &app.agency("SYT"))
        .await;
    assert_problem(res, 404, "not_found").await;
    let res = app
        .get(&format!("/api/v1/tasks/{id}"), &app.agency("SXD"))
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let enterprise = app.token(Role::Enterprise, Some("0100047516"));
    assert_problem(
        app.get("/api/v1/tasks", &enterprise).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/plans", &enterprise).await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .request(reqwest::Method::GET, "/api/v1/plans", None, None, &[])
        .await;
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn sở_nội_vụ_adds_agencies_and_tasks_idempotently_and_agencies_may_not() {
    let app = spawn_app().await;
    let plan_id = app.plan_id().await;
    let agency = json!({"code": "SGDDT", "name": "Sở Giáo dục và Đào tạo", "kind": "department", "valid_from": "2025-03-01"});
    let res = app
        .post("/api/v1/agencies", &app.agency("SYT"), &agency)
        .await;
    assert_problem(res, 403, "forbidden").await;

    let dry = app
        .request(
            reqwest::Method::POST,
            "/api/v1/agencies?dry_run=true",
            Some(&app.labor()),
            Some(&agency),
            &[],
        )
        .await;
    assert_eq!(dry.status().as_u16(), 200);
    assert_problem(
        app.get("/api/v1/agencies/SGDDT", &app.admin()).await,
        404,
        "not_found",
    )
    .await;

    let headers = [("Idempotency-Key", "agency-1")];
    let first = app
        .request(
            reqwest::Method::POST,
            "/api/v1/agencies",
            Some(&app.labor()),
            Some(&agency),
            &headers,
        )
        .await;
    assert_eq!(first.status().as_u16(), 201);
    let again = app
        .request(
            reqwest::Method::POST,
            "/api/v1/agencies",
            Some(&app.labor()),
            Some(&agency),
            &headers,
        )
        .await;
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let dup = app.post("/api/v1/agencies", &app.labor(), &agency).await;
    assert_problem(dup, 409, "agency_exists").await;

    let task = json!({
        "plan_id": plan_id, "section": "IV.21", "text": "Lồng ghép nội dung ATVSLĐ vào chương trình giáo dục.",
        "due_on": "2025-12-31",
        "assignments": [{"agency": "SGDDT", "role": "lead"}, {"agency": "NOPE", "role": "coordinate"}]
    });
    let res = app.post("/api/v1/tasks", &app.labor(), &task).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        first_error(&problem),
        ("/assignments/1/agency".into(), "unknown_agency".into())
    );

    let mut ok = task.clone();
    ok["assignments"] = json!([{"agency": "SGDDT", "role": "lead"}]);
    let res = app.post("/api/v1/tasks", &app.labor(), &ok).await;
    assert_eq!(res.status().as_u16(), 201);
    let created = json_of(res).await;
    assert_eq!(created["assignments"][0]["agency"], "SGDDT");
    assert_eq!(app.tasks_of("SGDDT").await.len(), 1);

    let mut both = ok.clone();
    both["recurrence"] = json!("annual_compilation");
    let problem = assert_problem(
        app.post("/api/v1/tasks", &app.labor(), &both).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(first_error(&problem).1, "due_on_or_recurrence");
}

/// `/tasks` and `/agencies` page with `limit` and `cursor` like every other list, in
/// their own order (plan order, agency code), each item once (issue 16).
#[tokio::test]
async fn tasks_and_agencies_page_with_limit_and_cursor() {
    let app = spawn_app().await;
    let admin = app.admin();
    for list in ["/api/v1/tasks", "/api/v1/agencies"] {
        let all = app.get_json(&format!("{list}?limit=500"), &admin).await;
        let all: Vec<Value> = all["items"].as_array().unwrap().clone();
        assert!(all.len() > 4, "{list}: {}", all.len());
        let mut paged = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("{list}?limit=2&cursor={c}"),
                None => format!("{list}?limit=2"),
            };
            let page = app.get_json(&path, &admin).await;
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 2, "{list}: {page}");
            paged.extend(items.iter().cloned());
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(
            paged, all,
            "{list}: the pages, in order, are the whole list"
        );
        assert_eq!(pages, all.len().div_ceil(2), "{list}");
        let res = app.get(&format!("{list}?limit=0"), &admin).await;
        assert_problem(res, 400, "invalid_limit").await;
        let res = app
            .get(&format!("{list}?cursor=bm90LWEta2V5"), &admin)
            .await;
        assert_problem(res, 400, "invalid_cursor").await;
    }
}
