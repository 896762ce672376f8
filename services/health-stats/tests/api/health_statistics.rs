use serde_json::{Value, json};
use shared::auth::Role;

use crate::disease_cases::{case, record};
use crate::health_reports::{file, report};
use crate::helpers::{TestApp, assert_problem, json_of, spawn_app};

async fn statistics(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/health-statistics?{query}"), token)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    json_of(res).await
}

#[tokio::test]
async fn two_years_of_reports_give_the_year_on_year_change_against_the_target() {
    let app = spawn_app().await;
    // 2024: 200 workers examined for occupational disease; 2025: 206 (+3 %, off track).
    file(&app, &report("2024", 1, "01273", 500, 120)).await;
    file(&app, &report("2024", 2, "01279", 300, 80)).await;
    file(&app, &report("2025", 1, "01273", 520, 126)).await;
    file(&app, &report("2025", 2, "01279", 300, 80)).await;
    record(&app, &case("004090012345", "BNN-18", 1, "2025-03-01")).await;

    let s = statistics(&app, &app.admin(), "period=2025&group_by=commune").await;
    assert_eq!(s["total"]["workers_examined_for_bnn"], 206);
    assert_eq!(s["total"]["figures"]["reports"], 2);
    assert_eq!(s["total"]["figures"]["workers"], 820);
    assert_eq!(s["total"]["figures"]["disease_cases"], 1);
    assert_eq!(s["total"]["exam_coverage_percent"], 100.0);
    let trend = &s["bnn_exam_trend"];
    assert_eq!(
        (trend["previous"].as_f64(), trend["current"].as_f64()),
        (Some(200.0), Some(206.0))
    );
    assert_eq!(trend["change_percent"], 3.0);
    assert_eq!(trend["target_percent"], 5.0);
    assert_eq!(trend["on_track"], false);
    let rows = s["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter().find(|r| r["key"] == "01273").unwrap()["workers_examined_for_bnn"],
        126
    );

    // A corrected 2025 report lifts it to +5 %: on track.
    let mut corrected = report("2025", 1, "01273", 520, 130);
    corrected["change_reason"] = json!("Bổ sung số người được khám");
    assert_eq!(
        app.post("/api/v1/health-exam-reports", &app.admin(), &corrected)
            .await
            .status()
            .as_u16(),
        200
    );
    let s = statistics(&app, &app.admin(), "period=2025").await;
    assert_eq!(s["bnn_exam_trend"]["change_percent"], 5.0);
    assert_eq!(s["bnn_exam_trend"]["on_track"], true);

    let by_disease = statistics(&app, &app.admin(), "period=2025&group_by=disease").await;
    let noise = &by_disease["rows"][0];
    assert_eq!(noise["key"], "BNN-18");
    assert_eq!(
        (
            noise["figures"]["bnn_suspected"].as_i64(),
            noise["figures"]["bnn_confirmed"].as_i64(),
            noise["figures"]["disease_cases"].as_i64()
        ),
        (Some(4), Some(2), Some(1))
    );
}

#[tokio::test]
async fn a_viewer_gets_small_cells_suppressed_and_as_of_reads_the_past() {
    let app = spawn_app().await;
    record(&app, &case("004090012345", "BNN-18", 1, "2025-03-01")).await;
    file(&app, &report("2025", 2, "01279", 300, 80)).await;
    let viewer = app.token(Role::Viewer, None);
    let s = statistics(&app, &viewer, "period=2025&group_by=disease").await;
    let noise = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "BNN-18")
        .unwrap()
        .clone();
    assert_eq!(noise["suppressed"], true);
    assert!(noise["figures"].is_null());
    assert_eq!(
        s["total"]["suppressed"], false,
        "300 workers is no small cell"
    );
    assert_problem(
        app.get(
            "/api/v1/health-statistics?period=2025",
            &app.token(Role::Enterprise, Some("x")),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let yesterday = shared::time::today() - chrono::Duration::days(1);
    let past = statistics(
        &app,
        &app.admin(),
        &format!("period=2025&as_of={yesterday}"),
    )
    .await;
    assert_eq!(past["total"]["figures"]["reports"], 0);
}

#[tokio::test]
async fn every_row_has_a_label_and_the_year_in_progress_is_not_judged() {
    let app = spawn_app().await;
    let today = shared::time::today();
    let this_year = chrono::Datelike::year(&today);
    let last_year = (this_year - 1).to_string();
    file(&app, &report(&last_year, 1, "01273", 500, 120)).await;
    file(&app, &report(&last_year, 2, "01279", 300, 80)).await;

    // Every grouping: each row, the total too, says what it is in both languages.
    for group_by in ["commune", "vsic_section", "ownership_type", "disease"] {
        let s = statistics(
            &app,
            &app.admin(),
            &format!("period={last_year}&group_by={group_by}"),
        )
        .await;
        let rows = s["rows"].as_array().unwrap();
        assert!(!rows.is_empty(), "{group_by}: {s}");
        for r in rows.iter().chain([&s["total"]]) {
            for field in ["label", "label_en"] {
                assert!(
                    r[field].as_str().is_some_and(|l| !l.is_empty()),
                    "{group_by}: {field} of {r}"
                );
            }
        }
        assert_eq!(s["total"]["label"], "Tổng cộng");
        let by_key = |k: &str| {
            rows.iter()
                .find(|r| r["key"] == k)
                .unwrap_or_else(|| panic!("{k} in {s}"))
        };
        match group_by {
            "disease" => {
                assert_eq!(
                    by_key("BNN-18")["label"],
                    "Bệnh điếc nghề nghiệp do tiếng ồn"
                );
            }
            "vsic_section" => assert_eq!(by_key("B")["label_en"], "Mining and quarrying"),
            "ownership_type" => assert_eq!(by_key("2")["label_en"], "Domestic private enterprise"),
            "commune" => assert!(
                by_key("01273")["label"]
                    .as_str()
                    .unwrap()
                    .starts_with("Phường ")
            ),
            _ => {}
        }
    }

    // Last year is over: judged. 200 → 0 this year so far is −100 %, but this year is
    // not over: partial, complete_through yesterday, and no on/off-track claim.
    let done = statistics(&app, &app.admin(), &format!("period={last_year}")).await;
    assert_eq!(done["complete"], true);
    assert_eq!(done["complete_through"], format!("{last_year}-12-31"));
    assert_eq!(done["bnn_exam_trend"]["assessment"], "no_base");
    let running = statistics(&app, &app.admin(), &format!("period={this_year}")).await;
    assert_eq!(running["complete"], false, "{running}");
    let trend = &running["bnn_exam_trend"];
    assert_eq!(trend["complete"], false);
    let yesterday = today - chrono::Duration::days(1);
    if chrono::Datelike::year(&yesterday) == this_year {
        assert_eq!(running["complete_through"], yesterday.to_string());
    }
    assert_eq!(trend["previous"], 200.0);
    assert_eq!(trend["current"], 0.0);
    assert_eq!(trend["change_percent"], -100.0);
    assert!(trend["on_track"].is_null(), "{trend}");
    assert_eq!(trend["assessment"], "period_in_progress");
    assert_eq!(trend["target_percent"], 5.0);
}

fn step_slots(app: &TestApp, up: bool) {
    let mut conn = app.svc.app_db.get().unwrap();
    shared::db::step_migration(
        &mut conn,
        &health_stats::db::MIGRATIONS,
        "2026-12-03-150000_stat_slots",
        up,
    )
    .unwrap();
}

/// The counters are split into slots by request (migration `stat_slots`): the figures
/// are the same before the migration, after it, and with the rows spread over slots.
#[tokio::test]
async fn the_figures_are_the_same_whatever_the_counter_slots() {
    let app = spawn_app().await;
    for n in 1..=6 {
        file(&app, &report("2025", n, "01273", 100 + n, 20)).await;
    }
    record(&app, &case("004090012345", "BNN-18", 1, "2025-03-01")).await;
    let query = "period=2025&group_by=commune";
    let before = statistics(&app, &app.admin(), query).await;
    assert_eq!(before["total"]["figures"]["reports"], 6);
    step_slots(&app, false);
    let one_row_a_group = statistics(&app, &app.admin(), query).await;
    step_slots(&app, true);
    let after = statistics(&app, &app.admin(), query).await;
    for s in [&one_row_a_group, &after] {
        assert_eq!(s["total"], before["total"]);
        assert_eq!(s["rows"], before["rows"]);
    }
}
