//! The outbox, its dispatcher and the subscriptions API, against a real webhook receiver.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use shared::auth::Role;

use crate::helpers::{
    TestApp, assert_problem, establishment, first_error, json_of, spawn_app, spawn_app_with,
    tax_code,
};

/// What the webhook received: the signature header and the body of each request.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A partner's webhook: records what it receives and answers with `status`, or with a
/// redirect to `redirect` when that is set.
struct Receiver {
    url: String,
    received: Received,
    status: Arc<AtomicU16>,
    redirect: Arc<Mutex<Option<String>>>,
}

fn receiver() -> Receiver {
    let received: Received = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let redirect: Arc<Mutex<Option<String>>> = Arc::default();
    let (r, s, to) = (received.clone(), status.clone(), redirect.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let server = HttpServer::new(move || {
        let (r, s, to) = (r.clone(), s.clone(), to.clone());
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (r, s, to) = (r.clone(), s.clone(), to.clone());
                async move {
                    let signature = req
                        .headers()
                        .get("x-atvsld-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    r.lock().unwrap().push((signature, body.to_vec()));
                    if let Some(target) = to.lock().unwrap().clone() {
                        return HttpResponse::TemporaryRedirect()
                            .insert_header(("location", target))
                            .finish();
                    }
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap(),
                    )
                    .finish()
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    Receiver {
        url,
        received,
        status,
        redirect,
    }
}

async fn fast_events_app() -> TestApp {
    spawn_app_with(|s| {
        s.events.dispatch = true;
        s.events.allow_internal_urls = true;
        s.events.retry_base_ms = 20;
        s.events.max_attempts = 3;
        s.events.poll_ms = 20;
    })
    .await
}

async fn subscribe(app: &TestApp, url: &str, types: &[&str]) -> Value {
    let res = app
        .post(
            "/api/v1/subscriptions",
            &app.admin(),
            &json!({"url": url, "event_types": types}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    json_of(res).await
}

/// The newest delivery listed at `path` once its status is `status` (polled for up to
/// 5 s); the last one seen otherwise, for the assertion to show.
async fn latest_delivery_once(app: &TestApp, path: &str, status: &str) -> Value {
    let mut latest = Value::Null;
    for _ in 0..200 {
        latest = json_of(app.get(path, &app.admin()).await).await["items"][0].clone();
        if latest["status"] == status {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    latest
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting");
}

#[tokio::test]
async fn internal_urls_are_refused_by_default_and_only_admins_subscribe() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/subscriptions",
            &app.admin(),
            &json!({"url": "http://127.0.0.1/", "event_types": ["*"]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "internal_url_refused");
    let res = app
        .post(
            "/api/v1/subscriptions",
            &app.token(Role::LaborAuthority, None),
            &json!({"url": "https://example.org/", "event_types": ["*"]}),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
}

#[tokio::test]
async fn a_subscriptions_sends_in_flight_are_set_shown_and_bounded() {
    let app = spawn_app_with(|s| s.events.allow_internal_urls = true).await;
    let admin = app.admin();
    let create = async |body: Value| app.post("/api/v1/subscriptions", &admin, &body).await;
    for bad in [json!(0), json!(65), json!(-1)] {
        let res = create(
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"], "max_in_flight": bad}),
        )
        .await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            first_error(&problem),
            ("/max_in_flight".into(), "out_of_range".into()),
            "{bad}: {problem}"
        );
    }
    let res =
        create(json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"], "max_in_flight": 8}))
            .await;
    assert_eq!(res.status().as_u16(), 201);
    let eight = json_of(res).await;
    assert_eq!(eight["max_in_flight"], 8);
    let res = create(json!({"url": "http://127.0.0.1:9/other", "event_types": ["*"]})).await;
    let default = json_of(res).await;
    assert_eq!(
        default["max_in_flight"],
        Value::Null,
        "the service's setting"
    );

    let path = format!("/api/v1/subscriptions/{}", eight["id"].as_str().unwrap());
    let patch = async |body: Value| {
        app.request(reqwest::Method::PATCH, &path, Some(&admin), Some(&body))
            .await
    };
    for bad in [json!(0), json!(65)] {
        let problem = assert_problem(
            patch(json!({"max_in_flight": bad})).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(
            first_error(&problem),
            ("/max_in_flight".into(), "out_of_range".into())
        );
    }
    // Changing one member keeps the other.
    let res = patch(json!({"max_in_flight": 64})).await;
    assert_eq!(res.status().as_u16(), 200);
    let changed = json_of(res).await;
    assert_eq!(
        (changed["max_in_flight"].clone(), changed["active"].clone()),
        (json!(64), json!(true))
    );
    let changed = json_of(patch(json!({"active": false})).await).await;
    assert_eq!(
        (changed["max_in_flight"].clone(), changed["active"].clone()),
        (json!(64), json!(false))
    );
    let listed = json_of(app.get("/api/v1/subscriptions", &admin).await).await;
    let shown = |id: &Value| {
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == *id)
            .map(|s| s["max_in_flight"].clone())
            .unwrap()
    };
    assert_eq!(shown(&eight["id"]), 64);
    assert_eq!(shown(&default["id"]), Value::Null);
    // `null` goes back to the service's setting.
    let reset = json_of(patch(json!({"max_in_flight": null})).await).await;
    assert_eq!(reset["max_in_flight"], Value::Null, "{reset}");
    let mut conn = app.svc.app_db.get().unwrap();
    let stored = shared::events::subscriptions::find(&mut conn, eight["id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stored.max_in_flight, None);
}

#[tokio::test]
async fn a_subscriber_receives_signed_events_of_its_types_only() {
    let app = fast_events_app().await;
    let hook = receiver();
    let subscription = subscribe(&app, &hook.url, &["establishment.upserted"]).await;
    let secret = subscription["secret"].as_str().unwrap().to_owned();
    assert!(
        json_of(app.get("/api/v1/subscriptions", &app.admin()).await).await["items"][0]
            .get("secret")
            .is_none(),
        "shown once"
    );

    let created = app.create_establishment(&establishment(&tax_code(1))).await;
    wait_until(|| !hook.received.lock().unwrap().is_empty()).await;
    let (signature, body) = hook.received.lock().unwrap()[0].clone();
    assert!(
        shared::events::verify(&[secret], &body, &signature),
        "a valid signature"
    );
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(envelope["type"], "establishment.upserted");
    assert_eq!(envelope["source"], "incidents");
    assert_eq!(envelope["subject"], created["id"]);
    assert_eq!(envelope["data"]["tax_code"], tax_code(1));

    // The receiver has the event; the dispatcher records the outcome just after.
    let log = format!(
        "/api/v1/subscriptions/{}/deliveries",
        subscription["id"].as_str().unwrap()
    );
    let mut deliveries = Value::Null;
    for _ in 0..100 {
        deliveries = json_of(app.get(&log, &app.admin()).await).await;
        if deliveries["items"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(deliveries["items"][0]["status"], "delivered");
    assert_eq!(
        deliveries["items"].as_array().unwrap().len(),
        1,
        "no other event types"
    );
    let counted = json_of(
        app.get(&format!("{log}?limit=1&total=true"), &app.admin())
            .await,
    )
    .await;
    assert_eq!(counted["total"], 1, "{counted}");
    assert!(counted["next_cursor"].is_null(), "{counted}");
    let subscriptions = json_of(
        app.get("/api/v1/subscriptions?total=true", &app.admin())
            .await,
    )
    .await;
    assert_eq!(subscriptions["total"], 1, "{subscriptions}");
}

#[tokio::test]
async fn an_inactive_subscription_is_sent_nothing_until_it_is_active_again() {
    let app = fast_events_app().await;
    let hook = receiver();
    let subscription = subscribe(&app, &hook.url, &["establishment.upserted"]).await;
    let path = format!(
        "/api/v1/subscriptions/{}",
        subscription["id"].as_str().unwrap()
    );
    let admin = app.admin();
    let set_active = async |active: bool| {
        app.request(
            reqwest::Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({ "active": active })),
        )
        .await
    };
    let inactive = set_active(false).await;
    assert_eq!(inactive.status().as_u16(), 200);
    let inactive = json_of(inactive).await;
    assert_eq!(inactive["active"], false);
    assert!(inactive.get("secret").is_none(), "the secret is shown once");

    app.create_establishment(&establishment(&tax_code(2))).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        hook.received.lock().unwrap().is_empty(),
        "nothing while inactive"
    );

    assert_eq!(set_active(true).await.status().as_u16(), 200);
    let created = app.create_establishment(&establishment(&tax_code(3))).await;
    wait_until(|| hook.received.lock().unwrap().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let received = hook.received.lock().unwrap().clone();
    assert_eq!(
        received.len(),
        1,
        "the event of the inactive time is not sent"
    );
    let envelope: Value = serde_json::from_slice(&received[0].1).unwrap();
    assert_eq!(envelope["subject"], created["id"]);

    // Only an admin changes it; an unknown subscription is 404.
    let res = app
        .request(
            reqwest::Method::PATCH,
            &path,
            Some(&app.token(Role::LaborAuthority, Some("SNV"))),
            Some(&json!({"active": false})),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/subscriptions/{}", uuid::Uuid::now_v7()),
            Some(&app.admin()),
            Some(&json!({"active": false})),
        )
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn a_failing_delivery_is_retried_then_dead_lettered_and_replays_after_the_fix() {
    let app = fast_events_app().await;
    let hook = receiver();
    hook.status.store(500, Ordering::SeqCst);
    let subscription = subscribe(&app, &hook.url, &["*"]).await;
    let path = format!(
        "/api/v1/subscriptions/{}/deliveries",
        subscription["id"].as_str().unwrap()
    );
    app.create_establishment(&establishment(&tax_code(2))).await;

    let dead = latest_delivery_once(&app, &path, "dead").await;
    assert_eq!(dead["attempts"], 3, "{dead}");
    assert_eq!(dead["last_status"], 500);
    assert_eq!(hook.received.lock().unwrap().len(), 3);

    hook.status.store(200, Ordering::SeqCst);
    let res = app
        .post(
            &format!("{path}/{}/replay", dead["id"].as_str().unwrap()),
            &app.admin(),
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    wait_until(|| hook.received.lock().unwrap().len() == 4).await;
    let delivered = latest_delivery_once(&app, &path, "delivered").await;
    assert_eq!(delivered["status"], "delivered", "{delivered}");
}

#[tokio::test]
async fn a_redirect_is_never_followed() {
    // A partner's URL that passed the check, redirecting to a place the dispatcher
    // must not be led to (here another local listener, standing for an internal one).
    let app = fast_events_app().await;
    let hook = receiver();
    let internal = receiver();
    *hook.redirect.lock().unwrap() = Some(internal.url.clone());
    let subscription = subscribe(&app, &hook.url, &["*"]).await;
    app.create_establishment(&establishment(&tax_code(4))).await;
    let path = format!(
        "/api/v1/subscriptions/{}/deliveries",
        subscription["id"].as_str().unwrap()
    );
    let dead = latest_delivery_once(&app, &path, "dead").await;
    assert_eq!(dead["last_status"], 307, "{dead}");
    assert_eq!(hook.received.lock().unwrap().len(), 3);
    assert!(internal.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unsigned_event_is_refused() {
    let app = spawn_app().await;
    let res = app
        .svc
        .client
        .post(app.svc.url("/internal/v1/events"))
        .header("x-atvsld-signature", "sha256=00")
        .json(&json!({"id": "x", "type": "t", "occurred_at": "2026-01-01T00:00:00Z", "source": "s", "subject": "s", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn an_overdue_investigation_is_announced_once() {
    let app = spawn_app().await;
    app.create_establishment(&establishment(&tax_code(3))).await;
    let notified = chrono::Utc::now() - chrono::Duration::days(10);
    let declaration = json!({
        "sector": "with_labour_relation", "employer": {"tax_code": tax_code(3)},
        "occurred_at": notified.to_rfc3339(), "notified_at": notified.to_rfc3339(),
        "place": {"commune_code": "01273", "address": "x"}, "description": "x",
        "casualties": [{"personal_id": "004090012345", "full_name": "A", "gender": "male", "birth_year": 1990,
                        "contract_type": "indefinite", "severity": "minor"}]
    });
    let res = app
        .post("/api/v1/accidents", &app.admin(), &declaration)
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let mut conn = app.svc.app_db.get().unwrap();
    let now = shared::db::now();
    assert_eq!(
        incidents::service::overdue::announce(&mut conn, now).unwrap(),
        1
    );
    assert_eq!(
        incidents::service::overdue::announce(&mut conn, now).unwrap(),
        0,
        "once"
    );
}
