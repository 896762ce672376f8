//! A receiver that is down when events are published, then comes back on the same
//! port: nothing is lost, nothing is dead-lettered, each event arrives once.

use std::time::{Duration, Instant};

use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys};

use crate::support::{
    Receiver, delivery_log, event_settings, publish, start_incidents, subscribe, within,
};

const EVENTS: usize = 50;

#[tokio::test]
async fn events_published_while_the_receiver_is_down_all_arrive_once_it_is_up() {
    shared::telemetry::init_test_tracing();
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let mut settings = event_settings(&db, &keys);
    // Short retries so that the test is short; eight attempts as in production.
    settings.events.retry_base_ms = 100;
    let (base, app_db) = start_incidents(&settings).await;
    let client = reqwest::Client::new();
    let admin = keys.token(Role::Admin, None);

    // Subscribe while the receiver is up (the URL must resolve), then take it down.
    let receiver = Receiver::start(0, Duration::ZERO);
    let port = receiver.port();
    let subscription = subscribe(&client, &base, &admin, &receiver.url, &["fault.test"]).await;
    receiver.stop().await;

    let events = publish(&app_db, EVENTS, "fault.test");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let failed = delivery_log(&app_db, &subscription)
        .iter()
        .filter(|(_, status, attempts)| status == "pending" && *attempts > 0)
        .count();
    assert!(
        failed > 0,
        "the dispatcher tried while the receiver was down"
    );

    let back = Instant::now();
    let receiver = Receiver::start(port, Duration::ZERO);
    within(
        "every delivery delivered",
        Duration::from_secs(60),
        async || {
            delivery_log(&app_db, &subscription)
                .iter()
                .all(|(_, status, _)| status == "delivered")
        },
    )
    .await;
    let caught_up = back.elapsed();
    let received = receiver.received();
    println!(
        "faults/receiver restart ({}): {EVENTS} events published while the receiver was down \
         (failed attempts meanwhile: {failed} deliveries); {} of {EVENTS} received once it was \
         back, all within {caught_up:.1?}, 0 dead",
        if db.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        received.len()
    );
    for event in &events {
        assert_eq!(received.get(event), Some(&1), "{event} arrived once");
    }
}
