//! Outbound HTTP to other services: bounded time, and the caller's request id carried
//! along so one request can be followed across services in the logs; reads whose
//! failure makes a part of the caller's answer unavailable instead of an error.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use utoipa::ToSchema;

use crate::context::{self, REQUEST_ID_HEADER};

/// A client for calls to other services and webhooks: at most `timeout` for a whole
/// call, at most 2 s of it to connect, and no redirects followed — a webhook URL that
/// passed the check against internal addresses must not lead there by a 302 (OWASP
/// API7, server-side request forgery), and no service of the suite redirects.
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(2)))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Adds the current request's id (see [`crate::context`]) and language to an outbound
/// request, so the other service logs under the same id and explains in the caller's
/// language.
pub fn with_request_context(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let context = context::current();
    let request = request.header(
        actix_web::http::header::ACCEPT_LANGUAGE.as_str(),
        context.lang.as_str(),
    );
    match context.request_id {
        Some(id) => request.header(REQUEST_ID_HEADER.as_str(), id),
        None => request,
    }
}

/// The caller's bearer token, to pass on to the other services: they decide what it
/// may read there.
pub fn bearer_of(req: &actix_web::HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
}

/// Why another service's answer could not be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnavailableReason {
    /// No base URL for the service is configured.
    NotConfigured,
    /// The service could not be reached.
    ConnectionFailed,
    /// The service did not answer within the time allowed.
    Timeout,
    /// The service answered with an error status.
    UpstreamError,
    /// The answer is not what was expected.
    UnexpectedResponse,
    /// The figure names a source this service does not know.
    UnknownSource,
    /// The source has no answer for this kind of request (monitoring is yearly).
    NotApplicable,
}

/// A part of an answer that could not be had from another service, and why.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Unavailable {
    pub reason: UnavailableReason,
    pub detail: String,
}

pub fn unavailable(reason: UnavailableReason, detail: impl Into<String>) -> Unavailable {
    Unavailable {
        reason,
        detail: detail.into(),
    }
}

/// Attempts per call, and the pause before the second (doubled for each next one).
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// One GET of another service's JSON with retries (connection failures and 5xx; a 4xx
/// will not change on retry), all of it before `deadline`. The caller's bearer token
/// goes along, so the other service applies the caller's own rights. Every failure is
/// an [`Unavailable`] for the caller to report in its answer, never an error of its own.
pub async fn get_json<T: DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    deadline: Instant,
) -> Result<T, Unavailable> {
    let mut backoff = FIRST_BACKOFF;
    let mut last = unavailable(UnavailableReason::Timeout, "no answer in time");
    for attempt in 1..=ATTEMPTS {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        let mut request = with_request_context(client.get(url));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let retryable = match tokio::time::timeout(remaining, request.send()).await {
            Err(_) => {
                last = unavailable(UnavailableReason::Timeout, "no answer in time");
                false
            }
            Ok(Err(e)) if e.is_timeout() => {
                last = unavailable(UnavailableReason::Timeout, "no answer in time");
                true
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "upstream call failed");
                last = unavailable(
                    UnavailableReason::ConnectionFailed,
                    "the service could not be reached",
                );
                true
            }
            Ok(Ok(res)) if res.status().is_success() => {
                let body = tokio::time::timeout(
                    deadline.saturating_duration_since(Instant::now()),
                    res.json::<T>(),
                )
                .await;
                return match body {
                    Ok(Ok(v)) => Ok(v),
                    Ok(Err(e)) => Err(unavailable(
                        UnavailableReason::UnexpectedResponse,
                        e.to_string(),
                    )),
                    Err(_) => Err(unavailable(UnavailableReason::Timeout, "no answer in time")),
                };
            }
            Ok(Ok(res)) => {
                let status = res.status();
                last = unavailable(
                    UnavailableReason::UpstreamError,
                    format!("HTTP {}", status.as_u16()),
                );
                status.is_server_error()
            }
        };
        if !retryable || attempt == ATTEMPTS {
            break;
        }
        let pause = backoff.min(deadline.saturating_duration_since(Instant::now()));
        tokio::time::sleep(pause).await;
        backoff *= 2;
    }
    tracing::warn!(url, reason = ?last.reason, detail = %last.detail, "an upstream source is unavailable");
    Err(last)
}
