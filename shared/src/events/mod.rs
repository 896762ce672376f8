//! Events between services and to partners (README.md, "Events between the
//! services"; docs/integration.md, "10. Webhooks").
//!
//! - [`outbox::publish`] writes an event in the caller's transaction, with one pending
//!   delivery per active subscription that wants its type: the write and its event
//!   commit together or not at all.
//! - [`dispatcher`] delivers pending deliveries over HTTP POST with a JSON
//!   [`Envelope`] and an HMAC-SHA256 signature of the body in [`SIGNATURE_HEADER`],
//!   each subscription on its own lane with a bounded concurrency and a [`circuit`];
//!   failures are retried with exponential backoff and jitter, then dead-lettered
//!   (an admin can replay them). On PostgreSQL several replicas may dispatch: a
//!   delivery is claimed once ([`claims`]) and its lease outlasts its send.
//! - Receivers check the signature and de-duplicate by event `id` ([`inbox`]), so
//!   at-least-once delivery has an exactly-once effect.

pub mod backlog;
pub mod circuit;
pub mod claims;
pub mod dispatcher;
pub mod inbox;
pub mod outbox;
pub mod schema;
pub mod subscriptions;

use aws_lc_rs::hmac;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `sha256=<hex HMAC-SHA256 of the request body>` with the subscription's secret.
pub const SIGNATURE_HEADER: &str = "x-atvsld-signature";
pub const EVENT_ID_HEADER: &str = "x-atvsld-event-id";

/// What a subscriber receives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b",
    "type": "establishment.upserted",
    "occurred_at": "2026-03-02T08:15:00Z",
    "source": "incidents",
    "subject": "019a2b3c-1111-7f60-8a9b-0c1d2e3f4a5b",
    "data": {"tax_code": "0100047516", "name": "Công ty CP Xi măng Cao Bằng",
             "commune_code": "01273", "vsic_code": "23941", "vsic_section": "C",
             "ownership_type": "2", "version": 1}
}))]
pub struct Envelope {
    /// Unique per event; receivers de-duplicate by it.
    pub id: String,
    /// E.g. `accident.declared`, `establishment.upserted`, `plan_report.reminder`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// The service that published it.
    pub source: String,
    /// The record it is about (its id).
    pub subject: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// The signature header value of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, body);
    format!(
        "sha256={}",
        tag.as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Whether `header` is the signature of `body` under one of `secrets` (compared in
/// constant time).
pub fn verify(secrets: &[String], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(tag) = decode_hex(hex) else {
        return false;
    };
    secrets.iter().any(|secret| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        hmac::verify(&key, body, &tag).is_ok()
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_the_secret_and_body_it_was_made_with() {
        let header = sign("s3cret", b"{\"a\":1}");
        assert!(header.starts_with("sha256="));
        assert!(verify(
            &["other".into(), "s3cret".into()],
            b"{\"a\":1}",
            &header
        ));
        assert!(!verify(&["s3cret".into()], b"{\"a\":2}", &header));
        assert!(!verify(&["wrong".into()], b"{\"a\":1}", &header));
        assert!(!verify(&["s3cret".into()], b"{\"a\":1}", "sha256=zz"));
    }
}
