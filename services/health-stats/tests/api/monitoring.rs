//! Work-environment monitoring reports and statistics, through the running service.

use chrono::Duration;
use reqwest::Response;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_of, spawn_app, tax_code};

const REPORTS: &str = "/api/v1/monitoring-reports";

pub fn noise(taken: u32, over: u32, values: &[f64]) -> Value {
    let measurements: Vec<Value> = values
        .iter()
        .map(
            |v| json!({"parameter": "LAeq", "value": v, "unit": "dBA", "location": "Xưởng nghiền"}),
        )
        .collect();
    json!({"factor": "noise", "samples_taken": taken, "samples_over_limit": over, "measurements": measurements})
}

pub fn factor(name: &str, taken: u32, over: u32) -> Value {
    json!({"factor": name, "samples_taken": taken, "samples_over_limit": over})
}

pub fn report(n: u32, commune: &str, on: &str, harmful: bool, factors: Vec<Value>) -> Value {
    json!({
        "organisation": {"name": "Trung tâm Kiểm soát bệnh tật tỉnh Cao Bằng", "licence_number": "15/2019/SYT-QTMTLĐ"},
        "establishment": {"tax_code": tax_code(n), "name": format!("Công ty TNHH Khoáng sản số {n}"),
                          "commune_code": commune, "vsic_code": "0710", "ownership_type": "2"},
        "monitored_on": on,
        "has_harmful_factors": harmful,
        "factors": factors
    })
}

pub async fn file(app: &TestApp, body: &Value) -> Value {
    let res = app.post(REPORTS, &app.admin(), body).await;
    assert!(
        res.status().is_success(),
        "status {}",
        res.status().as_u16()
    );
    json_of(res).await
}

async fn post_with_key(app: &TestApp, path: &str, body: &Value, key: &str) -> Response {
    app.svc
        .client
        .post(app.svc.url(path))
        .bearer_auth(app.admin())
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn statistics(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/monitoring-statistics?{query}"), token)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    json_of(res).await
}

fn codes(filed: &Value) -> Vec<String> {
    filed["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .map(|w| w["code"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn row<'a>(stats: &'a Value, key: &str) -> &'a Value {
    stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {stats}"))
}

#[tokio::test]
async fn noise_of_90_dba_counted_as_within_the_limit_gets_a_warning() {
    let app = spawn_app().await;
    let body = report(1, "01273", "2025-05-12", true, vec![noise(1, 0, &[90.0])]);
    let res = app.post(REPORTS, &app.admin(), &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let filed = json_of(res).await;
    assert_eq!(codes(&filed), ["over_limit_count_mismatch"], "{filed}");
    assert_eq!(
        filed["warnings"][0]["pointer"],
        "/factors/0/samples_over_limit"
    );
    let message = filed["warnings"][0]["message"].as_str().unwrap();
    assert!(message.contains("85"), "{message}");
    // Accepted as sent: the sender's count stands.
    assert_eq!(filed["samples_over_limit"], 0);
}

#[tokio::test]
async fn noise_of_80_dba_counted_as_over_the_limit_gets_a_warning() {
    let app = spawn_app().await;
    let body = report(1, "01273", "2025-05-12", true, vec![noise(1, 1, &[80.0])]);
    let filed = file(&app, &body).await;
    assert_eq!(codes(&filed), ["over_limit_count_mismatch"], "{filed}");

    // A verdict sent with the value is checked too.
    let mut flagged = report(
        2,
        "01273",
        "2025-05-12",
        true,
        vec![noise(2, 1, &[80.0, 95.0])],
    );
    flagged["factors"][0]["measurements"][1]["exceeds"] = json!(false);
    flagged["factors"][0]["measurements"][1]["exposure_seconds"] = json!(3600);
    let filed = file(&app, &flagged).await;
    assert_eq!(codes(&filed), ["exceeds_flag_mismatch"], "{filed}");
    assert_eq!(
        filed["warnings"][0]["pointer"],
        "/factors/0/measurements/1/exceeds"
    );
}

#[tokio::test]
async fn a_valid_report_is_filed_with_a_receipt_and_can_be_read_back() {
    let app = spawn_app().await;
    let body = report(
        1,
        "01273",
        "2025-05-12",
        true,
        vec![noise(3, 1, &[90.0, 80.0]), factor("dust", 4, 0)],
    );
    let res = app.post(REPORTS, &app.admin(), &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let filed = json_of(res).await;
    assert!(filed.get("warnings").is_none(), "{filed}");
    assert_eq!(filed["receipt"]["kind"], "monitoring_report");
    assert_eq!(filed["receipt"]["subject_id"], filed["id"]);
    assert_eq!(filed["establishment"]["vsic_section"], "B");
    assert_eq!(
        (
            filed["samples_taken"].as_i64(),
            filed["samples_over_limit"].as_i64()
        ),
        (Some(7), Some(1))
    );
    let verdict = json_of(
        app.post(
            "/api/v1/receipts/verify",
            &app.token(Role::Viewer, None),
            &filed["receipt"],
        )
        .await,
    )
    .await;
    assert_eq!(verdict["valid"], true, "{verdict}");

    let read = json_of(
        app.get(&location, &app.token(Role::LaborAuthority, None))
            .await,
    )
    .await;
    assert_eq!(read["id"], filed["id"]);
    assert_eq!(read["receipt"]["reference"], filed["receipt"]["reference"]);
    assert_eq!(read["factors"][0]["measurements"][0]["value"], 90.0);

    for (query, expected) in [
        ("year=2025", 1),
        ("year=2024", 0),
        ("commune_code=01273", 1),
        ("commune_code=01279", 0),
    ] {
        let list = json_of(app.get(&format!("{REPORTS}?{query}"), &app.admin()).await).await;
        assert_eq!(list["items"].as_array().unwrap().len(), expected, "{query}");
    }
    let list = json_of(
        app.get(&format!("{REPORTS}?tax_code={}", tax_code(1)), &app.admin())
            .await,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The same visit again needs a reason and makes version 2.
    let problem = assert_problem(
        app.post(REPORTS, &app.admin(), &body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/change_reason");
    assert_eq!(problem["errors"][0]["code"], "change_reason_required");
    let mut corrected = body.clone();
    corrected["change_reason"] = json!("Bổ sung kết quả đo bụi hô hấp");
    corrected["factors"][1] = factor("dust", 6, 0);
    let res = app.post(REPORTS, &app.admin(), &corrected).await;
    assert_eq!(res.status().as_u16(), 200);
    let v2 = json_of(res).await;
    assert_eq!(
        (v2["version"].as_i64(), v2["id"].clone()),
        (Some(2), filed["id"].clone())
    );
    let revisions = json_of(
        app.get(&format!("{location}/revisions"), &app.admin())
            .await,
    )
    .await;
    assert_eq!(revisions["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn impossible_counts_are_refused_with_pointers() {
    let app = spawn_app().await;
    let body = report(
        1,
        "01273",
        "2025-05-12",
        true,
        vec![factor("noise", 2, 3), factor("noise", 1, 0)],
    );
    let problem = assert_problem(
        app.post(REPORTS, &app.admin(), &body).await,
        422,
        "validation_failed",
    )
    .await;
    let found: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("/factors/0/samples_over_limit", "over_limit_exceeds_taken"),
            ("/factors/1/factor", "duplicate_factor")
        ]
    );
    let mut unknown = report(1, "01273", "2025-05-12", true, vec![factor("noise", 1, 0)]);
    unknown["factors"][0]["factor"] = json!("NOISE");
    assert_eq!(
        app.post(REPORTS, &app.admin(), &unknown)
            .await
            .status()
            .as_u16(),
        422
    );
}

#[tokio::test]
async fn a_replayed_idempotency_key_returns_the_first_answer() {
    let app = spawn_app().await;
    let body = report(1, "01273", "2025-05-12", true, vec![noise(1, 0, &[90.0])]);
    let first = post_with_key(&app, REPORTS, &body, "qt-2025-0001").await;
    assert_eq!(first.status().as_u16(), 201);
    let first = json_of(first).await;
    let again = post_with_key(&app, REPORTS, &body, "qt-2025-0001").await;
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let again = json_of(again).await;
    assert_eq!(
        again, first,
        "the same answer, warnings and receipt included"
    );

    let mut other = body.clone();
    other["monitored_on"] = json!("2025-05-13");
    assert_problem(
        post_with_key(&app, REPORTS, &other, "qt-2025-0001").await,
        422,
        "idempotency_key_reused",
    )
    .await;
    let list = json_of(app.get(REPORTS, &app.admin()).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let stats = statistics(&app, &app.admin(), "period=2025").await;
    assert_eq!(stats["total"]["reports"], 1);
}

#[tokio::test]
async fn a_dry_run_answers_in_full_and_writes_nothing() {
    let app = spawn_app().await;
    let body = report(1, "01273", "2025-05-12", true, vec![noise(1, 0, &[90.0])]);
    let res = app
        .post(&format!("{REPORTS}?dry_run=true"), &app.admin(), &body)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["dry-run"], "true");
    assert!(res.headers().get("location").is_none());
    let answer = json_of(res).await;
    assert_eq!(codes(&answer), ["over_limit_count_mismatch"]);
    assert!(answer["receipt"].is_null(), "no receipt for a dry run");

    let list = json_of(app.get(REPORTS, &app.admin()).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let stats = statistics(&app, &app.admin(), "period=2025").await;
    assert_eq!(stats["total"]["establishments_monitored"], 0);
    assert_eq!(stats["total"]["reports"], 0);
    // Nor was the establishment recorded.
    let mut conn = app.svc.app_db.get().unwrap();
    let known: i64 = diesel::RunQueryDsl::get_result(
        diesel::QueryDsl::count(health_stats::db::schema::establishments::table),
        &mut *conn,
    )
    .unwrap();
    assert_eq!(known, 0);
}

#[tokio::test]
async fn enterprises_see_only_their_own_reports_and_viewers_cannot_write() {
    let app = spawn_app().await;
    let own = app.token(Role::Enterprise, Some(&tax_code(1)));
    let other = app.token(Role::Enterprise, Some(&tax_code(2)));
    let body = report(1, "01273", "2025-05-12", true, vec![factor("dust", 2, 0)]);
    let res = app.post(REPORTS, &own, &body).await;
    assert_eq!(res.status().as_u16(), 201);
    let filed = json_of(res).await;
    let path = format!("{REPORTS}/{}", filed["id"].as_str().unwrap());

    assert_eq!(app.get(&path, &own).await.status().as_u16(), 200);
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    assert_problem(
        app.get(&format!("{path}/revisions"), &other).await,
        404,
        "not_found",
    )
    .await;
    let theirs = json_of(app.get(REPORTS, &other).await).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    let problem = assert_problem(
        app.post(REPORTS, &other, &body).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "not_own_establishment");

    let viewer = app.token(Role::Viewer, None);
    let mut second = body.clone();
    second["monitored_on"] = json!("2025-06-01");
    assert_problem(app.post(REPORTS, &viewer, &second).await, 403, "forbidden").await;
    assert_problem(app.get(&path, &viewer).await, 403, "forbidden").await;
    let labour = app.token(Role::LaborAuthority, None);
    assert_eq!(app.get(&path, &labour).await.status().as_u16(), 200);
    assert_problem(app.post(REPORTS, &labour, &second).await, 403, "forbidden").await;
    let health = app.token(Role::HealthAuthority, None);
    assert_eq!(
        app.post(REPORTS, &health, &second).await.status().as_u16(),
        201
    );
    for role in [Role::Commune, Role::Insurer, Role::Agency] {
        let token = app.token(role, Some("01273"));
        assert_problem(app.get(REPORTS, &token).await, 403, "forbidden").await;
    }
}

/// 2024: establishments 1–4 with harmful factors, 5 without. 2025: 1 (twice), 2, 3
/// and the new 6 with harmful factors, 5 without; 4 files nothing.
pub async fn two_years(app: &TestApp) {
    for (n, commune, harmful, factors) in [
        (1, "01273", true, vec![noise(4, 1, &[])]),
        (2, "01273", true, vec![factor("dust", 6, 0)]),
        (3, "01279", true, vec![noise(2, 0, &[])]),
        (4, "01279", true, vec![noise(2, 2, &[])]),
        (5, "01273", false, vec![factor("light", 3, 0)]),
    ] {
        file(app, &report(n, commune, "2024-03-10", harmful, factors)).await;
    }
    let mut later = report(1, "01273", "2025-09-01", true, vec![factor("dust", 5, 1)]);
    later["organisation"]["licence_number"] = json!("02/2020/BYT-QTMTLĐ");
    for body in [
        report(1, "01273", "2025-02-01", true, vec![noise(4, 0, &[])]),
        later,
        report(2, "01273", "2025-03-01", true, vec![noise(2, 0, &[])]),
        report(3, "01279", "2025-03-01", true, vec![noise(2, 0, &[])]),
        report(5, "01273", "2025-03-01", false, vec![factor("light", 3, 0)]),
        report(6, "01288", "2025-03-01", true, vec![noise(2, 0, &[])]),
    ] {
        file(app, &body).await;
    }
}

#[tokio::test]
async fn statistics_for_two_consecutive_years_match_hand_computed_figures() {
    let app = spawn_app().await;
    two_years(&app).await;
    let token = app.token(Role::Agency, Some("SYT"));

    let y2024 = statistics(&app, &token, "period=2024").await;
    let t = &y2024["total"];
    assert_eq!(
        [
            &t["establishments_monitored"],
            &t["establishments_with_harmful_factors"],
            &t["establishments_reporting"],
            &t["reports"],
            &t["samples_taken"],
            &t["samples_over_limit"],
            &t["establishments_with_exceedance"],
        ],
        [4, 4, 5, 5, 17, 3, 2]
    );
    assert_eq!(y2024["monitored_trend"]["previous"], 0.0);
    assert_eq!(y2024["monitored_trend"]["assessment"], "no_base");
    assert!(
        y2024["monitored_trend"]["on_track"].is_null(),
        "no base year"
    );

    // Establishment 1 reported twice in 2025 and counts once; 4 was not monitored but
    // is still known to have harmful factors.
    let y2025 = statistics(&app, &token, "period=2025").await;
    let t = &y2025["total"];
    assert_eq!(
        [
            &t["establishments_monitored"],
            &t["establishments_with_harmful_factors"],
            &t["establishments_reporting"],
            &t["reports"],
            &t["samples_taken"],
            &t["samples_over_limit"],
        ],
        [4, 5, 5, 6, 18, 1]
    );
    assert_eq!(t["monitored_percent"], 80.0);
    assert_eq!(
        y2025["monitored_trend"],
        json!({"indicator": "monitored_establishments", "previous_period": "2024",
               "previous": 4.0, "current": 4.0, "change_percent": 0.0,
               "direction": "increase", "target_percent": 5.0, "on_track": false,
               "assessment": "off_track", "complete": true, "complete_through": "2025-12-31"})
    );
    assert_eq!(
        (&y2025["complete"], &y2025["complete_through"]),
        (&json!(true), &json!("2025-12-31"))
    );

    // One more establishment with harmful factors monitored: 5 against 4 is +25 %.
    file(
        &app,
        &report(7, "01273", "2025-10-01", true, vec![noise(1, 0, &[])]),
    )
    .await;
    let y2025 = statistics(&app, &token, "period=2025&group_by=commune").await;
    assert_eq!(y2025["total"]["establishments_monitored"], 5);
    assert_eq!(y2025["total"]["establishments_with_harmful_factors"], 6);
    assert_eq!(y2025["monitored_trend"]["change_percent"], 25.0);
    assert_eq!(y2025["monitored_trend"]["on_track"], true);
    let thuc_phan = row(&y2025, "01273");
    assert_eq!(thuc_phan["label"], "Phường Thục Phán");
    assert_eq!(
        [
            &thuc_phan["establishments_reporting"],
            &thuc_phan["establishments_monitored"],
            &thuc_phan["establishments_with_harmful_factors"]
        ],
        [4, 3, 3]
    );
    let nung_tri_cao = row(&y2025, "01279");
    assert_eq!(
        [
            &nung_tri_cao["establishments_reporting"],
            &nung_tri_cao["establishments_monitored"],
            &nung_tri_cao["establishments_with_harmful_factors"]
        ],
        [1, 1, 2]
    );
    assert_eq!(nung_tri_cao["monitored_percent"], 50.0);

    let by_factor = statistics(&app, &token, "period=2025&group_by=factor").await;
    let noise_row = row(&by_factor, "noise");
    assert_eq!(noise_row["label"], "Tiếng ồn");
    assert_eq!(noise_row["label_en"], "Noise");
    assert_eq!(
        [
            &noise_row["establishments_reporting"],
            &noise_row["samples_taken"],
            &noise_row["samples_over_limit"]
        ],
        [5, 11, 0]
    );
    assert!(noise_row["establishments_with_harmful_factors"].is_null());
    let dust = row(&by_factor, "dust");
    assert_eq!(
        [
            &dust["samples_taken"],
            &dust["samples_over_limit"],
            &dust["establishments_with_exceedance"]
        ],
        [5, 1, 1]
    );
    assert_eq!(dust["samples_over_limit_percent"], 20.0);

    // A viewer sees the province but not the communes of fewer than 5 establishments.
    let viewer = statistics(
        &app,
        &app.token(Role::Viewer, None),
        "period=2025&group_by=commune",
    )
    .await;
    assert_eq!(viewer["total"]["establishments_monitored"], 5);
    let hidden = row(&viewer, "01273");
    assert_eq!(hidden["suppressed"], true);
    assert!(hidden["establishments_monitored"].is_null());

    assert_problem(
        app.get(
            "/api/v1/monitoring-statistics?period=2025",
            &app.token(Role::Enterprise, Some(&tax_code(1))),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/monitoring-statistics?period=2025-H1", &token)
            .await,
        400,
        "year_required",
    )
    .await;
}

#[tokio::test]
async fn as_of_returns_the_figures_as_they_stood() {
    let app = spawn_app().await;
    file(
        &app,
        &report(1, "01273", "2025-04-01", true, vec![noise(2, 0, &[])]),
    )
    .await;
    let second = report(2, "01273", "2025-04-01", true, vec![noise(2, 0, &[])]);
    let filed = file(&app, &second).await;
    // Pretend these were filed a week ago.
    let week_ago = shared::time::today() - Duration::days(7);
    let mut conn = app.svc.app_db.get().unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE monitoring_stat_deltas SET changed_on = '{week_ago}'"
        )),
        &mut *conn,
    )
    .unwrap();
    drop(conn);
    // Today a third establishment files, and the second's report is corrected: it
    // has no harmful factors after all.
    file(
        &app,
        &report(3, "01279", "2025-05-01", true, vec![noise(2, 0, &[])]),
    )
    .await;
    let mut corrected = second.clone();
    corrected["has_harmful_factors"] = json!(false);
    corrected["change_reason"] = json!("Đánh giá lại: không có yếu tố có hại");
    let v2 = file(&app, &corrected).await;
    assert_eq!(
        (v2["id"].clone(), v2["version"].as_i64()),
        (filed["id"].clone(), Some(2))
    );

    let admin = app.admin();
    let now = statistics(&app, &admin, "period=2025").await;
    assert_eq!(now["total"]["establishments_monitored"], 2);
    assert_eq!(now["total"]["establishments_reporting"], 3);
    assert_eq!(now["total"]["establishments_with_harmful_factors"], 2);
    let yesterday = shared::time::today() - Duration::days(1);
    let then = statistics(&app, &admin, &format!("period=2025&as_of={yesterday}")).await;
    assert_eq!(then["total"]["establishments_monitored"], 2);
    assert_eq!(then["total"]["establishments_reporting"], 2);
    assert_eq!(then["total"]["establishments_with_harmful_factors"], 2);
    assert_eq!(then["method"]["as_of"], yesterday.to_string());
    let before = statistics(
        &app,
        &admin,
        &format!("period=2025&as_of={}", week_ago - Duration::days(1)),
    )
    .await;
    assert_eq!(before["total"]["establishments_reporting"], 0);
    assert_eq!(before["total"]["establishments_monitored"], 0);
}

#[tokio::test]
async fn every_row_of_every_grouping_is_labelled_and_the_year_in_progress_is_not_judged() {
    let app = spawn_app().await;
    two_years(&app).await;
    let this_year = chrono::Datelike::year(&shared::time::today());
    let last_year = this_year - 1;
    file(
        &app,
        &report(
            7,
            "01273",
            &format!("{last_year}-03-01"),
            true,
            vec![noise(1, 0, &[])],
        ),
    )
    .await;
    let admin = app.admin();
    for group_by in ["commune", "vsic_section", "ownership_type", "factor"] {
        let s = statistics(&app, &admin, &format!("period=2025&group_by={group_by}")).await;
        let rows = s["rows"].as_array().unwrap();
        assert!(!rows.is_empty(), "{group_by}");
        for r in rows.iter().chain([&s["total"]]) {
            for field in ["label", "label_en"] {
                assert!(
                    r[field].as_str().is_some_and(|l| !l.is_empty()),
                    "{group_by}: {field} of {r}"
                );
            }
        }
    }
    let dust = statistics(&app, &admin, "period=2025&group_by=factor").await;
    assert_eq!(row(&dust, "dust")["label_en"], "Dust");

    // Last year had monitored establishments, this year none yet: −100 % so far, but the
    // year is not over, so nothing is judged.
    let running = statistics(&app, &admin, &format!("period={this_year}")).await;
    assert_eq!(running["complete"], false);
    let trend = &running["monitored_trend"];
    assert!(trend["previous"].as_f64().unwrap() >= 1.0, "{trend}");
    assert_eq!(trend["change_percent"], -100.0);
    assert!(trend["on_track"].is_null(), "{trend}");
    assert_eq!(trend["assessment"], "period_in_progress");
    assert_eq!(trend["complete"], false);
}

/// Every statutory filing answers a refiling without a reason alike: 422,
/// `change_reason_required` at `/change_reason`, and nothing changes.
#[tokio::test]
async fn a_refiling_without_a_reason_is_422_change_reason_required() {
    let app = spawn_app().await;
    let body = report(9, "01273", "2025-05-12", false, vec![factor("dust", 2, 0)]);
    let filed = file(&app, &body).await;
    for reason in [None, Some("  ")] {
        let mut again = body.clone();
        if let Some(r) = reason {
            again["change_reason"] = json!(r);
        }
        let problem = assert_problem(
            app.post(REPORTS, &app.admin(), &again).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["pointer"], "/change_reason");
        assert_eq!(problem["errors"][0]["code"], "change_reason_required");
    }
    let id = filed["id"].as_str().unwrap();
    let stored = json_of(app.get(&format!("{REPORTS}/{id}"), &app.admin()).await).await;
    assert_eq!(stored["version"], 1);
}
