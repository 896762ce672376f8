//! What the scenarios share: settings as `up` sets them, a receiver that counts what
//! it gets, a black hole, subscribing over the API, reading the delivery log.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use diesel::prelude::*;
use serde_json::{Value, json};
use shared::events::schema::deliveries;
use shared::testing::{TestDatabase, TestKeys, settings};

pub const SECRET: &str = "faults-events-secret";

/// Starts incidents on `settings` in the background; its base URL and database.
pub async fn start_incidents(settings: &shared::config::Settings) -> (String, shared::db::Db) {
    let app = shared::server::Application::build(&incidents::SERVICE, settings)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    (base, db)
}

/// A service's settings with the dispatcher on and its production timing (5 s
/// timeout, 500 ms poll), loopback URLs allowed as `up` allows them.
pub fn event_settings(db: &TestDatabase, keys: &TestKeys) -> shared::config::Settings {
    let mut s = settings(db, keys);
    s.events.dispatch = true;
    s.events.allow_internal_urls = true;
    s.events.inbound_secrets = vec![SECRET.into()];
    s
}

/// An HTTP receiver on 127.0.0.1 that answers 200 after `delay`, counts each event id
/// it was sent, and the most requests it had in hand at once.
pub struct Receiver {
    pub url: String,
    pub counts: Arc<Mutex<HashMap<String, usize>>>,
    /// Every event id sent, in the order the requests came.
    pub order: Arc<Mutex<Vec<String>>>,
    /// The request (counted from 0) answered 500, if any.
    pub fail_at: Arc<Mutex<Option<usize>>>,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// Listens on `port` (0: a free one).
    pub fn start(port: u16, delay: Duration) -> Self {
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let order: Arc<Mutex<Vec<String>>> = Arc::default();
        let fail_at: Arc<Mutex<Option<usize>>> = Arc::default();
        let in_flight: Arc<(AtomicUsize, AtomicUsize)> = Arc::default();
        let seen = (
            counts.clone(),
            order.clone(),
            fail_at.clone(),
            in_flight.clone(),
        );
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let url = format!(
            "http://127.0.0.1:{}/hook",
            listener.local_addr().unwrap().port()
        );
        let server = HttpServer::new(move || {
            let seen = seen.clone();
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest| {
                    let seen = seen.clone();
                    async move {
                        let now = seen.3.0.fetch_add(1, Ordering::SeqCst) + 1;
                        seen.3.1.fetch_max(now, Ordering::SeqCst);
                        let id = req
                            .headers()
                            .get("x-atvsld-event-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        *seen.0.lock().unwrap().entry(id.clone()).or_default() += 1;
                        let fail = {
                            let mut order = seen.1.lock().unwrap();
                            order.push(id);
                            *seen.2.lock().unwrap() == Some(order.len() - 1)
                        };
                        tokio::time::sleep(delay).await;
                        seen.3.0.fetch_sub(1, Ordering::SeqCst);
                        if fail {
                            HttpResponse::InternalServerError().finish()
                        } else {
                            HttpResponse::Ok().finish()
                        }
                    }
                }),
            )
        })
        .workers(2)
        .max_connections(1000)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url,
            counts,
            order,
            fail_at,
            in_flight,
            handle,
        }
    }

    /// The most requests it was answering at once.
    pub fn most_at_once(&self) -> usize {
        self.in_flight.1.load(Ordering::SeqCst)
    }

    /// The port it listens on, to start it again there.
    pub fn port(&self) -> u16 {
        self.url
            .trim_end_matches("/hook")
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    pub fn received(&self) -> HashMap<String, usize> {
        self.counts.lock().unwrap().clone()
    }
}

/// A TCP listener on 127.0.0.1 that accepts every connection and never answers.
pub async fn black_hole() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// Subscribes `url` to `types` as an admin of the service at `base`; its id.
pub async fn subscribe(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    url: &str,
    types: &[&str],
) -> String {
    let res = client
        .post(format!("{base}/api/v1/subscriptions"))
        .bearer_auth(admin)
        .json(&json!({"url": url, "event_types": types}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Each delivery of `subscription`: (event id, status, attempts).
pub fn delivery_log(db: &shared::db::Db, subscription: &str) -> Vec<(String, String, i64)> {
    let mut conn = db.get().unwrap();
    deliveries::table
        .filter(deliveries::subscription_id.eq(subscription))
        .select((
            deliveries::event_id,
            deliveries::status,
            deliveries::attempts,
        ))
        .load(&mut *conn)
        .unwrap()
}

/// Waits until `check` holds, at most `limit`.
pub async fn within(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Publishes `n` events of `event_type` in incidents' outbox, as a write would.
pub fn publish(db: &shared::db::Db, n: usize, event_type: &str) -> Vec<String> {
    let mut conn = db.get().unwrap();
    (0..n)
        .map(|i| {
            shared::events::outbox::publish(
                &mut conn,
                "incidents",
                event_type,
                &format!("subject-{i}"),
                &json!({"n": i}),
            )
            .unwrap()
        })
        .collect()
}

/// The median and the largest of `values`.
pub fn median_max(values: &mut [Duration]) -> (Duration, Duration) {
    values.sort();
    (values[values.len() / 2], values[values.len() - 1])
}
