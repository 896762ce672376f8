use chrono::{Datelike, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, assert_problem, establishment, json_of, spawn_app, tax_code};

fn casualty(personal_id: &str, severity: &str, gender: &str) -> Value {
    json!({
        "personal_id": personal_id, "full_name": "Người bị nạn", "gender": gender, "birth_year": 1990,
        "contract_type": "indefinite", "severity": severity, "days_off": 10,
        "costs": {"medical_thousand_vnd": 1000, "wages_thousand_vnd": 500, "compensation_thousand_vnd": 0}
    })
}

fn declaration(employer: Option<&str>, commune: &str, casualties: Vec<Value>) -> Value {
    let at = Utc::now() - Duration::days(2);
    let mut body = json!({
        "sector": "with_labour_relation",
        "occurred_at": at.to_rfc3339(), "notified_at": at.to_rfc3339(), "police_notified_at": at.to_rfc3339(),
        "place": {"commune_code": commune, "address": "x"}, "description": "x",
        "cause_codes": ["1"], "casualties": casualties
    });
    match employer {
        Some(tax) => body["employer"] = json!({"tax_code": tax}),
        None => {
            body["sector"] = json!("without_labour_contract");
            for c in body["casualties"].as_array_mut().unwrap() {
                c["contract_type"] = json!("none");
            }
        }
    }
    body
}

/// The year the seeded accidents fall in (Viet Nam time).
fn this_year() -> String {
    (Utc::now() - Duration::days(2))
        .with_timezone(&shared::time::vietnam())
        .year()
        .to_string()
}

async fn seed(app: &TestApp) -> Vec<Value> {
    let mut one = establishment(&tax_code(1));
    one["headcount"] = json!({"total": 1000, "female": 100, "hazardous": 10});
    app.create_establishment(&one).await;
    let mut two = establishment(&tax_code(2));
    two["commune_code"] = json!("01279");
    two["headcount"] = json!({"total": 3000, "female": 100, "hazardous": 10});
    app.create_establishment(&two).await;
    let mut out = Vec::new();
    for body in [
        declaration(
            Some(&tax_code(1)),
            "01273",
            vec![
                casualty("004090000001", "fatal", "male"),
                casualty("004191000002", "serious", "female"),
            ],
        ),
        declaration(
            Some(&tax_code(2)),
            "01279",
            vec![casualty("004090000003", "minor", "male")],
        ),
        declaration(
            None,
            "01273",
            vec![casualty("004090000004", "fatal", "male")],
        ),
    ] {
        let res = app.post("/api/v1/accidents", &app.admin(), &body).await;
        assert_eq!(res.status().as_u16(), 201);
        out.push(json_of(res).await);
    }
    out
}

async fn statistics(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/accident-statistics?period={}{query}", this_year()),
            token,
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    json_of(res).await
}

#[tokio::test]
async fn statistics_match_hand_computed_counts_and_rates() {
    let app = spawn_app().await;
    seed(&app).await;
    let s = statistics(&app, &app.admin(), "&group_by=commune").await;
    let t = &s["total"]["figures"];
    assert_eq!(
        (
            t["cases"].as_i64(),
            t["cases_fatal"].as_i64(),
            t["cases_multi"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(
        (
            t["casualties"].as_i64(),
            t["fatal"].as_i64(),
            t["serious"].as_i64(),
            t["minor"].as_i64()
        ),
        (Some(4), Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (
            t["female"].as_i64(),
            t["days_off"].as_i64(),
            t["cost_medical_thousand_vnd"].as_i64()
        ),
        (Some(1), Some(40), Some(4000))
    );
    // Rates: the sector with a labour relation (3 casualties, 1 death) over 4,000 registered workers.
    assert_eq!(s["total"]["workers"], 4000);
    assert_eq!(s["total"]["frequency_rate_per_1000"], 0.75);
    assert_eq!(s["total"]["fatal_rate_per_100000"], 25.0);
    assert_eq!(s["method"]["denominator_source"], "establishment_registry");
    // The method is told in Vietnamese, and in English when the caller asks.
    assert!(
        s["method"]["counted"]
            .as_str()
            .unwrap()
            .contains("nghìn đồng"),
        "{}",
        s["method"]
    );
    let english = app
        .svc
        .client
        .get(app.svc.url(&format!(
            "/api/v1/accident-statistics?period={}",
            this_year()
        )))
        .bearer_auth(app.admin())
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let english = json_of(english).await;
    assert!(
        english["method"]["counted"]
            .as_str()
            .unwrap()
            .contains("thousand VND"),
        "{}",
        english["method"]
    );
    assert_eq!(english["total"]["figures"], s["total"]["figures"]);

    let rows = s["rows"].as_array().unwrap();
    let by = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    let thuc_phan = by("01273");
    assert_eq!(thuc_phan["label"], "Phường Thục Phán");
    assert_eq!(thuc_phan["figures"]["cases"], 2);
    assert_eq!(thuc_phan["figures"]["casualties"], 3);
    assert_eq!(thuc_phan["workers"], 1000);
    assert_eq!(thuc_phan["frequency_rate_per_1000"], 2.0);
    assert_eq!(thuc_phan["fatal_rate_per_100000"], 100.0);
    let other = by("01279");
    assert_eq!(other["frequency_rate_per_1000"], 0.33);
    assert_eq!(other["fatal_rate_per_100000"], 0.0);

    let labour = statistics(&app, &app.admin(), "&sector=without_labour_contract").await;
    assert_eq!(labour["total"]["figures"]["cases"], 1);
    let by_cause = statistics(&app, &app.admin(), "&group_by=cause").await;
    assert_eq!(by_cause["rows"][0]["key"], "1");
    assert_eq!(by_cause["rows"][0]["figures"]["cases"], 3);
}

#[tokio::test]
async fn a_viewer_gets_small_cells_suppressed() {
    let app = spawn_app().await;
    seed(&app).await;
    let s = statistics(&app, &app.token(Role::Viewer, None), "&group_by=commune").await;
    assert_eq!(s["total"]["suppressed"], true);
    assert!(s["total"]["figures"].is_null());
    assert!(
        s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["suppressed"] == true && r["figures"].is_null())
    );
    let admin = statistics(&app, &app.admin(), "").await;
    assert_eq!(admin["total"]["suppressed"], false);
    for role in [Role::Enterprise, Role::Commune, Role::Insurer] {
        let res = app
            .get(
                &format!("/api/v1/accident-statistics?period={}", this_year()),
                &app.token(role, Some("01273")),
            )
            .await;
        assert_problem(res, 403, "forbidden").await;
    }
    let res = app
        .get("/api/v1/accident-statistics?period=2025-Q3", &app.admin())
        .await;
    assert_problem(res, 400, "invalid_period").await;
}

#[tokio::test]
async fn as_of_before_a_correction_returns_the_old_figure() {
    let app = spawn_app().await;
    let accidents = seed(&app).await;
    // Pretend the declarations were made a week ago.
    let week_ago = shared::time::today() - Duration::days(7);
    let mut conn = app.svc.app_db.get().unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE accident_stat_deltas SET changed_on = '{week_ago}'"
        )),
        &mut *conn,
    )
    .unwrap();
    drop(conn);
    // Today the minor casualty dies of a relapse.
    let minor = &accidents[1];
    relapse_to_fatal(&app, minor).await;

    let now = statistics(&app, &app.admin(), "").await;
    assert_eq!(now["total"]["figures"]["fatal"], 3);
    assert_eq!(now["total"]["figures"]["minor"], 0);
    let yesterday = shared::time::today() - Duration::days(1);
    let then = statistics(&app, &app.admin(), &format!("&as_of={yesterday}")).await;
    assert_eq!(then["total"]["figures"]["fatal"], 2);
    assert_eq!(then["total"]["figures"]["minor"], 1);
    assert_eq!(then["method"]["as_of"], yesterday.to_string());
    let before_anything = statistics(
        &app,
        &app.admin(),
        &format!("&as_of={}", week_ago - Duration::days(1)),
    )
    .await;
    assert_eq!(before_anything["total"]["figures"]["cases"], 0);
}

#[tokio::test]
async fn rates_use_the_reported_headcounts_once_employers_have_filed() {
    let app = spawn_app().await;
    seed(&app).await;
    let year = this_year();
    let filing = json!({
        "kind": "employer", "period": year, "establishment": {"tax_code": tax_code(1)},
        "workers": {"total": 2000, "female": 100},
        "figures": {"totals": {"cases": 1, "cases_fatal": 1, "cases_multi": 1, "casualties": 2, "female": 1, "fatal": 1, "serious": 1}}
    });
    assert_eq!(
        app.post("/api/v1/accident-reports", &app.admin(), &filing)
            .await
            .status()
            .as_u16(),
        201
    );
    let s = statistics(&app, &app.admin(), "&group_by=commune").await;
    assert_eq!(s["method"]["denominator_source"], "periodic_reports");
    assert_eq!(s["total"]["workers"], 2000);
    // 3 casualties with a labour relation over 2,000 reported workers.
    assert_eq!(s["total"]["frequency_rate_per_1000"], 1.5);
    let thuc_phan = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "01273")
        .unwrap()
        .clone();
    assert_eq!(thuc_phan["workers"], 2000);
}

#[tokio::test]
async fn every_row_of_every_grouping_carries_its_label() {
    let app = spawn_app().await;
    seed(&app).await;
    let mut falling = declaration(
        Some(&tax_code(2)),
        "01279",
        vec![casualty("004090000005", "minor", "male")],
    );
    falling["injury_factor_code"] = json!("07");
    falling["cause_codes"] = json!(["8"]);
    let res = app.post("/api/v1/accidents", &app.admin(), &falling).await;
    assert_eq!(res.status().as_u16(), 201);

    let admin = app.admin();
    for group_by in [
        "commune",
        "vsic_section",
        "ownership_type",
        "cause",
        "injury_factor",
        "month",
    ] {
        let s = statistics(&app, &admin, &format!("&group_by={group_by}")).await;
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
        assert_eq!(s["total"]["label"], "Tổng cộng", "{group_by}");
    }
    let by = |s: &Value, key: &str| -> Value {
        s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {s}"))
    };
    let causes = statistics(&app, &admin, "&group_by=cause").await;
    assert_eq!(
        by(&causes, "1")["label"],
        "Không có thiết bị an toàn hoặc thiết bị không đảm bảo an toàn"
    );
    assert_eq!(
        by(&causes, "8")["label_en"],
        "The worker did not use personal protective equipment"
    );
    let factors = statistics(&app, &admin, "&group_by=injury_factor").await;
    assert_eq!(by(&factors, "07")["label"], "Vật rơi, đổ, sập");
    assert_eq!(by(&factors, "unknown")["label"], "Không xác định");
    assert_eq!(by(&factors, "unknown")["label_en"], "Not stated");
    let ownership = statistics(&app, &admin, "&group_by=ownership_type").await;
    assert_eq!(by(&ownership, "unknown")["label"], "Không xác định");
}

#[tokio::test]
async fn the_previous_rate_is_last_years_own_and_the_year_in_progress_is_not_judged() {
    let app = spawn_app().await;
    let today = shared::time::today();
    let year = today.year();
    let last = year - 1;
    // 4,000 registered workers; tax code 1 reported 2,000 for last year.
    for (n, total) in [(1, 1000), (2, 3000)] {
        let mut e = establishment(&tax_code(n));
        e["headcount"] = json!({"total": total, "female": 100, "hazardous": 10});
        app.create_establishment(&e).await;
    }
    let at_this_year = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let at_last_year = format!("{last}-06-15T03:00:00Z");
    for (n, id, at) in [
        (1, "004090000011", &at_this_year),
        (2, "004090000012", &at_last_year),
    ] {
        let mut body = declaration(
            Some(&tax_code(n)),
            "01279",
            vec![casualty(id, "fatal", "male")],
        );
        for field in ["occurred_at", "notified_at", "police_notified_at"] {
            body[field] = json!(at);
        }
        let res = app.post("/api/v1/accidents", &app.admin(), &body).await;
        assert_eq!(res.status().as_u16(), 201, "{}", json_of(res).await);
    }
    let filing = json!({
        "kind": "employer", "period": last.to_string(), "establishment": {"tax_code": tax_code(1)},
        "workers": {"total": 2000, "female": 100},
        "figures": {"totals": {"cases": 0, "cases_fatal": 0, "cases_multi": 0, "casualties": 0, "female": 0, "fatal": 0, "serious": 0}}
    });
    let res = app
        .post("/api/v1/accident-reports", &app.admin(), &filing)
        .await;
    assert_eq!(res.status().as_u16(), 201, "{}", json_of(res).await);

    let get = |period: i32| {
        let app = &app;
        async move {
            let res = app
                .get(
                    &format!("/api/v1/accident-statistics?period={period}"),
                    &app.admin(),
                )
                .await;
            assert_eq!(res.status().as_u16(), 200);
            json_of(res).await
        }
    };
    // Last year on its own: 1 death over the 2,000 workers reported for it = 50. It is over.
    let previous = get(last).await;
    assert_eq!(previous["method"]["denominator_source"], "periodic_reports");
    assert_eq!(previous["total"]["fatal_rate_per_100000"], 50.0);
    assert_eq!(previous["complete"], true);
    assert_eq!(previous["complete_through"], format!("{last}-12-31"));

    // This year: 1 death over the 4,000 registered = 25, against last year's own 50.
    let current = get(year).await;
    let trend = &current["fatal_rate_trend"];
    assert_eq!(trend["indicator"], "fatal_accident_rate");
    assert_eq!(trend["previous_period"], last.to_string());
    assert_eq!(
        trend["previous"],
        previous["total"]["fatal_rate_per_100000"]
    );
    assert_eq!(trend["current"], current["total"]["fatal_rate_per_100000"]);
    assert_eq!(trend["current"], 25.0);
    assert_eq!(trend["change_percent"], -50.0);
    assert_eq!(trend["target_percent"], -4.0);
    // The year is not over: partial figures, no on/off-track claim.
    assert_eq!(current["complete"], false);
    assert_eq!(trend["complete"], false);
    assert!(trend["on_track"].is_null(), "{trend}");
    assert_eq!(trend["assessment"], "period_in_progress");
    let yesterday = today - Duration::days(1);
    if yesterday.year() == year {
        assert_eq!(current["complete_through"], yesterday.to_string());
    } else {
        assert!(current["complete_through"].is_null());
    }
}

/// Slots of the counters (migration `stat_slots`): how many slots hold rows.
fn slots_in_use(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.svc.app_db.get().unwrap();
    diesel::sql_query("SELECT COUNT(DISTINCT slot) AS n FROM accident_stat_deltas")
        .get_result::<Count>(&mut *conn)
        .unwrap()
        .n
}

fn step_slots(app: &TestApp, up: bool) {
    let mut conn = app.svc.app_db.get().unwrap();
    shared::db::step_migration(
        &mut conn,
        &incidents::db::MIGRATIONS,
        "2026-12-03-150000_stat_slots",
        up,
    )
    .unwrap();
}

/// Concurrent requests add to different counter rows (no row that every declaration
/// of the day writes), and the figures are the same whatever the slots, before and
/// after the migration that made them.
#[tokio::test]
async fn counters_spread_over_slots_and_sum_to_the_same_figures() {
    let app = spawn_app().await;
    seed(&app).await;
    // More declarations, each its own request: they fall into several slots.
    for i in 0..12 {
        let body = declaration(
            None,
            "01273",
            vec![casualty(&format!("0040900001{i:02}"), "minor", "male")],
        );
        let res = app.post("/api/v1/accidents", &app.admin(), &body).await;
        assert_eq!(res.status().as_u16(), 201);
    }
    assert!(slots_in_use(&app) > 1, "one slot for 15 requests");
    let before = statistics(&app, &app.admin(), "&group_by=cause").await;
    assert_eq!(before["total"]["figures"]["cases"], 15);

    step_slots(&app, false);
    let one_row_a_group = statistics(&app, &app.admin(), "&group_by=cause").await;
    step_slots(&app, true);
    assert_eq!(slots_in_use(&app), 1, "the old rows are slot 0");
    let after = statistics(&app, &app.admin(), "&group_by=cause").await;
    for s in [&one_row_a_group, &after] {
        assert_eq!(s["total"], before["total"]);
        assert_eq!(s["rows"], before["rows"]);
    }
}

fn redate_deltas(app: &TestApp, from: chrono::NaiveDate, to: chrono::NaiveDate) {
    shared::testing::redate_deltas(&app.svc.app_db, "accident_stat_deltas", from, to);
}

fn fold(app: &TestApp, through: chrono::NaiveDate) -> usize {
    shared::testing::fold_once(
        &app.svc.app_db,
        incidents::service::statistics::fold_counters,
        through,
    )
}

const FOLD_QUERIES: [&str; 5] = [
    "",
    "&group_by=commune",
    "&group_by=month",
    "&group_by=cause",
    "&group_by=ownership_type&sector=with_labour_relation",
];

/// Every query of `FOLD_QUERIES`, without `as_of` and with each of `days`.
async fn every_answer(app: &TestApp, days: &[chrono::NaiveDate]) -> Vec<(String, Value)> {
    let mut asked: Vec<String> = FOLD_QUERIES.iter().map(|q| (*q).to_owned()).collect();
    for day in days {
        asked.extend(FOLD_QUERIES.iter().map(|q| format!("{q}&as_of={day}")));
    }
    let mut out = Vec::new();
    for q in asked {
        let s = statistics(app, &app.admin(), &q).await;
        out.push((q, json!({"total": s["total"], "rows": s["rows"]})));
    }
    out
}

/// Declarations a week ago, a correction three days ago, a declaration today: the
/// figures, now and as of every day around them, are the same before any fold, after
/// a fold through the correction's day, after a second one (which adds nothing) and
/// after folding everything.
#[tokio::test]
async fn folding_the_counters_changes_no_figure() {
    let app = spawn_app().await;
    let accidents = seed(&app).await;
    let today = shared::time::today();
    let week_ago = today - Duration::days(7);
    let three_days_ago = today - Duration::days(3);
    redate_deltas(&app, today, week_ago);
    let minor = &accidents[1];
    relapse_to_fatal(&app, minor).await;
    redate_deltas(&app, today, three_days_ago);
    let body = declaration(
        Some(&tax_code(2)),
        "01279",
        vec![casualty("004090000005", "serious", "female")],
    );
    let res = app.post("/api/v1/accidents", &app.admin(), &body).await;
    assert_eq!(res.status().as_u16(), 201);

    let days: Vec<chrono::NaiveDate> = [8, 7, 6, 4, 3, 2, 1, 0]
        .into_iter()
        .map(|n| today - Duration::days(n))
        .collect();
    let before = every_answer(&app, &days).await;
    let now = &before[0].1["total"]["figures"];
    assert_eq!(
        (now["cases"].as_i64(), now["fatal"].as_i64()),
        (Some(4), Some(3))
    );
    let as_of_4 = &before[FOLD_QUERIES.len() * 4].1["total"]["figures"];
    assert_eq!(
        (as_of_4["cases"].as_i64(), as_of_4["fatal"].as_i64()),
        (Some(3), Some(2)),
        "{as_of_4}"
    );

    assert!(fold(&app, three_days_ago) > 0);
    {
        let mut conn = app.svc.app_db.get().unwrap();
        assert_eq!(
            incidents::db::statistics::folded_through(&mut conn).unwrap(),
            three_days_ago
        );
    }
    assert_eq!(every_answer(&app, &days).await, before);
    assert_eq!(fold(&app, three_days_ago), 0, "folded twice");
    assert_eq!(fold(&app, week_ago), 0, "the marker never goes back");
    assert_eq!(every_answer(&app, &days).await, before);
    fold(&app, today);
    assert_eq!(every_answer(&app, &days).await, before);
}

/// Two replicas folding at once: one adds the deltas, the other waits for the marker
/// and adds nothing; the figures count every accident once.
#[tokio::test]
async fn concurrent_folds_count_once() {
    let app = spawn_app().await;
    seed(&app).await;
    let today = shared::time::today();
    redate_deltas(&app, today, today - Duration::days(5));
    let before = every_answer(&app, &[]).await;
    let written = shared::testing::fold_twice_at_once(
        &app.svc.app_db,
        incidents::service::statistics::fold_counters,
        today - Duration::days(2),
    );
    assert_eq!(written.first(), Some(&0), "{written:?}");
    assert!(written.get(1).is_some_and(|n| *n > 0), "{written:?}");
    assert_eq!(every_answer(&app, &[]).await, before);
    let totals = shared::testing::sum_of(
        &app.svc.app_db,
        "SELECT CAST(SUM(cases) AS BIGINT) AS n FROM accident_stat_totals WHERE dim_kind = 'total'",
    );
    assert_eq!(totals, 3);
}

/// The first casualty of `accident` (version 1) dies of a relapse.
async fn relapse_to_fatal(app: &TestApp, accident: &Value) {
    let path = format!(
        "/api/v1/accidents/{}/casualties/{}/severity",
        accident["id"].as_str().unwrap(),
        accident["casualties"][0]["id"].as_str().unwrap()
    );
    let res = app
        .svc
        .client
        .request(Method::POST, app.svc.url(&path))
        .bearer_auth(app.admin())
        .header("If-Match", "\"1\"")
        .json(&json!({"severity": "fatal", "document_reference": "Giám định pháp y 7/2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}
