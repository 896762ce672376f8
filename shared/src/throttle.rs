//! Rate limiting per client: the token's subject when the bearer token verifies,
//! else the peer address. A caller over its limit gets 429 `rate_limited` with
//! `Retry-After`, before any handler or database work.
//!
//! A token is verified once, here (the [`crate::auth::AuthUser`] extractor reuses the
//! outcome). A bad token — malformed, forged, expired, an unknown `kid` — counts
//! against its address at the anonymous rate, so a stream of them is refused at the
//! cost of a signature check at most, and an unknown `kid` costs no signature check
//! (the verifier looks the key up first and re-reads the key set at most every 30 s).
//!
//! The buckets are `governor`'s GCRA limiters keyed by client; entries of clients
//! that have been quiet for a full period are dropped every minute.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::{self, Bearer};
use crate::config::RateLimitSettings;
use crate::error::ApiError;

/// The limiters of one service; registered as app data by the server.
pub struct Throttle {
    by_subject: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
}

impl Throttle {
    pub fn new(settings: &RateLimitSettings) -> Arc<Self> {
        let quota = |per_second: u32, burst: u32| {
            let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
            Quota::per_second(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(rate))
        };
        Arc::new(Self {
            by_subject: RateLimiter::keyed(quota(settings.per_second, settings.burst)),
            by_address: RateLimiter::keyed(quota(
                settings.anonymous_per_second,
                settings.anonymous_burst,
            )),
            trust_forwarded_for: settings.trust_forwarded_for,
        })
    }

    /// Forgets quiet clients now and then, so the tables do not grow without bound.
    pub fn spawn_cleanup(self: &Arc<Self>) {
        let throttle = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(throttle) = throttle.upgrade() else {
                    return;
                };
                throttle.by_subject.retain_recent();
                throttle.by_address.retain_recent();
            }
        });
    }

    /// `Err` with the seconds to wait when `client` is over its limit.
    fn check(&self, client: &Client) -> Result<(), u64> {
        let refused = match client {
            Client::Subject(subject) => self.by_subject.check_key(subject).err(),
            Client::Address(address) => self.by_address.check_key(address).err(),
        };
        match refused {
            None => Ok(()),
            Some(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            }
        }
    }
}

enum Client {
    Subject(String),
    Address(IpAddr),
}

/// Paths that are never limited: the orchestrator's probes, the metrics scrape, and
/// the suite's own signed event deliveries.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/internal/")
}

/// The caller's address: the peer's, or the one the gateway forwarded.
fn address_of(req: &ServiceRequest, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| {
            let info = req.connection_info();
            let real = info.realip_remote_addr()?;
            real.parse::<IpAddr>()
                .ok()
                .or_else(|| real.parse::<SocketAddr>().ok().map(|a| a.ip()))
        })
        .flatten();
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let throttle = req.app_data::<web::Data<Arc<Throttle>>>().cloned();
    let Some(throttle) = throttle.filter(|_| !exempt(req.path())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let client = match auth::bearer(req.request()).await {
        Some(Bearer::Valid(user)) => Client::Subject(user.principal()),
        _ => Client::Address(address_of(&req, throttle.trust_forwarded_for)),
    };
    match throttle.check(&client) {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(retry_after_secs) => Ok(req
            .error_response(ApiError::RateLimited {
                retry_after_secs: retry_after_secs.max(1),
            })
            .map_into_right_body()),
    }
}
