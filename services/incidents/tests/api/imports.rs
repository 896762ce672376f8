//! Bulk import of establishments: formats, dry run, per-row results and jobs.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{TestApp, establishment, json_of, spawn_app, spawn_app_with, tax_code};

const IMPORT: &str = "/api/v1/establishments/import";

async fn send(app: &TestApp, token: &str, content_type: &str, body: String) -> reqwest::Response {
    app.svc
        .client
        .request(Method::POST, app.svc.url(IMPORT))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn summary(body: &Value) -> (u64, u64, u64, u64) {
    let s = &body["summary"];
    (
        s["created"].as_u64().unwrap(),
        s["updated"].as_u64().unwrap(),
        s["unchanged"].as_u64().unwrap(),
        s["rejected"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_json_array_creates_updates_and_leaves_unchanged_by_tax_code() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(1))).await;
    let mut changed = establishment(&tax_code(1));
    changed["name"] = json!("Công ty CP Xi măng Cao Bằng");
    let body = json!([
        establishment(&tax_code(2)),
        changed,
        establishment(&tax_code(2))
    ]);
    let res = send(&app, &app.admin(), "application/json", body.to_string()).await;
    assert_eq!(res.status().as_u16(), 200);
    let answer = json_of(res).await;
    assert_eq!(summary(&answer), (1, 1, 1, 0));
    let statuses: Vec<&str> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "updated", "unchanged"]);

    let id = answer["items"][1]["id"].as_str().unwrap();
    let revisions = json_of(
        app.get(
            &format!("/api/v1/establishments/{id}/revisions"),
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(revisions["items"][0]["change_reason"], "Nhập hàng loạt");
}

#[tokio::test]
async fn ndjson_and_csv_with_vietnamese_headers_are_read() {
    let app = spawn_app().await;
    let ndjson = format!(
        "{}\n\n{}\n",
        establishment(&tax_code(3)),
        establishment(&tax_code(4))
    );
    let res = send(&app, &app.admin(), "application/x-ndjson", ndjson).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(summary(&json_of(res).await), (2, 0, 0, 0));

    let csv = format!(
        "Mã số thuế,Tên cơ sở,Mã ngành,Loại hình,Mã xã,Địa chỉ,Tổng số lao động,Lao động nữ,\"Lao động nặng nhọc, độc hại\"\n\
         {},Công ty TNHH Khai khoáng Cao Bằng,07100,2,01273,Số 1 Hoàng Đình Giong,120,30,80\n\
         {},Hợp tác xã Chè Phja Đén,01270,2,01273,,15,9,0\n",
        tax_code(5),
        tax_code(6)
    );
    let res = send(
        &app,
        &app.token(Role::LaborAuthority, None),
        "text/csv; charset=utf-8",
        csv,
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let answer = json_of(res).await;
    assert_eq!(summary(&answer), (2, 0, 0, 0), "{answer}");
    assert_eq!(app.establishment_count().await, 4);
}

#[tokio::test]
async fn rejected_rows_point_at_their_index_and_the_rest_is_applied() {
    let app = spawn_app().await;
    let mut bad = establishment("0100109107");
    bad["headcount"]["female"] = json!(500);
    let mut mistyped = establishment(&tax_code(8));
    mistyped["headcount"]["total"] = json!("nhiều");
    let body = json!([establishment(&tax_code(7)), bad, mistyped]);
    let res = send(&app, &app.admin(), "application/json", body.to_string()).await;
    assert_eq!(res.status().as_u16(), 200);
    let answer = json_of(res).await;
    assert_eq!(summary(&answer), (1, 0, 0, 2));
    let pointers = |i: usize| -> Vec<String> {
        answer["items"][i]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["pointer"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(pointers(1).iter().all(|p| p.starts_with("/1/")), "{answer}");
    assert!(pointers(1).contains(&"/1/tax_code".to_owned()), "{answer}");
    assert_eq!(pointers(2), ["/2/headcount/total"]);
    assert_eq!(app.establishment_count().await, 1);
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let app = spawn_app().await;
    let body = json!([establishment(&tax_code(9)), establishment(&tax_code(10))]);
    let res = app
        .svc
        .client
        .post(app.svc.url(&format!("{IMPORT}?dry_run=true")))
        .bearer_auth(app.admin())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["dry-run"], "true");
    assert_eq!(summary(&json_of(res).await), (2, 0, 0, 0));
    assert_eq!(app.establishment_count().await, 0);
}

#[tokio::test]
async fn only_admin_and_labor_authority_may_import() {
    let app = spawn_app().await;
    for role in [Role::Enterprise, Role::HealthAuthority, Role::Viewer] {
        let res = send(
            &app,
            &app.token(role, Some("0100109106")),
            "application/json",
            "[]".into(),
        )
        .await;
        assert_eq!(res.status().as_u16(), 403, "{role:?}");
    }
    let res = send(&app, &app.admin(), "application/xml", "<a/>".into()).await;
    assert_eq!(res.status().as_u16(), 415);
}

async fn wait_for(app: &TestApp, location: &str, token: &str) -> Value {
    for _ in 0..200 {
        let job = json_of(app.get(location, token).await).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the job did not end");
}

#[tokio::test]
async fn a_large_batch_runs_as_a_job_that_only_its_creator_and_admin_can_read() {
    let app = spawn_app_with(|s| s.server.bulk_sync_rows = 5).await;
    let mut rows: Vec<Value> = (20..31).map(|n| establishment(&tax_code(n))).collect();
    rows.push(json!({"tax_code": "123"}));
    let ndjson: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let creator = app.token(Role::LaborAuthority, None);
    let res = send(&app, &creator, "application/x-ndjson", ndjson).await;
    assert_eq!(res.status().as_u16(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/api/v1/jobs/"));
    let queued = json_of(res).await;
    assert_eq!(queued["progress"]["total"], 12);

    let job = wait_for(&app, &location, &creator).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"]["done"], 12);
    assert_eq!(job["progress"]["total"], 12);
    assert_eq!(summary(&job), (11, 0, 0, 1));
    let results = job["results"].as_array().unwrap();
    assert_eq!(results.len(), 12);
    assert_eq!(results[11]["status"], "rejected");
    assert!(
        results[11]["problems"][0]["pointer"]
            .as_str()
            .unwrap()
            .starts_with("/11/")
    );
    assert_eq!(app.establishment_count().await, 11);

    let other = app.token(Role::LaborAuthority, Some("so-noi-vu"));
    assert_eq!(app.get(&location, &other).await.status().as_u16(), 404);
    assert_eq!(
        app.get(&location, &app.admin()).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn a_large_dry_run_job_writes_nothing() {
    let app = spawn_app_with(|s| s.server.bulk_sync_rows = 2).await;
    let body = json!([
        establishment(&tax_code(40)),
        establishment(&tax_code(41)),
        establishment(&tax_code(42))
    ]);
    let res = app
        .svc
        .client
        .post(app.svc.url(&format!("{IMPORT}?dry_run=true")))
        .bearer_auth(app.admin())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_for(&app, &location, &app.admin()).await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["dry_run"], true);
    assert_eq!(summary(&job), (3, 0, 0, 0));
    assert_eq!(app.establishment_count().await, 0);
}

/// How many `job_items` rows job `id` has left.
fn stored_chunks(app: &TestApp, id: &str) -> i64 {
    use diesel::prelude::*;
    use shared::jobs::job_items;
    let mut conn = app.svc.app_db.get().unwrap();
    job_items::table
        .filter(job_items::job_id.eq(id))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn a_job_of_two_chunks_runs_and_drops_its_stored_items_when_it_ends() {
    let app = spawn_app_with(|s| s.server.bulk_sync_rows = 5).await;
    let rows = shared::jobs::runner::CHUNK + 2;
    let ndjson: String = (0..rows)
        .map(|n| format!("{}\n", establishment(&tax_code(1000 + n as u32))))
        .collect();
    let res = send(&app, &app.admin(), "application/x-ndjson", ndjson).await;
    assert_eq!(res.status().as_u16(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let id = location.rsplit('/').next().unwrap().to_owned();

    let job = wait_for(&app, &location, &app.admin()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(summary(&job), (rows as u64, 0, 0, 0));
    assert_eq!(job["results"].as_array().unwrap().len(), rows);
    // The items, stored one row per chunk, are not kept once the results are.
    assert_eq!(stored_chunks(&app, &id), 0);
}

#[tokio::test]
async fn a_job_whose_runner_died_after_a_chunk_goes_on_from_the_next_one() {
    use diesel::prelude::*;
    use shared::jobs::{self, jobs as table};
    let app = spawn_app_with(|s| s.server.bulk_sync_rows = 5).await;
    let chunk = jobs::runner::CHUNK;
    let mut payload = jobs::Payload::default();
    for n in 0..chunk + 3 {
        payload
            .push(&establishment(&tax_code(2000 + n as u32)))
            .unwrap();
    }
    let (chunks, total) = payload.finish();
    assert_eq!(chunks.len(), 2);
    // The state a `kill -9` after the first chunk's commit leaves: running, the first
    // chunk counted, the lease run out (the runner renews it with every chunk).
    let id = {
        let mut conn = app.svc.app_db.get().unwrap();
        shared::db::transaction(&mut conn, |conn| {
            let id = jobs::enqueue(conn, "establishments", "test-admin", false, &chunks, total)?;
            diesel::update(table::table.find(&id))
                .set((
                    table::status.eq(jobs::RUNNING),
                    table::done.eq(chunk as i64),
                    table::created.eq(chunk as i64),
                    table::lease_until.eq(shared::db::now() - chrono::Duration::seconds(1)),
                ))
                .execute(conn)?;
            Ok::<_, shared::error::ApiError>(id)
        })
        .unwrap()
    };
    let job = wait_for(&app, &format!("/api/v1/jobs/{id}"), &app.admin()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"]["done"], total);
    assert_eq!(summary(&job), (total as u64, 0, 0, 0));
    // Only the second chunk's three rows were applied by the runner that took over.
    assert_eq!(app.establishment_count().await, 3);
    assert_eq!(stored_chunks(&app, &id), 0);
}

#[tokio::test]
async fn a_job_queued_by_an_earlier_version_runs_from_its_payload() {
    use diesel::prelude::*;
    use shared::jobs::{self, jobs as table};
    let app = spawn_app_with(|s| s.server.bulk_sync_rows = 5).await;
    // Before `job_items`, the job's items were one JSON array in `jobs.payload`.
    let items: Vec<Value> = (0..3).map(|n| establishment(&tax_code(3000 + n))).collect();
    let id = {
        let mut conn = app.svc.app_db.get().unwrap();
        shared::db::transaction(&mut conn, |conn| {
            let id = jobs::enqueue(conn, "establishments", "test-admin", false, &[], 3)?;
            diesel::update(table::table.find(&id))
                .set(table::payload.eq(Value::Array(items).to_string()))
                .execute(conn)?;
            Ok::<_, shared::error::ApiError>(id)
        })
        .unwrap()
    };
    let job = wait_for(&app, &format!("/api/v1/jobs/{id}"), &app.admin()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(summary(&job), (3, 0, 0, 0));
    assert_eq!(app.establishment_count().await, 3);
    let mut conn = app.svc.app_db.get().unwrap();
    let payload: String = table::table
        .find(&id)
        .select(table::payload)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(payload, "[]");
}
