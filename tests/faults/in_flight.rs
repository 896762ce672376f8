//! A subscription's own bound on sends in flight (`max_in_flight`): the dispatcher
//! sends that many of its deliveries at once, while a subscription without one keeps
//! the service-wide `per_subscription` (1 here: one at a time, in order).

use std::time::Duration;

use serde_json::json;
use shared::auth::Role;
use shared::testing::{TestDatabase, TestKeys};

use crate::support::{
    Receiver, delivery_log, event_settings, publish, start_incidents, subscribe, within,
};

#[tokio::test]
async fn a_subscriptions_own_bound_sends_several_at_once_and_the_default_one_at_a_time() {
    shared::telemetry::init_test_tracing();
    const EVENTS: usize = 24;
    let keys = TestKeys::new().unwrap();
    let db = TestDatabase::new().unwrap();
    let mut settings = event_settings(&db, &keys);
    settings.events.per_subscription = 1;
    settings.events.poll_ms = 50;
    let (base, app_db) = start_incidents(&settings).await;
    let client = reqwest::Client::new();
    let admin = keys.token(Role::Admin, None);
    // A receiver that takes its time, so that sends overlap when they may.
    let (wide, narrow) = (
        Receiver::start(0, Duration::from_millis(100)),
        Receiver::start(0, Duration::from_millis(100)),
    );
    let four = subscribe(&client, &base, &admin, &wide.url, &["fault.test"]).await;
    let res = client
        .patch(format!("{base}/api/v1/subscriptions/{four}"))
        .bearer_auth(&admin)
        .json(&json!({"max_in_flight": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let default = subscribe(&client, &base, &admin, &narrow.url, &["fault.test"]).await;
    let events = publish(&app_db, EVENTS, "fault.test");
    within(
        "every delivery delivered",
        Duration::from_secs(60),
        async || {
            [&four, &default].iter().all(|s| {
                delivery_log(&app_db, s)
                    .iter()
                    .all(|(_, status, _)| status == "delivered")
            })
        },
    )
    .await;
    let (most_wide, most_narrow) = (wide.most_at_once(), narrow.most_at_once());
    println!("sends in flight at most: max_in_flight 4: {most_wide}; default: {most_narrow}");
    assert!(
        (2..=4).contains(&most_wide),
        "max_in_flight 4: {most_wide} at once"
    );
    assert_eq!(most_narrow, 1, "the default (per_subscription 1)");
    assert_eq!(
        *narrow.order.lock().unwrap(),
        events,
        "one at a time, in publication order"
    );
    for receiver in [&wide, &narrow] {
        let received = receiver.received();
        assert_eq!(received.len(), EVENTS);
        assert!(received.values().all(|n| *n == 1));
    }
}
