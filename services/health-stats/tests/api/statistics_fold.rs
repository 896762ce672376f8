//! The statistics counters' fold (`service::counters`): health and monitoring deltas
//! folded into their totals give the same figures, now and as of any day, as the
//! deltas alone; replicas folding at once count once; a write after a fold shows.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::disease_cases::{case, record};
use crate::helpers::{TestApp, json_of, spawn_app};
use crate::{health_reports, monitoring};

fn redate_deltas(app: &TestApp, from: NaiveDate, to: NaiveDate) {
    for table in ["health_stat_deltas", "monitoring_stat_deltas"] {
        shared::testing::redate_deltas(&app.svc.app_db, table, from, to);
    }
}

fn fold(app: &TestApp, through: NaiveDate) -> usize {
    shared::testing::fold_once(
        &app.svc.app_db,
        health_stats::service::counters::fold_counters,
        through,
    )
}

const HEALTH_QUERIES: [&str; 6] = [
    "period=2025",
    "period=2024",
    "period=2025&group_by=commune",
    "period=2025&group_by=disease",
    "period=2025-H1&group_by=vsic_section",
    "period=2024&group_by=ownership_type",
];

const MONITORING_QUERIES: [&str; 5] = [
    "period=2025",
    "period=2024",
    "period=2025&group_by=commune",
    "period=2025&group_by=factor",
    "period=2024&group_by=vsic_section",
];

async fn get(app: &TestApp, path: &str) -> Value {
    let res = app.get(path, &app.admin()).await;
    assert_eq!(res.status().as_u16(), 200, "{path}");
    json_of(res).await
}

/// Every health and monitoring statistics query, without `as_of` and with each of
/// `days`: the whole answers, by query.
async fn every_answer(app: &TestApp, days: &[NaiveDate]) -> Vec<(String, Value)> {
    let mut asked = Vec::new();
    for (path, queries) in [
        ("/api/v1/health-statistics", &HEALTH_QUERIES[..]),
        ("/api/v1/monitoring-statistics", &MONITORING_QUERIES[..]),
    ] {
        for q in queries {
            asked.push(format!("{path}?{q}"));
            asked.extend(days.iter().map(|day| format!("{path}?{q}&as_of={day}")));
        }
    }
    let mut out = Vec::new();
    for path in asked {
        let answer = get(app, &path).await;
        out.push((path, answer));
    }
    out
}

/// A week ago: health reports for 2024 and 2025, a disease case, two years of
/// monitoring reports. Three days ago: a health report corrected, a monitoring
/// report corrected. Today: a new health report, a new case, a new monitoring report.
async fn seed(app: &TestApp) {
    let today = shared::time::today();
    health_reports::file(app, &health_reports::report("2024", 1, "01273", 500, 120)).await;
    health_reports::file(app, &health_reports::report("2024", 2, "01279", 300, 80)).await;
    health_reports::file(app, &health_reports::report("2025", 1, "01273", 520, 126)).await;
    health_reports::file(app, &health_reports::report("2025", 2, "01279", 300, 80)).await;
    record(app, &case("004090012345", "BNN-18", 1, "2025-03-01")).await;
    monitoring::two_years(app).await;
    redate_deltas(app, today, today - Duration::days(7));

    let mut corrected = health_reports::report("2025", 1, "01273", 520, 130);
    corrected["change_reason"] = json!("Bổ sung số người được khám");
    let res = app
        .post("/api/v1/health-exam-reports", &app.admin(), &corrected)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let mut reassessed = monitoring::report(
        3,
        "01279",
        "2025-03-01",
        false,
        vec![monitoring::factor("light", 2, 0)],
    );
    reassessed["change_reason"] = json!("Đánh giá lại: không có yếu tố có hại");
    monitoring::file(app, &reassessed).await;
    redate_deltas(app, today, today - Duration::days(3));

    health_reports::file(app, &health_reports::report("2025", 3, "01288", 40, 10)).await;
    record(app, &case("004090054321", "BNN-18", 3, "2025-06-01")).await;
    monitoring::file(
        app,
        &monitoring::report(
            7,
            "01288",
            "2025-05-01",
            true,
            vec![monitoring::noise(3, 1, &[])],
        ),
    )
    .await;
}

/// The figures, now and as of every day around the writes, are the same before any
/// fold, after a fold through the correction's day, after folds that add nothing,
/// and after folding everything.
#[tokio::test]
async fn folding_the_counters_changes_no_figure() {
    let app = spawn_app().await;
    seed(&app).await;
    let today = shared::time::today();
    let week_ago = today - Duration::days(7);
    let three_days_ago = today - Duration::days(3);
    let days: Vec<NaiveDate> = [8, 7, 6, 4, 3, 2, 1, 0]
        .into_iter()
        .map(|n| today - Duration::days(n))
        .collect();
    let before = every_answer(&app, &days).await;
    // The writes of each day show in their own as_of (not a fold of nothing).
    let health_2025 = |at: usize| {
        let (path, v) = &before[at];
        assert!(
            path.contains("?period=2025&") || path.ends_with("?period=2025"),
            "{path}"
        );
        let total = &v["total"];
        (
            total["figures"]["reports"].as_i64(),
            total["workers_examined_for_bnn"].as_i64(),
        )
    };
    assert_eq!(health_2025(0), (Some(3), Some(220)));
    assert_eq!(health_2025(1), (Some(0), Some(0)), "as of 8 days ago");
    assert_eq!(health_2025(2), (Some(2), Some(206)), "as of a week ago");
    assert_eq!(health_2025(5), (Some(2), Some(210)), "as of 3 days ago");
    let monitored = |at: usize| {
        let (path, v) = &before[HEALTH_QUERIES.len() * (days.len() + 1) + at];
        assert!(
            path.starts_with("/api/v1/monitoring-statistics?period=2025"),
            "{path}"
        );
        v["total"]["establishments_with_harmful_factors"].as_i64()
    };
    assert_eq!(
        (monitored(2), monitored(5), monitored(0)),
        (Some(5), Some(4), Some(5)),
        "known to have harmful factors in 2025: a week ago, 3 days ago, now"
    );

    assert!(fold(&app, three_days_ago) > 0);
    {
        let mut conn = app.svc.app_db.get().unwrap();
        assert_eq!(
            health_stats::db::health_statistics::folded_through(&mut conn).unwrap(),
            three_days_ago
        );
        assert_eq!(
            health_stats::db::monitoring::folded_through(&mut conn).unwrap(),
            three_days_ago
        );
    }
    assert_eq!(every_answer(&app, &days).await, before);
    assert_eq!(fold(&app, three_days_ago), 0, "folded twice");
    assert_eq!(fold(&app, week_ago), 0, "the marker never goes back");
    assert_eq!(every_answer(&app, &days).await, before);
    assert!(fold(&app, today) > 0);
    assert_eq!(every_answer(&app, &days).await, before);
}

/// Two replicas folding at once: each table is folded by whichever takes its marker
/// first (the health and the monitoring counters fold one after the other, so the two
/// may share the work), the other adds nothing to it; every report counts once, and
/// one filed after the fold shows.
#[tokio::test]
async fn concurrent_folds_count_once_and_a_later_write_shows() {
    let app = spawn_app().await;
    let today = shared::time::today();
    health_reports::file(&app, &health_reports::report("2025", 1, "01273", 520, 126)).await;
    health_reports::file(&app, &health_reports::report("2025", 2, "01279", 300, 80)).await;
    monitoring::two_years(&app).await;
    redate_deltas(&app, today, today - Duration::days(5));
    let before = every_answer(&app, &[]).await;

    let written = shared::testing::fold_twice_at_once(
        &app.svc.app_db,
        health_stats::service::counters::fold_counters,
        shared::db::fold::safe_through(),
    );
    assert!(written.iter().sum::<usize>() > 0, "{written:?}");
    assert_eq!(every_answer(&app, &[]).await, before);
    let db = &app.svc.app_db;
    let folded_reports = shared::testing::sum_of(
        db,
        "SELECT CAST(SUM(reports) AS BIGINT) AS n FROM health_stat_totals \
         WHERE dim_kind = 'total' AND period = '2025'",
    );
    assert_eq!(folded_reports, 2);
    let folded_monitored = shared::testing::sum_of(
        db,
        "SELECT CAST(SUM(establishments_monitored) AS BIGINT) AS n FROM monitoring_stat_totals \
         WHERE dim_kind = 'total' AND period_year = 2025",
    );
    assert_eq!(folded_monitored, 4);

    // Filed today, after the fold: in the deltas after the markers, so it shows.
    health_reports::file(&app, &health_reports::report("2025", 3, "01288", 40, 10)).await;
    monitoring::file(
        &app,
        &monitoring::report(
            7,
            "01288",
            "2025-05-01",
            true,
            vec![monitoring::noise(3, 1, &[])],
        ),
    )
    .await;
    let health = get(&app, "/api/v1/health-statistics?period=2025").await;
    assert_eq!(health["total"]["figures"]["reports"], 3);
    assert_eq!(health["total"]["workers_examined_for_bnn"], 216);
    let monitoring = get(&app, "/api/v1/monitoring-statistics?period=2025").await;
    assert_eq!(monitoring["total"]["establishments_monitored"], 5);
}
