//! Plan KPIs from the other services' statistics, over HTTP. A KPI is the trend the
//! owning service publishes with its statistics (`shared::figures::Trend`: previous,
//! current, change, target, on-track, completeness), taken as is, so the KPI and the
//! statistics never disagree; the previous year's figure is that year's own answer.
//! The caller's bearer token and request id go along; each call is retried a little with backoff; the
//! whole answer comes within `upstreams.timeout_ms`. A service that is down, slow
//! or answers nonsense makes its KPIs `unavailable` with the reason, never a 5xx.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::Db;
use shared::error::ApiError;
use shared::figures::{Indicator, Trend};
use shared::http_client::{Unavailable, UnavailableReason, get_json, unavailable};
use tokio::time::Instant;
use utoipa::ToSchema;

use crate::db::models::TargetRow;
use crate::db::plans;

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

/// One year's answer of the source: its figure and the trend it published.
#[derive(Clone, Debug)]
pub struct Published {
    pub figure: Figure,
    pub trend: Trend,
}

pub struct KpiResult {
    pub target: TargetRow,
    pub current: Result<Published, Unavailable>,
    pub previous: Result<Published, Unavailable>,
}

impl KpiResult {
    /// The trend the source published for the year asked for.
    pub fn trend(&self) -> Option<&Trend> {
        self.current.as_ref().ok().map(|p| &p.trend)
    }
}

/// How to reach the statistics of a target's source.
struct Source {
    base: Option<String>,
    path: &'static str,
    /// JSON pointers to the value, numerator and denominator, and to the trend.
    value: &'static str,
    trend: &'static str,
    numerator: Option<&'static str>,
    denominator: Option<&'static str>,
}

fn source_of(target: &TargetRow, upstreams: &Upstreams) -> Option<Source> {
    match (target.source.as_str(), target.code.as_str()) {
        ("incidents", "fatal_accident_rate") => Some(Source {
            base: upstreams.incidents.clone(),
            path: "/api/v1/accident-statistics?sector=with_labour_relation&period=",
            value: "/total/fatal_rate_per_100000",
            trend: "/fatal_rate_trend",
            numerator: Some("/total/figures/fatal"),
            denominator: Some("/total/workers"),
        }),
        ("health_stats", "bnn_exam_workers") => Some(Source {
            base: upstreams.health_stats.clone(),
            path: "/api/v1/health-statistics?period=",
            value: "/total/workers_examined_for_bnn",
            trend: "/bnn_exam_trend",
            numerator: None,
            denominator: None,
        }),
        ("health_stats", "monitored_establishments") => Some(Source {
            base: upstreams.health_stats.clone(),
            path: "/api/v1/monitoring-statistics?period=",
            value: "/total/establishments_monitored",
            trend: "/monitored_trend",
            numerator: None,
            denominator: None,
        }),
        _ => None,
    }
}

async fn figure(
    client: &reqwest::Client,
    source: Option<&Source>,
    indicator: Option<Indicator>,
    year: i32,
    bearer: Option<&str>,
    deadline: Instant,
) -> Result<Published, Unavailable> {
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
    let body: Value = get_json(client, &url, bearer, deadline).await?;
    let number = |pointer: &str| body.pointer(pointer).and_then(Value::as_f64);
    let trend = body
        .pointer(source.trend)
        .and_then(|t| serde_json::from_value::<Trend>(t.clone()).ok())
        .filter(|t| Some(t.indicator) == indicator);
    let Some(trend) = trend else {
        return Err(unavailable(
            UnavailableReason::UnexpectedResponse,
            format!(
                "no trend of this indicator at {} in the answer",
                source.trend
            ),
        ));
    };
    match body.pointer(source.value) {
        Some(v) if v.is_number() || v.is_null() => Ok(Published {
            figure: Figure {
                value: v.as_f64(),
                numerator: source.numerator.and_then(number),
                denominator: source.denominator.and_then(number),
            },
            trend,
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
    super::access::check("get_plan_kpis", user)?;
    let targets = db
        .run(move |conn| {
            plans::find(conn, &plan_id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
            Ok::<_, ApiError>(plans::targets(conn, &plan_id)?)
        })
        .await?;
    let deadline = Instant::now() + Duration::from_millis(upstreams.timeout_ms);
    let sources: Vec<Option<Source>> = targets.iter().map(|t| source_of(t, upstreams)).collect();
    let bearer = bearer.as_deref();
    let calls = sources.iter().zip(&targets).map(|(s, t)| async move {
        let indicator = Indicator::parse(&t.code);
        futures_util::future::join(
            figure(client, s.as_ref(), indicator, year, bearer, deadline),
            figure(client, s.as_ref(), indicator, year - 1, bearer, deadline),
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
