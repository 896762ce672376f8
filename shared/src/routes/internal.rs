//! `/internal/v1/events`: where the suite's services deliver events to each other.
//! Only requests signed with a configured secret are accepted; each event id has its
//! effect once.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Db, DbConnection};
use crate::error::{ApiError, Text};
use crate::events::{Envelope, SIGNATURE_HEADER, inbox, verify};

/// What a service does with an event it receives, inside the transaction that also
/// records the event as received.
pub type EventHandler = fn(&mut DbConnection, &Envelope) -> Result<(), ApiError>;

/// The receiving side: the service's handler and the secrets it accepts.
pub struct Receiver {
    pub handler: Option<EventHandler>,
    pub secrets: Vec<String>,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(receive_event);
}

/// The outcome of a delivery.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReceiveResult {
    /// `processed`, `duplicate` (seen before, nothing done) or `ignored` (not an event this service uses).
    pub status: String,
}

/// Receive an event
///
/// Service-to-service only: the body must carry a valid `X-Atvsld-Signature`.
#[utoipa::path(
    tag = "internal",
    request_body = Envelope,
    params(("X-Atvsld-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body>")),
    responses((status = 200, description = "Received", body = ReceiveResult))
)]
#[post("/events")]
pub async fn receive_event(
    req: HttpRequest,
    db: web::Data<Db>,
    receiver: web::Data<Receiver>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if receiver.secrets.is_empty() || !verify(&receiver.secrets, &body, signature) {
        return Err(ApiError::Unauthorized);
    }
    let envelope: Envelope = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
        code: "malformed_event",
        detail: Text::new(
            "Sự kiện không đúng định dạng.",
            format!("Malformed event: {e}"),
        ),
        errors: vec![],
    })?;
    let Some(handler) = receiver.handler else {
        return Ok(HttpResponse::Ok().json(ReceiveResult {
            status: "ignored".into(),
        }));
    };
    let status = db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                if !inbox::first_time(conn, &envelope)? {
                    return Ok::<_, ApiError>("duplicate");
                }
                handler(conn, &envelope)?;
                Ok("processed")
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReceiveResult {
        status: status.into(),
    }))
}
