//! Logging and tracing: one subscriber per process, and the root span of every request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogSettings;
use crate::context::RequestId;

/// Installs the global subscriber: compact lines for people, JSON for log shippers.
/// `RUST_LOG` overrides the configured level. Safe to call more than once (tests).
pub fn init_tracing(settings: &LogSettings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let span_events = if settings.requests {
        FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(span_events);
    let _ = if settings.json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.compact().try_init()
    };
}

/// For test binaries: silent unless `TEST_LOG=1`.
pub fn init_test_tracing() {
    if std::env::var_os("TEST_LOG").is_some() {
        init_tracing(&LogSettings {
            level: "info".into(),
            json: false,
            requests: true,
        });
    }
}

/// The root span of a request. It carries the request id set by
/// [`crate::context::middleware`], so every log line of a request can be found by it.
/// Query strings are left out of the span: they may hold filter values that are
/// nobody else's business.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        tracing::info_span!(
            "http",
            http.method = %request.method(),
            http.route = %route,
            http.status_code = tracing::field::Empty,
            request_id = %request_id,
            user.sub = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
