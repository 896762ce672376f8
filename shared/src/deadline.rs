//! Time limits on the stages of a request that actix leaves open: the body and the
//! whole request. (Headers, keep-alive and the closing of a connection are bounded by
//! actix's own timeouts, set in [`crate::server`].)
//!
//! A body must keep up a minimum rate after a grace period: a client that sends its
//! headers and then one byte a second holds a connection — a file descriptor — for no
//! more than the grace period, while a large import on a slow but honest link is never
//! cut. The extractors turn the cut into 408 ([`crate::extract::body_error`]), and the
//! 408 closes the connection.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::config::ServerSettings;
use crate::error::ApiError;

/// The limits [`middleware`] applies; registered as app data by the server.
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    pub body_grace: Duration,
    pub body_min_bytes_per_sec: u64,
    pub handler: Duration,
}

impl Deadlines {
    pub fn of(settings: &ServerSettings) -> Self {
        Self {
            body_grace: Duration::from_millis(settings.body_grace_ms),
            body_min_bytes_per_sec: settings.body_min_bytes_per_sec.max(1),
            handler: Duration::from_millis(settings.handler_timeout_ms),
        }
    }
}

/// The error a body stream ends with when it is too slow.
const BODY_TIMEOUT: &str = "request body too slow";

pub fn is_body_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut && io.to_string() == BODY_TIMEOUT)
}

/// Bounds the body's rate and the request's duration.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(limits) = req.app_data::<web::Data<Deadlines>>().map(|d| *d.get_ref()) else {
        return next.call(req).await;
    };
    let body = SlowBodyCut::new(req.take_payload(), limits);
    req.set_payload(Payload::Stream {
        payload: Box::pin(body),
    });
    match tokio::time::timeout(limits.handler, next.call(req)).await {
        Ok(res) => res,
        // The handler's future is dropped; blocking database work it started ends
        // with the statement timeout. The request went with the future (routing needs
        // it un-cloned), so the answer travels as an error rendered here, in the
        // request's context.
        Err(_) => Err(InternalError::from_response(
            ApiError::HandlerTimeout,
            ApiError::HandlerTimeout.error_response(),
        )
        .into()),
    }
}

/// A body stream that fails once it falls behind `grace + received / min_rate`.
struct SlowBodyCut {
    inner: Payload,
    started: Instant,
    received: u64,
    limits: Deadlines,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

impl SlowBodyCut {
    fn new(inner: Payload, limits: Deadlines) -> Self {
        let started = Instant::now();
        Self {
            inner,
            started,
            received: 0,
            limits,
            timer: Box::pin(tokio::time::sleep_until(started + limits.body_grace)),
            done: false,
        }
    }

    fn due(&self) -> Instant {
        let earned = Duration::from_secs_f64(
            self.received as f64 / self.limits.body_min_bytes_per_sec as f64,
        );
        self.started + self.limits.body_grace + earned
    }
}

impl Stream for SlowBodyCut {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                let due = this.due();
                this.timer.as_mut().reset(due);
                return Poll::Ready(Some(Ok(chunk)));
            }
            Poll::Ready(other) => {
                this.done = other.is_none();
                return Poll::Ready(other);
            }
            Poll::Pending => {}
        }
        if this.timer.as_mut().poll(cx).is_ready() {
            this.done = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                BODY_TIMEOUT,
            )))));
        }
        Poll::Pending
    }
}
