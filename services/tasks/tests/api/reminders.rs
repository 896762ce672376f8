use chrono::NaiveDate;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn reminders_go_out_once_before_the_due_date_and_after_it_for_missing_reports() {
    let app = spawn_app().await;
    let db = app.svc.app_db.clone();
    // SYT files for 2025-H1 first: it gets no "overdue" reminder.
    let task = app.tasks_of("SYT").await[0]["id"].clone();
    let body = json!({"plan_id": app.plan_id().await, "period": "2025-H1",
        "narrative": [{"task_id": task, "text": "Đã triển khai."}]});
    assert_eq!(
        app.post("/api/v1/plan-reports", &app.agency("SYT"), &body)
            .await
            .status()
            .as_u16(),
        201
    );

    let run = |today: NaiveDate| {
        let db = db.clone();
        async move {
            db.run(move |conn| tasks::service::reminders::run(conn, today))
                .await
                .unwrap()
        }
    };
    let before = run(day(2025, 6, 8)).await;
    assert_eq!(run(day(2025, 6, 8)).await, 0, "a second run makes nothing");
    // SYT's report is there already; everyone else expected gets one.
    let c = app
        .get_json("/api/v1/compliance?period=2025-H1", &app.admin())
        .await;
    let expected = c["summary"]["expected"].as_u64().unwrap() as usize;
    assert_eq!(before, expected - 1);

    let last_day = run(day(2025, 6, 14)).await;
    assert_eq!(last_day, expected - 1);
    let overdue = run(day(2025, 6, 16)).await;
    assert_eq!(overdue, expected - 1);

    let mine = app
        .get_json("/api/v1/reminders?period=2025-H1", &app.agency("SCT"))
        .await;
    let kinds: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["overdue", "due_in_1_day", "due_in_7_days"]);
    assert_eq!(mine["items"][0]["remind_on"], "2025-06-16");
    let syt = app
        .get_json("/api/v1/reminders?period=2025-H1", &app.agency("SYT"))
        .await;
    assert_eq!(
        syt["items"].as_array().unwrap().len(),
        0,
        "no reminder for a filed report"
    );
    let res = app
        .get(
            "/api/v1/reminders",
            &app.token(shared::auth::Role::Viewer, None),
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
    let _ = json_of(res).await;
}

#[tokio::test]
async fn replicas_running_the_job_at_once_make_each_reminder_once() {
    let app = spawn_app().await;
    let db = app.svc.app_db.clone();
    let today = day(2025, 12, 8);
    let runs = (0..4).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            db.run(move |conn| tasks::service::reminders::run(conn, today))
                .await
        })
    });
    let mut total = 0;
    for run in runs {
        total += run.await.unwrap().unwrap();
    }
    let c = app
        .get_json("/api/v1/compliance?period=2025", &app.admin())
        .await;
    assert_eq!(total, c["summary"]["expected"].as_u64().unwrap() as usize);
    let list = app
        .get_json("/api/v1/reminders?period=2025&limit=500", &app.admin())
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), total);
}

#[tokio::test]
async fn each_reminder_is_published_once_as_an_event() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let db = app.svc.app_db.clone();
    let made = db
        .run(|conn| tasks::service::reminders::run(conn, day(2025, 6, 8)))
        .await
        .unwrap();
    assert!(made > 0);
    db.run(|conn| tasks::service::reminders::run(conn, day(2025, 6, 8)))
        .await
        .unwrap();
    let mut conn = db.get().unwrap();
    let events: i64 = shared::events::schema::outbox_events::table
        .filter(shared::events::schema::outbox_events::event_type.eq("plan_report.reminder"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(
        events,
        i64::try_from(made).unwrap(),
        "one event per reminder, none for the second run"
    );
}
