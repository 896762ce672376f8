//! Outbound HTTP to other services: bounded time, and the caller's request id carried
//! along so one request can be followed across services in the logs.

use std::time::Duration;

use crate::context::{self, REQUEST_ID_HEADER};

/// A client for calls to other services: at most `timeout` for a whole call, and at
/// most 2 s of it to connect.
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(2)))
        .timeout(timeout)
        .build()
}

/// Adds the current request's id (see [`crate::context`]) to an outbound request.
pub fn with_request_id(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match context::current().request_id {
        Some(id) => request.header(REQUEST_ID_HEADER.as_str(), id),
        None => request,
    }
}
