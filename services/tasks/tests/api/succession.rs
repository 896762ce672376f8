//! Succession of assignees: the district committees closed on 30 June 2025 and the
//! commune committees (`UBND-XA-<commune code>`) took over their tasks and their
//! report duties, each on its own.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, first_error, json_of, spawn_app};

const THUC_PHAN: &str = "UBND-XA-01273";
const TAN_GIANG: &str = "UBND-XA-01288";
const DISTRICTS: [&str; 10] = [
    "UBND-BAOLAC",
    "UBND-BAOLAM",
    "UBND-HALANG",
    "UBND-HAQUANG",
    "UBND-HOAAN",
    "UBND-NGUYENBINH",
    "UBND-QUANGHOA",
    "UBND-THACHAN",
    "UBND-TPCB",
    "UBND-TRUNGKHANH",
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The number of tasks plan 664 ships with.
fn seeded_task_count() -> usize {
    tasks::domain::seed::plan_664().unwrap().plans[0]
        .tasks
        .len()
}

async fn compliance(app: &TestApp, period: &str) -> Value {
    app.get_json(&format!("/api/v1/compliance?period={period}"), &app.admin())
        .await
}

fn items(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap()
}

fn codes(list: &Value, key: &str) -> BTreeSet<String> {
    items(list)
        .iter()
        .map(|a| a[key].as_str().unwrap().to_owned())
        .collect()
}

fn status_of(c: &Value, agency: &str) -> String {
    items(&c["agencies"])
        .iter()
        .find(|a| a["agency"] == agency)
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn item_14(c: &Value) -> Vec<Value> {
    items(&c["tasks"])
        .iter()
        .filter(|t| t["item"] == 14)
        .cloned()
        .collect()
}

async fn file(app: &TestApp, token: &str, period: &str, task: &Value) -> reqwest::Response {
    let body = json!({
        "plan_id": app.plan_id().await,
        "period": period,
        "narrative": [{"task_id": task, "text": "Đã xây dựng kế hoạch ATVSLĐ năm của xã."}],
    });
    app.post("/api/v1/plan-reports", token, &body).await
}

#[tokio::test]
async fn item_14_is_the_district_committees_for_2025_h1_and_the_commune_committees_for_2025() {
    let app = spawn_app().await;
    let districts: BTreeSet<String> = DISTRICTS.iter().map(|d| (*d).to_owned()).collect();

    let h1 = compliance(&app, "2025-H1").await;
    let tasks = item_14(&h1);
    assert_eq!(tasks.len(), 4, "{h1}");
    for t in &tasks {
        assert_eq!(codes(&t["agencies"], "agency"), districts, "{t}");
        assert_eq!(t["status"], "overdue");
    }
    let expected = codes(&h1["agencies"], "agency");
    assert!(expected.is_superset(&districts));
    assert!(!expected.iter().any(|c| c.starts_with("UBND-XA")));

    let year = compliance(&app, "2025").await;
    let tasks = item_14(&year);
    assert_eq!(tasks.len(), 4, "item 14 is still there after 1 July 2025");
    for t in &tasks {
        let held = codes(&t["agencies"], "agency");
        assert_eq!(held.len(), 56, "{t}");
        assert!(held.iter().all(|c| c.starts_with("UBND-XA-")), "{held:?}");
        assert!(held.contains(THUC_PHAN) && held.contains(TAN_GIANG));
    }
    let expected = codes(&year["agencies"], "agency");
    assert!(expected.is_disjoint(&districts));
    assert!(!expected.contains("UBND-XA"), "the group no longer reports");
    let communes = expected
        .iter()
        .filter(|c| c.starts_with("UBND-XA-"))
        .count();
    assert_eq!(communes, 56);
    assert_eq!(
        year["summary"]["expected"].as_u64().unwrap() as usize,
        expected.len()
    );
    assert_eq!(status_of(&year, THUC_PHAN), "missing");
    let thuc_phan = items(&year["agencies"])
        .iter()
        .find(|a| a["agency"] == THUC_PHAN)
        .unwrap();
    assert_eq!(thuc_phan["name"], "Ủy ban nhân dân phường Thục Phán");
    assert_eq!(thuc_phan["kind"], "commune_committee");

    // Who succeeded whom, as data: Phường Thục Phán took in communes of Thành phố
    // Cao Bằng and of Hòa An, so it succeeds both district committees.
    let mut all_heirs = BTreeSet::new();
    for d in DISTRICTS {
        let agency = app
            .get_json(&format!("/api/v1/agencies/{d}"), &app.admin())
            .await;
        assert_eq!(agency["successor_code"], "UBND-XA", "{agency}");
        let heirs: BTreeSet<String> = items(&agency["successors"])
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        assert!(!heirs.is_empty(), "{agency}");
        all_heirs.extend(heirs);
    }
    assert_eq!(all_heirs.len(), 56);
    for d in ["UBND-TPCB", "UBND-HOAAN"] {
        let agency = app
            .get_json(&format!("/api/v1/agencies/{d}"), &app.admin())
            .await;
        assert!(
            items(&agency["successors"]).contains(&json!(THUC_PHAN)),
            "{agency}"
        );
    }
    let sct = app.get_json("/api/v1/agencies/SCT", &app.admin()).await;
    assert_eq!(sct["successors"], json!([]));
}

#[tokio::test]
async fn compliance_covers_every_task_of_the_plan_in_both_periods() {
    let app = spawn_app().await;
    let count = seeded_task_count();
    assert_eq!(count, 41);
    for period in ["2025-H1", "2025"] {
        let c = compliance(&app, period).await;
        assert_eq!(items(&c["tasks"]).len(), count, "{period}");
        // Sở Nội vụ's own tasks (item 2): it receives the reports and sends none.
        let snv_own: Vec<&Value> = items(&c["tasks"])
            .iter()
            .filter(|t| t["item"] == 2)
            .collect();
        assert_eq!(snv_own.len(), 4);
        for t in snv_own {
            assert_eq!(t["status"], "untracked", "{t}");
            assert_eq!(
                t["agencies"],
                json!([{"agency": "SNV", "status": "untracked"}])
            );
        }
    }
}

#[tokio::test]
async fn a_commune_committee_files_its_own_report_and_reads_only_its_own() {
    let app = spawn_app().await;
    let own = app.agency(THUC_PHAN);
    let other = app.agency(TAN_GIANG);

    // Its tasks, taken over from the district committees on 1 July 2025: item 14,
    // their part of item 1 and the reporting duty (V.1).
    let tasks = app.tasks_of(THUC_PHAN).await;
    let sections: Vec<&str> = tasks
        .iter()
        .map(|t| t["section"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        ["IV.1", "IV.14", "IV.14", "IV.14", "IV.14", "V.1"]
    );
    for t in &tasks {
        let part = items(&t["assignments"])
            .iter()
            .find(|a| a["agency"] == THUC_PHAN)
            .unwrap()
            .clone();
        assert_eq!(
            part,
            json!({"agency": THUC_PHAN, "role": "lead", "valid_from": "2025-07-01", "valid_to": null})
        );
        // The district committees keep their rows: the record of who held it.
        let held_by_district = items(&t["assignments"])
            .iter()
            .any(|a| a["agency"] == "UBND-HOAAN" && a["valid_from"].is_null());
        assert!(held_by_district, "{t}");
    }

    let res = file(&app, &own, "2025", &tasks[0]["id"]).await;
    assert_eq!(res.status().as_u16(), 201);
    let report = json_of(res).await;
    assert_eq!(report["agency"], THUC_PHAN);
    assert_eq!(report["on_time"], false, "filed after 15 December 2025");
    let id = report["id"].as_str().unwrap();

    let c = compliance(&app, "2025").await;
    assert_eq!(status_of(&c, THUC_PHAN), "late");
    assert_eq!(status_of(&c, TAN_GIANG), "missing");
    let reported = items(&c["tasks"])
        .iter()
        .find(|t| t["task_id"] == tasks[0]["id"])
        .unwrap()
        .clone();
    let part = |agency: &str| {
        items(&reported["agencies"])
            .iter()
            .find(|a| a["agency"] == agency)
            .map(|a| a["status"].clone())
    };
    assert_eq!(part(THUC_PHAN), Some(json!("submitted")));
    assert_eq!(part(TAN_GIANG), Some(json!("overdue")));

    // Its own report: readable by it, not by another commune committee.
    let mine = app.get_json("/api/v1/plan-reports", &own).await;
    assert_eq!(codes(&mine["items"], "id"), BTreeSet::from([id.to_owned()]));
    let path = format!("/api/v1/plan-reports/{id}");
    assert_eq!(app.get(&path, &own).await.status().as_u16(), 200);
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    let theirs = app.get_json("/api/v1/plan-reports", &other).await;
    assert_eq!(theirs["items"], json!([]));
    let listed = app
        .get_json(&format!("/api/v1/plan-reports?agency={THUC_PHAN}"), &other)
        .await;
    assert_eq!(listed["items"], json!([]));
    // Nor file in its name.
    let body = json!({"plan_id": app.plan_id().await, "period": "2025", "agency": THUC_PHAN,
        "narrative": [{"task_id": tasks[0]["id"], "text": "Giả mạo."}]});
    assert_problem(
        app.post("/api/v1/plan-reports", &other, &body).await,
        403,
        "forbidden",
    )
    .await;

    // The commune committees did not exist on 15 June 2025; the district
    // committees no longer did on 15 December.
    let problem = assert_problem(
        file(&app, &own, "2025-H1", &tasks[0]["id"]).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        first_error(&problem),
        ("/agency".to_owned(), "not_assigned".to_owned())
    );
    let district = app.agency("UBND-HOAAN");
    let problem = assert_problem(
        file(&app, &district, "2025", &tasks[0]["id"]).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(first_error(&problem).1, "not_assigned");
    let res = file(&app, &district, "2025-H1", &tasks[0]["id"]).await;
    assert_eq!(res.status().as_u16(), 201);
}

#[tokio::test]
async fn reminders_and_drafts_reach_each_commune_committee() {
    let app = spawn_app().await;
    let db = app.svc.app_db.clone();
    let run = |today: NaiveDate| {
        let db = db.clone();
        async move {
            db.run(move |conn| tasks::service::reminders::run(conn, today))
                .await
                .unwrap()
        }
    };
    run(day(2025, 6, 8)).await;
    run(day(2025, 12, 8)).await;

    let reminders = |token: String| {
        let app = &app;
        async move {
            let list = app.get_json("/api/v1/reminders?limit=100", &token).await;
            items(&list["items"])
                .iter()
                .map(|r| {
                    (
                        r["agency"].as_str().unwrap().to_owned(),
                        r["period"].as_str().unwrap().to_owned(),
                        r["kind"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        reminders(app.agency(THUC_PHAN)).await,
        [(
            THUC_PHAN.to_owned(),
            "2025".to_owned(),
            "due_in_7_days".to_owned()
        )]
    );
    assert_eq!(
        reminders(app.agency("UBND-TPCB")).await,
        [(
            "UBND-TPCB".to_owned(),
            "2025-H1".to_owned(),
            "due_in_7_days".to_owned()
        )]
    );

    // A draft of its 2025 report: its tasks, its own commune's accidents.
    let own = app.agency(THUC_PHAN);
    let d = app
        .get_json(
            &format!("/api/v1/plan-reports/draft?agency={THUC_PHAN}&period=2025"),
            &own,
        )
        .await;
    assert_eq!(d["report"]["agency"], THUC_PHAN);
    assert_eq!(d["agency_name"], "Ủy ban nhân dân phường Thục Phán");
    let sections: Vec<&str> = items(&d["tasks"])
        .iter()
        .map(|t| t["section"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        ["IV.1", "IV.14", "IV.14", "IV.14", "IV.14", "V.1"]
    );
    assert_eq!(items(&d["report"]["narrative"]).len(), 6);
    assert!(
        items(&d["sources"])
            .iter()
            .any(|s| s["key"] == "commune_accidents"),
        "{d}"
    );
    // None for the half-year before it existed, and none for another commune.
    let h1 = app
        .get(
            &format!("/api/v1/plan-reports/draft?agency={THUC_PHAN}&period=2025-H1"),
            &own,
        )
        .await;
    let problem = assert_problem(h1, 400, "not_assigned").await;
    assert_eq!(problem["errors"][0]["parameter"], "agency", "{problem}");
    let foreign = app
        .get(
            &format!("/api/v1/plan-reports/draft?agency={THUC_PHAN}&period=2025"),
            &app.agency(TAN_GIANG),
        )
        .await;
    assert_problem(foreign, 403, "forbidden").await;
}

#[tokio::test]
async fn a_database_seeded_before_the_communes_gets_them_and_keeps_what_ubnd_xa_filed() {
    let app = spawn_app().await;
    let admin = app.admin();
    // Something filed under UBND-XA, all communes together: a task Sở Nội vụ gave
    // the group, and its report for 2025.
    let body = json!({"plan_id": app.plan_id().await, "section": "IV.14",
        "text": "Rà soát người lao động làm việc không theo hợp đồng lao động trên địa bàn.",
        "recurrence": "semiannual_and_annual_report",
        "assignments": [{"agency": "UBND-XA", "role": "lead"}]});
    let res = app.post("/api/v1/tasks", &admin, &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let group_task = json_of(res).await["id"].clone();
    let res = file(&app, &app.agency("UBND-XA"), "2025", &group_task).await;
    assert_eq!(res.status().as_u16(), 201);
    let group_report = json_of(res).await["id"].as_str().unwrap().to_owned();

    // The state a database seeded by the previous release is in: no commune
    // committees, nothing passed on.
    let db = app.svc.app_db.clone();
    db.run(|conn| {
        conn.batch_execute(
            "DELETE FROM assignments WHERE valid_from IS NOT NULL;
             DELETE FROM data_set_assignments WHERE agency_code LIKE 'UBND-XA-%';
             DELETE FROM agency_successors;
             DELETE FROM agencies WHERE code LIKE 'UBND-XA-%';",
        )
    })
    .await
    .unwrap();
    let c = compliance(&app, "2025").await;
    assert!(item_14(&c).is_empty(), "the old state: item 14 is lost");
    let status = app
        .get(&format!("/api/v1/agencies/{THUC_PHAN}"), &admin)
        .await
        .status();
    assert_eq!(status.as_u16(), 404);

    // Start-up of the new release (the same step as `atvsld seed plan-664`).
    let seed = tasks::domain::seed::plan_664().unwrap();
    let (agencies, passed) = db
        .run(move |conn| {
            tasks::service::seed::upgrade(conn, &seed).map_err(shared::error::ApiError::Internal)
        })
        .await
        .unwrap();
    assert_eq!(agencies, 56);
    // Six tasks of the district committees each (items 1 and 14, V.1), to each of
    // the 56 commune committees.
    assert_eq!(passed, 6 * 56);
    // Again: nothing more.
    let added = tasks::service::seed::seed_plan_664(&db).unwrap();
    assert_eq!(added, 0);
    let again = db
        .run(tasks::service::seed::pass_on_closed_agencies)
        .await
        .unwrap();
    assert_eq!(again, 0);

    let c = compliance(&app, "2025").await;
    assert_eq!(item_14(&c).len(), 4);
    assert_eq!(items(&c["tasks"]).len(), seeded_task_count() + 1);
    assert_eq!(status_of(&c, THUC_PHAN), "missing");
    assert_eq!(app.tasks_of(THUC_PHAN).await.len(), 6);
    // UBND-XA's report is kept, readable, and shown apart from the counted ones.
    assert_eq!(status_of(&c, "UBND-XA"), "");
    let other = codes(&c["other_filings"], "agency");
    assert_eq!(other, BTreeSet::from(["UBND-XA".to_owned()]));
    assert_eq!(c["other_filings"][0]["report_id"], group_report.as_str());
    assert_eq!(c["other_filings"][0]["status"], "late");
    let read = app
        .get_json(&format!("/api/v1/plan-reports/{group_report}"), &admin)
        .await;
    assert_eq!(read["agency"], "UBND-XA");
    let group = app.get_json("/api/v1/agencies/UBND-XA", &admin).await;
    assert_eq!(group["reports"], false);
}

#[tokio::test]
async fn a_task_given_to_a_closed_district_committee_goes_to_its_successors_at_once() {
    let app = spawn_app().await;
    let admin = app.admin();
    let hoa_an = app.get_json("/api/v1/agencies/UBND-HOAAN", &admin).await;
    let heirs: BTreeSet<String> = items(&hoa_an["successors"])
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert!(heirs.contains(THUC_PHAN), "{hoa_an}");

    let body = json!({"plan_id": app.plan_id().await, "section": "IV.14",
        "text": "Tổng kết công tác ATVSLĐ trên địa bàn huyện Hòa An cũ.",
        "recurrence": "semiannual_and_annual_report",
        "assignments": [{"agency": "UBND-HOAAN", "role": "lead"}]});
    let res = app.post("/api/v1/tasks", &admin, &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let task = json_of(res).await;
    let parts = items(&task["assignments"]);
    assert_eq!(parts.len(), 1 + heirs.len(), "{task}");
    assert!(parts.contains(
        &json!({"agency": "UBND-HOAAN", "role": "lead", "valid_from": null, "valid_to": null})
    ));
    for heir in &heirs {
        assert!(
            parts.contains(
                &json!({"agency": heir, "role": "lead", "valid_from": "2025-07-01", "valid_to": null})
            ),
            "{heir}: {task}"
        );
    }
    // A commune committee outside the old district does not get it.
    assert!(!heirs.contains("UBND-XA-01324"));
    let other = app.tasks_of("UBND-XA-01324").await;
    assert!(other.iter().all(|t| t["id"] != task["id"]));
}
