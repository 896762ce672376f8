//! Key rotation as docs/operations.md describes it: a new receipt key signs new
//! receipts while the old ones still verify; a rotated events secret of `atvsld up`
//! re-keys the suite's own subscriptions.

use serde_json::Value;
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_receipt_key_signs_new_receipts_and_the_old_ones_still_verify() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let apps = atvsld::start(vec![(&incidents::SERVICE, settings(&db, &keys))])
        .await
        .unwrap();
    let app = apps.into_iter().next().unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let app_db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    let issue = |subject: &str| -> Value {
        let mut conn = app_db.get().unwrap();
        let receipt = shared::receipts::issue(
            &mut conn,
            "accident_declaration",
            subject,
            &"ab".repeat(32),
            "atvsld-test|filer",
            shared::db::now(),
        )
        .unwrap();
        serde_json::to_value(receipt).unwrap()
    };
    let before = issue("0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11");

    // The data folder of `up` holds all three; a folder without them is refused.
    let empty = tempfile::tempdir().unwrap();
    let error = atvsld::database_targets(&atvsld::backup::Databases::DataDir(
        empty.path().to_path_buf(),
    ))
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(error.contains("does not exist"), "{error}");
    let rotated = tokio::task::spawn_blocking({
        let url = db.url.clone();
        move || atvsld::rotate_receipt_keys(vec![(&incidents::SERVICE, url)])
    })
    .await
    .unwrap()
    .unwrap();
    let new_kid = rotated[0].1.clone();
    let after = issue("0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e12");
    assert_ne!(before["key_id"], after["key_id"]);
    assert_eq!(after["key_id"], new_kid.as_str());

    let client = reqwest::Client::new();
    let token = keys.token(Role::Viewer, None);
    for receipt in [&before, &after] {
        let verdict: Value = client
            .post(format!("{base}/api/v1/receipts/verify"))
            .bearer_auth(&token)
            .json(receipt)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(verdict["valid"], true, "{receipt}: {verdict}");
    }
    let published: Value = client
        .get(format!("{base}/api/v1/receipts/keys"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = published["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids,
        [
            before["key_id"].as_str().unwrap(),
            after["key_id"].as_str().unwrap()
        ]
    );
}

#[tokio::test]
async fn a_rotated_events_secret_of_up_re_keys_the_suites_own_subscriptions() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let app = shared::server::Application::build(&incidents::SERVICE, &settings(&db, &keys))
        .await
        .unwrap();
    let options = atvsld::UpOptions {
        host: "127.0.0.1".into(),
        ports: [app.port(), 1, 2],
        data_dir: std::env::temp_dir(),
        database_url: None,
        log: Default::default(),
    };
    // A partner's webhook on another URL is not the suite's to re-key.
    {
        let mut conn = app.db().get().unwrap();
        shared::events::subscriptions::insert(
            &mut conn,
            &shared::events::subscriptions::SubscriptionRow {
                id: uuid::Uuid::now_v7().to_string(),
                url: "https://lgsp.example/hooks/atvsld".into(),
                event_types: "*".into(),
                secret: "whsec_partner".into(),
                active: true,
                created_by: "atvsld-test|admin".into(),
                created_at: shared::db::now(),
                max_in_flight: None,
            },
        )
        .unwrap();
    }
    assert_eq!(
        atvsld::wire_events(&app, &options, "old-secret").unwrap(),
        2
    );
    assert_eq!(
        atvsld::wire_events(&app, &options, "new-secret").unwrap(),
        0
    );
    let mut conn = app.db().get().unwrap();
    let mut secrets: Vec<(String, String)> = shared::events::subscriptions::all(&mut conn)
        .unwrap()
        .into_iter()
        .map(|s| (s.created_by, s.secret))
        .collect();
    secrets.sort();
    assert_eq!(
        secrets,
        [
            ("atvsld up".to_owned(), "new-secret".to_owned()),
            ("atvsld up".to_owned(), "new-secret".to_owned()),
            ("atvsld-test|admin".to_owned(), "whsec_partner".to_owned()),
        ]
    );
}
