use serde_json::{Value, json};
use shared::auth::Role;

use crate::health_reports::report;
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
