//! Plan 664's activity indicators: the data set, values in plan reports, their
//! checks, totals across agencies, completeness and revisions.

use chrono::Datelike;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::consolidated::{number, rows, text, workbook};
use crate::helpers::{TestApp, assert_problem, first_error, json_of, spawn_app};

/// This year (its annual report can always be filed) and the year before.
fn years() -> (String, String) {
    let year = shared::time::today().year();
    (year.to_string(), (year - 1).to_string())
}

async fn body(app: &TestApp, agency: &str, period: &str, values: Value) -> Value {
    let task = app.tasks_of(agency).await[0]["id"].clone();
    json!({
        "plan_id": app.plan_id().await,
        "period": period,
        "narrative": [{"task_id": task, "text": "Đã tổ chức thanh tra, kiểm tra theo kế hoạch."}],
        "values": values
    })
}

async fn file(app: &TestApp, agency: &str, period: &str, values: Value) -> Value {
    let body = body(app, agency, period, values).await;
    let res = app
        .post("/api/v1/plan-reports", &app.agency(agency), &body)
        .await;
    assert!(res.status().is_success(), "{}", json_of(res).await);
    json_of(res).await
}

async fn refused(app: &TestApp, agency: &str, values: Value, code: &str) -> (String, String) {
    let (year, _) = years();
    let body = body(app, agency, &year, values).await;
    let res = app
        .post("/api/v1/plan-reports", &app.agency(agency), &body)
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let (pointer, found) = first_error(&problem);
    assert_eq!(found, code, "{problem}");
    (pointer, found)
}

fn item<'a>(totals: &'a Value, indicator: &str) -> &'a Value {
    totals["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"] == indicator)
        .unwrap_or_else(|| panic!("no {indicator} in {totals}"))
}

fn option<'a>(item: &'a Value, option: &str) -> &'a Value {
    item["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["option"] == option)
        .unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_data_set_of_plan_664_is_seeded_with_its_indicators_rules_and_assignments() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer, None);
    let set = app
        .get_json("/api/v1/data-sets/KH664-ATVSLD", &viewer)
        .await;
    assert_eq!(set["plan_number"], "664/KH-UBND");
    let codes: Vec<&str> = set["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    for code in [
        "inspection.visits",
        "inspection.establishments",
        "inspection.violating_establishments",
        "inspection.fines_vnd",
        "inspection.suspensions",
        "training.courses",
        "training.trainees",
        "equipment.declared",
        "equipment.inspected",
        "communication.events",
        "communication.participants",
        "communication.media_items",
        "action_month.activities",
        "commendation.awards",
        "complaints.received",
        "complaints.resolved",
        "health_staff.trained",
        "funding.planned_vnd",
        "funding.spent_vnd",
    ] {
        assert!(codes.contains(&code), "{code} missing");
    }
    let groups = set["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "worker_group")
        .unwrap();
    assert_eq!(groups["options"].as_array().unwrap().len(), 6);
    assert_eq!(groups["unverified"], true);
    let assigned = |agency: &str, indicator: &str| {
        set["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["agency"] == agency && a["indicator"] == indicator)
    };
    assert!(assigned("SYT", "training.trainees"));
    assert!(assigned("UBND-XA-01273", "inspection.visits"));
    assert!(
        !assigned("UBND-XA", "inspection.visits"),
        "the group does not report"
    );
    assert!(!assigned("SYT", "funding.planned_vnd"));

    // The list pages like every list.
    let first = app.get_json("/api/v1/indicators?limit=5", &viewer).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 5);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(
            &format!("/api/v1/indicators?limit=5&cursor={cursor}"),
            &viewer,
        )
        .await;
    assert_ne!(second["items"][0]["code"], first["items"][0]["code"]);
    assert_eq!(first["items"][0]["unit"], "count");

    let res = app.get("/api/v1/data-sets/KHONG-CO", &viewer).await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn totals_across_two_agencies_equal_the_hand_sum_and_an_empty_indicator_is_not_reported() {
    let app = spawn_app().await;
    let (year, last_year) = years();
    file(&app, "SYT", &year, json!([
        {"indicator": "inspection.visits", "value": 7},
        {"indicator": "inspection.visits", "breakdown": {"inspection_kind": "thanh_tra"}, "value": 2},
        {"indicator": "inspection.visits", "breakdown": {"inspection_kind": "kiem_tra"}, "value": 5},
        {"indicator": "inspection.establishments", "value": 30},
        {"indicator": "inspection.violating_establishments", "value": 4},
        {"indicator": "training.trainees", "breakdown": {"worker_group": "3"}, "value": 40},
        {"indicator": "training.trainees", "breakdown": {"worker_group": "4"}, "value": 85}
    ])).await;
    // Sở Công Thương leaves the establishments in breach out, and gives its visits
    // without a breakdown.
    file(
        &app,
        "SCT",
        &year,
        json!([
            {"indicator": "inspection.visits", "value": 3},
            {"indicator": "inspection.establishments", "value": 12}
        ]),
    )
    .await;
    file(
        &app,
        "SYT",
        &last_year,
        json!([
            {"indicator": "inspection.establishments", "value": 21}
        ]),
    )
    .await;

    let labor = app.labor();
    let totals = app
        .get_json(&format!("/api/v1/indicator-values?period={year}"), &labor)
        .await;
    assert_eq!(totals["previous_period"], last_year.as_str());
    let visits = item(&totals, "inspection.visits");
    assert_eq!(visits["total"], 7 + 3);
    assert_eq!(option(visits, "thanh_tra")["total"], 2);
    assert_eq!(option(visits, "kiem_tra")["total"], 5);
    let establishments = item(&totals, "inspection.establishments");
    assert_eq!(establishments["total"], 30 + 12);
    assert_eq!(establishments["previous_total"], 21);
    // (42 − 21) / 21 × 100.
    assert_eq!(establishments["change_percent"], 100.0);
    let trainees = item(&totals, "training.trainees");
    assert_eq!(trainees["total"], 40 + 85);
    assert_eq!(option(trainees, "3")["total"], 40);
    assert_eq!(option(trainees, "1")["total"], Value::Null);

    let breach = item(&totals, "inspection.violating_establishments");
    assert_eq!(breach["total"], 4);
    assert_eq!(names(&breach["reported"]), ["SYT"]);
    let missing = names(&breach["not_reported"]);
    assert!(missing.contains(&"SCT".to_owned()), "{breach}");
    assert!(!missing.contains(&"SYT".to_owned()));
    assert!(names(&breach["expected"]).contains(&"SNV".to_owned()));
    assert!(names(&establishments["reported"]).contains(&"SCT".to_owned()));
    // Nobody reported the funding: no total, not a zero.
    assert_eq!(item(&totals, "funding.spent_vnd")["total"], Value::Null);

    // Filters: one agency, one indicator; and the reports as they stood yesterday.
    let one = app
        .get_json(
            &format!("/api/v1/indicator-values?period={year}&agency=SCT&indicator=inspection.establishments"),
            &labor,
        )
        .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["items"][0]["total"], 12);
    assert_eq!(names(&one["items"][0]["expected"]), ["SCT"]);
    let yesterday = shared::time::today() - chrono::Days::new(1);
    let before = app
        .get_json(
            &format!("/api/v1/indicator-values?period={year}&as_of={yesterday}"),
            &labor,
        )
        .await;
    assert_eq!(item(&before, "inspection.visits")["total"], Value::Null);

    // The consolidated report carries the same totals.
    let plan = app.plan_id().await;
    let consolidated = app
        .get_json(
            &format!("/api/v1/plans/{plan}/consolidated-report?period={year}"),
            &labor,
        )
        .await;
    assert_eq!(
        item(&consolidated["indicators"], "inspection.establishments")["total"],
        30 + 12
    );
    // And its workbook, on a sheet of its own.
    let path = format!("/api/v1/plans/{plan}/consolidated-report?period={year}&format=xlsx");
    let mut wb = workbook(&app, &path, None).await;
    let sheet = rows(&mut wb, "Chỉ tiêu hoạt động");
    let row = |code: &str| {
        sheet
            .iter()
            .find(|r| text(&r[0]) == code)
            .unwrap_or_else(|| panic!("no row {code}"))
    };
    assert_eq!(number(&row("inspection.establishments")[3]), Some(21.0));
    assert_eq!(number(&row("inspection.establishments")[4]), Some(42.0));
    assert_eq!(number(&row("inspection.visits/kiem_tra")[4]), Some(5.0));
    assert!(text(&row("inspection.violating_establishments")[7]).contains("SCT"));
}

#[tokio::test]
async fn values_that_break_the_data_set_are_refused_with_a_pointer_to_the_value() {
    let app = spawn_app().await;
    // More establishments in breach than inspected.
    let (pointer, _) = refused(
        &app,
        "SYT",
        json!([
            {"indicator": "inspection.establishments", "value": 10},
            {"indicator": "inspection.violating_establishments", "value": 11}
        ]),
        "validation_rule_failed",
    )
    .await;
    assert_eq!(pointer, "/values/1/value");
    // Trainees by group that do not add up to the total.
    let (pointer, _) = refused(
        &app,
        "SYT",
        json!([
            {"indicator": "training.courses", "value": 2},
            {"indicator": "training.trainees", "breakdown": {"worker_group": "3"}, "value": 4},
            {"indicator": "training.trainees", "value": 10},
            {"indicator": "training.trainees", "breakdown": {"worker_group": "4"}, "value": 5}
        ]),
        "validation_rule_failed",
    )
    .await;
    assert_eq!(pointer, "/values/2/value");
    let cases = [
        (
            json!({"indicator": "inspection.establishments", "value": -1}),
            "/values/0/value",
            "out_of_range",
        ),
        (
            json!({"indicator": "inspection.establishments", "value": 20_000_000_000_000_i64}),
            "/values/0/value",
            "out_of_range",
        ),
        (
            json!({"indicator": "inspection.establishments", "value": 2.5}),
            "/values/0/value",
            "not_an_integer",
        ),
        (
            json!({"indicator": "no.such", "value": 1}),
            "/values/0/indicator",
            "unknown_indicator",
        ),
        (
            json!({"indicator": "funding.planned_vnd", "value": 1}),
            "/values/0/indicator",
            "indicator_not_assigned",
        ),
        (
            json!({"indicator": "training.trainees", "breakdown": {"worker_group": "9"}, "value": 1}),
            "/values/0/breakdown/worker_group",
            "unknown_option",
        ),
        (
            json!({"indicator": "training.courses", "breakdown": {"worker_group": "1"}, "value": 1}),
            "/values/0/breakdown",
            "invalid_breakdown",
        ),
    ];
    for (value, at, code) in cases {
        let (pointer, _) = refused(&app, "SYT", json!([value]), code).await;
        assert_eq!(pointer, at, "{code}");
    }
    let (pointer, _) = refused(
        &app,
        "SYT",
        json!([
            {"indicator": "training.courses", "value": 1},
            {"indicator": "training.courses", "value": 2}
        ]),
        "duplicate_value",
    )
    .await;
    assert_eq!(pointer, "/values/1");
    // Nothing was stored.
    let list = app
        .get_json("/api/v1/plan-reports?agency=SYT", &app.labor())
        .await;
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_refiled_report_keeps_its_old_values_under_its_revisions() {
    let app = spawn_app().await;
    let (year, _) = years();
    let first = file(
        &app,
        "SCT",
        &year,
        json!([
            {"indicator": "equipment.declared", "value": 14},
            {"indicator": "equipment.inspected", "value": 9}
        ]),
    )
    .await;
    assert_eq!(first["values"][1]["value"], 9);
    let second = file(
        &app,
        "SCT",
        &year,
        json!([
            {"indicator": "equipment.declared", "value": 15},
            {"indicator": "equipment.inspected", "value": 15}
        ]),
    )
    .await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["values"][1]["value"], 15);

    let id = second["id"].as_str().unwrap();
    let revisions = app
        .get_json(
            &format!("/api/v1/plan-reports/{id}/revisions"),
            &app.agency("SCT"),
        )
        .await;
    let items = revisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let values_of = |snapshot: &Value| -> Value {
        serde_json::from_str(snapshot["indicator_values"].as_str().unwrap()).unwrap()
    };
    assert_eq!(items[0]["version"], 2);
    assert_eq!(values_of(&items[0]["snapshot"])[1]["value"], 15);
    assert_eq!(items[1]["version"], 1);
    assert_eq!(values_of(&items[1]["snapshot"])[0]["value"], 14);
    assert_eq!(values_of(&items[1]["snapshot"])[1]["value"], 9);

    // The totals count the latest version only.
    let totals = app
        .get_json(
            &format!("/api/v1/indicator-values?period={year}&agency=SCT"),
            &app.labor(),
        )
        .await;
    assert_eq!(item(&totals, "equipment.declared")["total"], 15);
}

#[tokio::test]
async fn agencies_file_their_own_values_and_do_not_read_the_totals() {
    let app = spawn_app().await;
    let (year, _) = years();
    // Sở Công Thương cannot file Sở Y tế's values.
    let mut other = body(
        &app,
        "SYT",
        &year,
        json!([{"indicator": "training.courses", "value": 1}]),
    )
    .await;
    other["agency"] = json!("SYT");
    let res = app
        .post("/api/v1/plan-reports", &app.agency("SCT"), &other)
        .await;
    assert_eq!(res.status().as_u16(), 403);
    // Sở Nội vụ reports its own inspections; amounts in đồng run to billions.
    file(
        &app,
        "SNV",
        &year,
        json!([{"indicator": "inspection.fines_vnd", "value": 2_450_000_000_i64}]),
    )
    .await;
    let totals = app
        .get_json(
            &format!("/api/v1/indicator-values?period={year}&indicator=inspection.fines_vnd"),
            &app.token(Role::Viewer, None),
        )
        .await;
    assert_eq!(totals["items"][0]["total"], 2_450_000_000_i64);
    let res = app
        .get(
            &format!("/api/v1/indicator-values?period={year}"),
            &app.agency("SYT"),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    for (role, org) in [(Role::Viewer, None), (Role::HealthAuthority, Some("SYT"))] {
        let res = app
            .get(
                &format!("/api/v1/indicator-values?period={year}"),
                &app.token(role, org),
            )
            .await;
        assert_eq!(res.status().as_u16(), 200);
    }
}
