//! A stand-in for the incidents and health-stats services: canned statistics, a
//! list of accidents only for an allowed token, and a record of what was asked.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// One request the stub received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub uri: String,
    pub authorization: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Clone, Default)]
pub struct Stub {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// The bearer token the accidents list answers; others get 403.
    pub allowed: Arc<Mutex<Option<String>>>,
}

impl Stub {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn allow(&self, token: &str) {
        *self.allowed.lock().unwrap() = Some(token.to_owned());
    }
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn answer(req: &HttpRequest, allowed: Option<&str>) -> HttpResponse {
    match req.path() {
        "/api/v1/accident-statistics" => HttpResponse::Ok().json(json!({
            "period": "2025",
            "rows": [
                {"key": "B", "figures": {"cases": 4, "cases_fatal": 2, "casualties": 5, "fatal": 2, "serious": 1}},
                {"key": "F", "figures": {"cases": 2, "cases_fatal": 1, "casualties": 3, "fatal": 1, "serious": 2}}
            ]
        })),
        "/api/v1/accidents" => {
            let token = header(req, "authorization");
            if allowed.is_some_and(|a| token.as_deref() == Some(&format!("Bearer {a}"))) {
                HttpResponse::Ok().json(json!({
                    "items": [
                        {"id": "a1", "casualties": 2, "fatal": 1, "serious": 1},
                        {"id": "a2", "casualties": 1, "fatal": 0, "serious": 0}
                    ],
                    "next_cursor": null
                }))
            } else {
                HttpResponse::Forbidden()
                    .content_type("application/problem+json")
                    .json(json!({"code": "forbidden"}))
            }
        }
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Starts the stub on a free port.
pub async fn start() -> Stub {
    let stub = Stub::default();
    let (seen, allowed) = (stub.seen.clone(), stub.allowed.clone());
    let server = HttpServer::new(move || {
        let (seen, allowed) = (seen.clone(), allowed.clone());
        App::new().default_service(web::to(move |req: HttpRequest| {
            let (seen, allowed) = (seen.clone(), allowed.clone());
            async move {
                seen.lock().unwrap().push(Seen {
                    uri: req.uri().to_string(),
                    authorization: header(&req, "authorization"),
                    request_id: header(&req, "x-request-id"),
                });
                let allowed = allowed.lock().unwrap().clone();
                answer(&req, allowed.as_deref())
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    Stub {
        url: format!("http://127.0.0.1:{port}"),
        ..stub
    }
}

/// The value at `pointer`, or a panic naming it.
pub fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {v}"))
}
