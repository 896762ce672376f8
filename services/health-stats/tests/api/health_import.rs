use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::auth::Role;

use crate::health_reports::{file, report};
use crate::helpers::{TestApp, assert_problem, json_of, spawn_app, tax_code};

async fn import(app: &TestApp, query: &str, content_type: &str, body: String) -> reqwest::Response {
    app.svc
        .client
        .post(
            app.svc
                .url(&format!("/api/v1/health-exam-reports/import{query}")),
        )
        .bearer_auth(app.token(Role::HealthAuthority, Some("SYT")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn statuses(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_batch_files_each_row_and_points_at_the_bad_ones() {
    let app = spawn_app().await;
    let mut bad = report("2025", 3, "01273", 100, 40);
    bad["figures"]["bnn_examined"] = json!(500);
    let rows = json!([
        report("2025", 1, "01273", 100, 40),
        report("2025", 2, "01279", 50, 10),
        bad
    ]);
    let answer = json_of(import(&app, "", "application/json", rows.to_string()).await).await;
    assert_eq!(
        statuses(&answer),
        ["created", "created", "rejected"],
        "{answer}"
    );
    assert_eq!(
        answer["items"][2]["problems"][0]["pointer"],
        "/2/figures/bnn_examined"
    );
    // The same batch again: nothing changes; a changed row corrects its report.
    let again = json_of(import(&app, "", "application/json", rows.to_string()).await).await;
    assert_eq!(statuses(&again)[..2], ["unchanged", "unchanged"]);
    let changed = json!([report("2025", 1, "01273", 120, 40)]);
    let answer = json_of(import(&app, "", "application/json", changed.to_string()).await).await;
    assert_eq!(statuses(&answer), ["updated"]);
    let s = json_of(
        app.get("/api/v1/health-statistics?period=2025", &app.admin())
            .await,
    )
    .await;
    assert_eq!(s["total"]["figures"]["workers"], 170);
    assert_eq!(s["total"]["figures"]["reports"], 2);
}

#[tokio::test]
async fn a_csv_with_vietnamese_headers_is_read_and_a_dry_run_writes_nothing() {
    let app = spawn_app().await;
    let csv = format!(
        "Kỳ báo cáo,Mã số thuế,Tên cơ sở,Mã xã,Mã ngành,Loại hình,Tổng số lao động,Lao động nữ,Số người khám sức khỏe định kỳ,Số người tiếp xúc yếu tố có hại,Số người khám phát hiện bệnh nghề nghiệp\n\
         2025,{},Mỏ đá,01273,08,2,80,5,80,30,30\n",
        tax_code(7)
    );
    let dry = json_of(import(&app, "?dry_run=true", "text/csv", csv.clone()).await).await;
    assert_eq!(statuses(&dry), ["created"], "{dry}");
    let list = json_of(app.get("/api/v1/health-exam-reports", &app.admin()).await).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "a dry run writes nothing"
    );
    let answer = json_of(import(&app, "", "text/csv", csv).await).await;
    assert_eq!(statuses(&answer), ["created"]);
    let list = json_of(app.get("/api/v1/health-exam-reports", &app.admin()).await).await;
    assert_eq!(list["items"][0]["figures"]["bnn_examined"], 30);
    assert_eq!(list["items"][0]["vsic_section"], "B");
}

#[tokio::test]
async fn only_admin_and_the_health_authority_import() {
    let app = spawn_app().await;
    for role in [Role::LaborAuthority, Role::Enterprise, Role::Viewer] {
        let res = app
            .svc
            .client
            .post(app.svc.url("/api/v1/health-exam-reports/import"))
            .bearer_auth(app.token(role, Some(&tax_code(1))))
            .header("content-type", "application/json")
            .body("[]")
            .send()
            .await
            .unwrap();
        assert_problem(res, 403, "forbidden").await;
    }
}

async fn wait_for(app: &TestApp, location: &str) -> Value {
    for _ in 0..600 {
        let job = json_of(app.get(location, &app.admin()).await).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the job did not end");
}

/// The revisions of a report, newest last: `(version, change_reason)`.
fn revisions(app: &TestApp, id: &str) -> Vec<(i64, String)> {
    use diesel::prelude::*;
    use health_stats::db::schema::health_exam_report_revisions as v;
    let mut conn = app.svc.app_db.get().unwrap();
    v::table
        .filter(v::report_id.eq(id))
        .order(v::version.asc())
        .select((v::version, v::change_reason))
        .load(&mut conn)
        .unwrap()
}

#[tokio::test]
async fn a_job_of_two_chunks_gives_each_row_the_result_of_its_own_filing() {
    shared::testing::capture_logs();
    let svc = shared::testing::TestService::spawn_with(&health_stats::SERVICE, |s| {
        s.server.bulk_sync_rows = 10;
    })
    .await
    .unwrap();
    let app = TestApp { svc };
    let before = file(&app, &report("2025", 1, "01273", 100, 40)).await;
    let communes = ["01279", "01273", "01288"];
    let commune_of = |n: u32| communes[usize::try_from(n).unwrap() % communes.len()];
    let workers = |i: u32| 50 + i % 7;
    // Row 0 corrects the report filed before; row i files establishment i + 1, but
    // row 20 repeats row 10, row 40 corrects row 30's new report in the same chunk,
    // row 550 corrects row 100's from the chunk before, and row 520 is rejected.
    let mut rows = vec![report("2025", 1, commune_of(1), 120, 40)];
    let mut expected: Vec<&str> = vec!["updated"];
    let mut final_workers: BTreeMap<u32, u32> = BTreeMap::from([(1, 120)]);
    for i in 1..=600u32 {
        let (n, w, status) = match i {
            20 => (11, workers(10), "unchanged"),
            40 => (31, 999, "updated"),
            550 => (101, 777, "updated"),
            _ => (i + 1, workers(i), "created"),
        };
        let mut row = report("2025", n, commune_of(n), w, 10);
        if i == 520 {
            row["figures"]["bnn_examined"] = json!(500);
            expected.push("rejected");
        } else {
            final_workers.insert(n, w);
            expected.push(status);
        }
        rows.push(row);
    }
    let res = import(&app, "", "application/json", json!(rows).to_string()).await;
    assert_eq!(res.status().as_u16(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_for(&app, &location).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(statuses(&json!({"items": job["results"]})), expected);
    let results = job["results"].as_array().unwrap();
    assert_eq!(
        results[520]["problems"][0]["pointer"],
        "/520/figures/bnn_examined"
    );
    let id = |i: usize| results[i]["id"].as_str().unwrap().to_owned();
    assert_eq!(id(0), before["id"].as_str().unwrap());
    assert_eq!(id(20), id(10));
    assert_eq!(id(40), id(30));
    assert_eq!(id(550), id(100));

    // The statistics are the sum of the reports as the file left them.
    let s = json_of(
        app.get("/api/v1/health-statistics?period=2025", &app.admin())
            .await,
    )
    .await;
    let total: u32 = final_workers.values().sum();
    assert_eq!(s["total"]["figures"]["workers"], total, "{s}");
    assert_eq!(s["total"]["figures"]["reports"], final_workers.len());
    let by_commune = json_of(
        app.get(
            "/api/v1/health-statistics?period=2025&group_by=commune",
            &app.admin(),
        )
        .await,
    )
    .await;
    let mut per_commune: BTreeMap<&str, u32> = BTreeMap::new();
    for (n, w) in &final_workers {
        *per_commune.entry(commune_of(*n)).or_default() += w;
    }
    let rows = by_commune["rows"].as_array().unwrap();
    assert_eq!(rows.len(), per_commune.len(), "{by_commune}");
    for row in rows {
        let key = row["key"].as_str().unwrap();
        assert_eq!(row["figures"]["workers"], per_commune[key], "{key}");
    }

    // Each correction is a version with its revision and its receipt.
    let first = "Nộp lần đầu (first filing)".to_owned();
    let bulk = "Nhập hàng loạt".to_owned();
    for i in [0, 40, 550] {
        assert_eq!(
            revisions(&app, &id(i)),
            [(1, first.clone()), (2, bulk.clone())],
            "row {i}"
        );
    }
    assert_eq!(revisions(&app, &id(10)), [(1, first)]);
    let mut conn = app.svc.app_db.get().unwrap();
    for (i, receipts) in [(0, 2), (40, 2), (550, 2), (10, 1), (5, 1)] {
        let issued =
            shared::receipts::for_subject(&mut conn, "health_exam_report", &id(i)).unwrap();
        assert_eq!(issued.len(), receipts, "row {i}");
    }
    // A health-exam filing announces nothing; neither does an import.
    let events: i64 = {
        use diesel::prelude::*;
        use shared::events::schema::outbox_events as o;
        o::table.count().get_result(&mut conn).unwrap()
    };
    assert_eq!(events, 0);
}
