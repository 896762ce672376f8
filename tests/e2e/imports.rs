//! A bulk import large enough to run as a job in several chunks: its counts, the
//! revisions of the rows it changed, its rejected rows by position, and health-stats'
//! copy of the registry brought up to date by one event per chunk.

use super::eventually;
use diesel::prelude::*;
use serde_json::{Value, json};
use shared::auth::Role;
use shared::server::Application;
use shared::testing::{TestDatabase, TestKeys, settings, tax_code};

const SECRET: &str = "e2e-imports-secret";
/// More than one chunk of the job runner (500 rows), and not a whole number of them.
const ROWS: u32 = 2_300;

fn event_settings(db: &TestDatabase, keys: &TestKeys) -> shared::config::Settings {
    let mut s = settings(db, keys);
    s.events.dispatch = true;
    s.events.allow_internal_urls = true;
    s.events.inbound_secrets = vec![SECRET.into()];
    s.events.retry_base_ms = 50;
    s.events.poll_ms = 50;
    s
}

/// Row `n` of the file: a new establishment, except those the test registers first.
fn csv_row(n: u32, name: &str) -> String {
    format!("{},{name},4100,2,01273,45,6,30\n", tax_code(n))
}

#[tokio::test]
async fn a_chunked_import_keeps_revisions_and_rejections_and_reaches_health_stats() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let dbs: Vec<TestDatabase> = (0..2).map(|_| TestDatabase::new().unwrap()).collect();
    let incidents = Application::build(&incidents::SERVICE, &event_settings(&dbs[0], &keys))
        .await
        .unwrap();
    let health = Application::build(&health_stats::SERVICE, &event_settings(&dbs[1], &keys))
        .await
        .unwrap();
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports: [incidents.port(), health.port(), 1],
        data_dir: std::env::temp_dir(),
        database_url: None,
        log: Default::default(),
    };
    atvsld::wire_events(&incidents, &options, SECRET).unwrap();
    let base = format!("http://127.0.0.1:{}", incidents.port());
    let (incidents_db, health_db) = (incidents.db().clone(), health.db().clone());
    for app in [incidents, health] {
        tokio::spawn(app.run_until_stopped());
    }
    let client = reqwest::Client::new();
    let admin = keys.token(Role::Admin, None);

    // Two establishments registered one at a time: the file changes the first and
    // repeats the second as it is.
    let mut registered = Vec::new();
    for n in [1, 2] {
        let body = json!({"tax_code": tax_code(n), "name": format!("Công ty số {n}"),
                          "vsic_code": "4100", "ownership_type": "2", "commune_code": "01273",
                          "headcount": {"total": 45, "female": 6, "hazardous": 30}});
        let res = client
            .post(format!("{base}/api/v1/establishments"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        registered.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // Data rows by index: 0 changes establishment 1, 1 repeats establishment 2, 700
    // breaks the tax code's check digit, 1,200 names an establishment first seen at
    // 600 (in another chunk) with a new name, 1,250 and 1,251 are one new
    // establishment twice in one chunk, the second time renamed; the rest are new.
    let mut csv = String::from(
        "Mã số thuế,Tên cơ sở,Mã ngành,Loại hình,Mã xã,Tổng số lao động,Lao động nữ,\"Lao động nặng nhọc, độc hại\"\n",
    );
    csv.push_str(&csv_row(1, "Công ty số 1 (đổi tên)"));
    csv.push_str(&csv_row(2, "Công ty số 2"));
    for index in 2..ROWS {
        let n = 1000 + index;
        csv.push_str(&match index {
            700 => "4800123457,Sai chữ số kiểm tra,4100,2,01273,45,6,30\n".to_owned(),
            1200 => csv_row(1600, "Công ty 1600 (đổi tên)"),
            1251 => csv_row(2250, "Công ty 2250 (đổi tên)"),
            _ => csv_row(n, &format!("Công ty {n}")),
        });
    }
    let res = client
        .post(format!("{base}/api/v1/establishments/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let mut job = Value::Null;
    eventually("the import job", async || {
        job = client
            .get(format!("{base}{location}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        job["status"] == "succeeded" || job["status"] == "failed"
    })
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let new = u64::from(ROWS) - 5;
    assert_eq!(
        job["summary"],
        json!({"total": ROWS, "created": new, "updated": 3, "unchanged": 1, "rejected": 1}),
        "{}",
        job["summary"]
    );
    let results = job["results"].as_array().unwrap();
    assert_eq!(results.len(), ROWS as usize);
    let status = |i: usize| results[i]["status"].as_str().unwrap();
    assert_eq!(
        [0, 1, 600, 1200, 1250, 1251].map(status),
        [
            "updated",
            "unchanged",
            "created",
            "updated",
            "created",
            "updated"
        ]
    );
    assert_eq!(results[0]["id"], registered[0].as_str());
    assert_eq!(results[1250]["id"], results[1251]["id"]);
    // The rejected row by its index (its CSV line is the index + 2, after the header).
    assert_eq!(status(700), "rejected");
    assert_eq!(results[700]["index"], 700);
    assert_eq!(results[700]["problems"][0]["pointer"], "/700/tax_code");

    // Each change is a revision, the two of one chunk included.
    let revisions = async |id: &str| -> Vec<(i64, String)> {
        let body: Value = client
            .get(format!("{base}/api/v1/establishments/{id}/revisions"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["version"].as_i64().unwrap(),
                    r["change_reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let bulk = "Nhập hàng loạt".to_owned();
    assert_eq!(
        revisions(&registered[0]).await,
        [(2, bulk.clone()), (1, "Đăng ký mới (created)".to_owned())]
    );
    assert_eq!(revisions(&registered[1]).await.len(), 1);
    for i in [1200, 1251] {
        let id = results[i]["id"].as_str().unwrap();
        assert_eq!(
            revisions(id).await,
            [(2, bulk.clone()), (1, bulk.clone())],
            "row {i}"
        );
    }

    // One event per chunk that changed something, not one per row.
    let events: i64 = {
        use shared::events::schema::outbox_events as o;
        let mut conn = incidents_db.get().unwrap();
        o::table
            .filter(o::event_type.eq("establishments.imported"))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(events, i64::from(ROWS.div_ceil(500)));

    // health-stats gets every establishment the file holds, as the file left it.
    let expected = i64::try_from(new).unwrap() + 2;
    eventually("health-stats' registry", async || {
        use health_stats::db::schema::establishments as e;
        let mut conn = health_db.get().unwrap();
        e::table.count().get_result::<i64>(&mut conn).unwrap() == expected
    })
    .await;
    let mut conn = health_db.get().unwrap();
    for (n, name) in [
        (1, "Công ty số 1 (đổi tên)"),
        (1600, "Công ty 1600 (đổi tên)"),
        (2250, "Công ty 2250 (đổi tên)"),
        (1000 + ROWS - 1, &format!("Công ty {}", 1000 + ROWS - 1)[..]),
    ] {
        let found = health_stats::db::establishments::find(&mut conn, &tax_code(n))
            .unwrap()
            .unwrap();
        assert_eq!(found.name, name);
    }
}
