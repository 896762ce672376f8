//! Plan KPIs from the other services' statistics, over HTTP: the caller's bearer
//! token and request id go along; each call is retried a little with backoff; the
//! whole answer comes within `upstreams.timeout_ms`. A service that is down, slow
//! or answers nonsense makes its KPIs `unavailable` with the reason, never a 5xx.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::Db;
use shared::error::ApiError;
use tokio::time::Instant;
use utoipa::ToSchema;

use crate::db::models::TargetRow;
use crate::db::plans;
use crate::domain::kpi::{self, Direction};

/// Attempts per call, and the pause before the second (doubled for each next one).
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Why a figure is missing.
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
    /// The answer lacks the expected figure.
    UnexpectedResponse,
    /// The target's source is not one this service knows.
    UnknownSource,
    /// The source has no figure for this kind of period (monitoring is yearly).
    NotApplicable,
}

#[derive(Clone, Debug)]
pub struct Unavailable {
    pub reason: UnavailableReason,
    pub detail: String,
}

/// One figure read from a statistics answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    /// The indicator's value; `null` when the source has it but cannot compute it
    /// (e.g. a rate without workers).
    pub value: Option<f64>,
    /// Numerator and denominator where the source gives them (deaths, workers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<f64>,
}

pub struct KpiResult {
    pub target: TargetRow,
    pub current: Result<Figure, Unavailable>,
    pub previous: Result<Figure, Unavailable>,
}

impl KpiResult {
    pub fn change_percent(&self) -> Option<f64> {
        match (&self.previous, &self.current) {
            (Ok(p), Ok(c)) => kpi::change_percent(p.value?, c.value?),
            _ => None,
        }
    }

    pub fn on_track(&self) -> Option<bool> {
        let direction = Direction::parse(&self.target.direction)?;
        #[allow(clippy::cast_precision_loss)] // a percentage is a small integer
        let target = self.target.yearly_change_percent as f64;
        self.change_percent()
            .map(|c| kpi::on_track(direction, target, c))
    }
}

/// How to reach the statistics of a target's source.
struct Source {
    base: Option<String>,
    path: &'static str,
    /// JSON pointers to the value, numerator and denominator.
    value: &'static str,
    numerator: Option<&'static str>,
    denominator: Option<&'static str>,
}

fn source_of(target: &TargetRow, upstreams: &Upstreams) -> Option<Source> {
    match (target.source.as_str(), target.code.as_str()) {
        ("incidents", "fatal_accident_rate") => Some(Source {
            base: upstreams.incidents.clone(),
            path: "/api/v1/accident-statistics?sector=with_labour_relation&period=",
            value: "/total/fatal_rate_per_100000",
            numerator: Some("/total/figures/fatal"),
            denominator: Some("/total/workers"),
        }),
        ("health_stats", "bnn_exam_workers") => Some(Source {
            base: upstreams.health_stats.clone(),
            path: "/api/v1/health-statistics?period=",
            value: "/total/workers_examined_for_bnn",
            numerator: None,
            denominator: None,
        }),
        ("health_stats", "monitored_establishments") => Some(Source {
            base: upstreams.health_stats.clone(),
            path: "/api/v1/monitoring-statistics?period=",
            value: "/total/establishments_monitored",
            numerator: None,
            denominator: None,
        }),
        _ => None,
    }
}

pub(crate) fn unavailable(reason: UnavailableReason, detail: impl Into<String>) -> Unavailable {
    Unavailable {
        reason,
        detail: detail.into(),
    }
}

/// One GET with retries, all of it before `deadline`.
pub(crate) async fn get_json(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    deadline: Instant,
) -> Result<Value, Unavailable> {
    let mut backoff = FIRST_BACKOFF;
    let mut last = unavailable(UnavailableReason::Timeout, "no answer in time");
    for attempt in 1..=ATTEMPTS {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        let mut request = shared::http_client::with_request_id(client.get(url));
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
                    res.json::<Value>(),
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
                // A refusal (4xx) will not change on retry; a 5xx may.
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

async fn figure(
    client: &reqwest::Client,
    source: Option<&Source>,
    year: i32,
    bearer: Option<&str>,
    deadline: Instant,
) -> Result<Figure, Unavailable> {
    let Some(source) = source else {
        return Err(unavailable(
            UnavailableReason::UnknownSource,
            "unknown target source",
        ));
    };
    let Some(base) = source.base.as_deref() else {
        return Err(unavailable(
            UnavailableReason::NotConfigured,
            "no upstream URL configured",
        ));
    };
    let url = format!("{}{}{year}", base.trim_end_matches('/'), source.path);
    let body = get_json(client, &url, bearer, deadline).await?;
    let number = |pointer: &str| body.pointer(pointer).and_then(Value::as_f64);
    match body.pointer(source.value) {
        Some(v) if v.is_number() || v.is_null() => Ok(Figure {
            value: v.as_f64(),
            numerator: source.numerator.and_then(number),
            denominator: source.denominator.and_then(number),
        }),
        _ => Err(unavailable(
            UnavailableReason::UnexpectedResponse,
            format!("no {} in the answer", source.value),
        )),
    }
}

/// The KPIs of plan `plan_id` for `year` against `year − 1`.
pub async fn kpis(
    db: &Db,
    user: &AuthUser,
    client: &reqwest::Client,
    upstreams: &Upstreams,
    bearer: Option<String>,
    plan_id: String,
    year: i32,
) -> Result<Vec<KpiResult>, ApiError> {
    user.require_any(&super::plans::READERS)?;
    let targets = db
        .run(move |conn| {
            plans::find(conn, &plan_id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
            Ok::<_, ApiError>(plans::targets(conn, &plan_id)?)
        })
        .await?;
    let deadline = Instant::now() + Duration::from_millis(upstreams.timeout_ms);
    let sources: Vec<Option<Source>> = targets.iter().map(|t| source_of(t, upstreams)).collect();
    let bearer = bearer.as_deref();
    let calls = sources.iter().map(|s| async move {
        futures_util::future::join(
            figure(client, s.as_ref(), year, bearer, deadline),
            figure(client, s.as_ref(), year - 1, bearer, deadline),
        )
        .await
    });
    let results = futures_util::future::join_all(calls).await;
    Ok(targets
        .into_iter()
        .zip(results)
        .map(|(target, (current, previous))| KpiResult {
            target,
            current,
            previous,
        })
        .collect())
}
