//! `/api/v1/subscriptions`: who receives this service's events (admin only).

use crate::extract::Query;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::COMMON_POLICY;
use crate::auth::AuthUser;
use crate::config::EventSettings;
use crate::db::Db;
use crate::error::{ApiError, FieldError, Text};
use crate::events::claims;
use crate::events::schema::{deliveries, outbox_events};
use crate::events::subscriptions::{self as repo, SubscriptionRow};
use crate::extract::Json;
use crate::idempotency::{self, IdempotentRequest, StoredResponse, WriteParams};
use crate::pagination::{Page, PageQuery, count_if, page_read_whole, total_of};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_subscription)
        .service(list_subscriptions)
        .service(update_subscription)
        .service(list_deliveries)
        .service(replay_delivery);
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://lgsp.caobang.gov.vn/hooks/atvsld", "event_types": ["accident.declared"]}))]
pub struct CreateSubscriptionRequest {
    /// Where events are POSTed. Internal addresses are refused unless the service allows them.
    pub url: String,
    /// Event types to receive; `*` for all.
    pub event_types: Vec<String>,
    /// Deliveries of this subscription sent at once, 1–64. Absent or `null`: the
    /// service's `APP__EVENTS__PER_SUBSCRIPTION` (1 by default, in publication order);
    /// above 1 events may arrive out of order, for a receiver that does not need it.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 64)]
    pub max_in_flight: Option<u32>,
}

/// A subscription. Its `secret` is shown once, in the answer to its creation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionResponse {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
    /// Deliveries sent at once; `null`: the service's `APP__EVENTS__PER_SUBSCRIPTION`.
    #[schema(minimum = 1, maximum = 64)]
    pub max_in_flight: Option<u32>,
    pub created_at: DateTime<Utc>,
    /// HMAC-SHA256 key of the `X-Atvsld-Signature` header: `sha256=<hex of HMAC(secret, body)>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl SubscriptionResponse {
    fn of(row: &SubscriptionRow, with_secret: bool) -> Self {
        Self {
            id: row.id.clone(),
            url: row.url.clone(),
            event_types: row.event_types.split(',').map(str::to_owned).collect(),
            active: row.active,
            max_in_flight: row.max_in_flight.and_then(|n| u32::try_from(n).ok()),
            created_at: row.created_at.and_utc(),
            secret: with_secret.then(|| row.secret.clone()),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// One delivery of one event to this subscriber.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `dead` (dead-lettered after too many failures).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub items: Vec<DeliveryResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

fn new_secret() -> String {
    format!(
        "whsec_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Subscribe to events
///
/// Đăng ký nhận sự kiện (admin). Each event is POSTed as JSON with an HMAC-SHA256
/// signature; failed deliveries are retried with backoff, then dead-lettered.
#[utoipa::path(
    tag = "subscriptions",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreateSubscriptionRequest,
    responses((status = 201, description = "Subscribed; the secret is shown this once", body = SubscriptionResponse))
)]
#[post("/subscriptions")]
pub async fn create_subscription(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    settings: web::Data<EventSettings>,
    params: Query<WriteParams>,
    body: Json<CreateSubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("create_subscription", &user)?;
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let request = body.body;
    repo::check_url(&request.url, settings.allow_internal_urls)?;
    let types: Vec<String> = request
        .event_types
        .iter()
        .map(|t| t.trim().to_owned())
        .collect();
    if types.is_empty()
        || types
            .iter()
            .any(|t| t.is_empty() || t.contains(',') || t.len() > 100)
    {
        return Err(ApiError::validation(vec![FieldError::body(
            "/event_types",
            "invalid_event_types",
            Text::new(
                "Cần ít nhất một loại sự kiện hợp lệ (hoặc *).",
                "At least one valid event type (or *) is required.",
            ),
        )]));
    }
    let row = SubscriptionRow {
        id: uuid::Uuid::now_v7().to_string(),
        url: request.url,
        event_types: types.join(","),
        secret: new_secret(),
        active: true,
        created_by: user.principal(),
        created_at: crate::db::now(),
        max_in_flight: request.max_in_flight.and_then(|n| i32::try_from(n).ok()),
    };
    let outcome = db
        .run(move |conn| {
            idempotency::execute(conn, idempotent.as_ref(), params.dry_run, |conn| {
                repo::insert(conn, &row)?;
                Ok(
                    StoredResponse::new(
                        StatusCode::CREATED,
                        &SubscriptionResponse::of(&row, true),
                    )?
                    .with_location(format!("/api/v1/subscriptions/{}", row.id)),
                )
            })
        })
        .await?;
    Ok(outcome.into_response())
}

/// List subscriptions
///
/// Danh sách đăng ký nhận sự kiện (webhooks), `admin` only: the URL, the event types and
/// whether each is active. Secrets are shown once, when a subscription is created, and
/// never listed.
#[utoipa::path(
    tag = "subscriptions",
    params(PageQuery),
    responses((status = 200, description = "A page of subscriptions (no secrets)", body = SubscriptionList))
)]
#[get("/subscriptions")]
pub async fn list_subscriptions(
    user: AuthUser,
    db: web::Data<Db>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("list_subscriptions", &user)?;
    let rows = db.run(repo::all).await?;
    let total = total_of(page.total, &rows);
    let (rows, next_cursor) =
        page_read_whole(rows, page.limit, page.cursor.as_deref(), |r| r.id.as_str())?;
    Ok(HttpResponse::Ok().json(SubscriptionList {
        items: rows
            .iter()
            .map(|r| SubscriptionResponse::of(r, false))
            .collect(),
        next_cursor,
        total,
    }))
}

/// What an administrator may change in a subscription; a member left out is kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateSubscriptionRequest {
    /// `false` stops deliveries: events that happen while it is inactive are not sent to
    /// it (a partner catches up with the `updated_since` feeds), and deliveries still
    /// pending wait; `true` starts it again. Its delivery log stays readable.
    #[serde(default)]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    /// Deliveries sent at once, 1–64, from the dispatcher's next round; `null` goes back
    /// to the service's `APP__EVENTS__PER_SUBSCRIPTION`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 64)]
    pub max_in_flight: Option<Option<u32>>,
}

/// A member that is present, `null` included: `Some(None)` is "set it to null", while a
/// missing member (`#[serde(default)]`) is `None`, "keep it".
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Stop, restart or tune a subscription
///
/// Webhooks are never deleted, so their delivery log stays readable: an inactive one is
/// sent nothing, and events that happen meanwhile are not queued for it. `max_in_flight`
/// sets how many of its deliveries are sent at once.
#[utoipa::path(
    tag = "subscriptions",
    params(("id" = String, Path, description = "Subscription id")),
    request_body = UpdateSubscriptionRequest,
    responses((status = 200, description = "The subscription as it is now (no secret)", body = SubscriptionResponse))
)]
#[patch("/subscriptions/{id}")]
pub async fn update_subscription(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<UpdateSubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("update_subscription", &user)?;
    let UpdateSubscriptionRequest {
        active,
        max_in_flight,
    } = body.body;
    let row = db
        .run(move |conn| {
            let id = id.to_string();
            crate::db::transaction(conn, |conn| {
                if let Some(active) = active {
                    repo::set_active(conn, &id, active)?;
                }
                if let Some(max_in_flight) = max_in_flight {
                    let max_in_flight = max_in_flight.and_then(|n| i32::try_from(n).ok());
                    repo::set_max_in_flight(conn, &id, max_in_flight)?;
                }
                repo::find(conn, &id)?.ok_or(ApiError::NotFound {
                    resource: "subscription",
                })
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(SubscriptionResponse::of(&row, false)))
}

/// Deliveries to a subscriber
///
/// Nhật ký gửi sự kiện: each event's delivery, its attempts and its last error.
#[utoipa::path(
    tag = "subscriptions",
    params(("id" = String, Path, description = "Subscription id"), PageQuery),
    responses((status = 200, description = "A page of deliveries, newest first", body = DeliveryList))
)]
#[get("/subscriptions/{id}/deliveries")]
pub async fn list_deliveries(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("list_deliveries", &user)?;
    let query = query.into_inner();
    let page = Page::parse(query.limit, query.cursor.as_deref())?;
    let id = id.to_string();
    let before = page.before.clone();
    let limit = page.fetch_limit();
    let (rows, total) = db
        .run(move |conn| {
            repo::find(conn, &id)?.ok_or(ApiError::NotFound {
                resource: "subscription",
            })?;
            let total = count_if(query.total, || {
                deliveries::table
                    .filter(deliveries::subscription_id.eq(&id))
                    .count()
                    .get_result::<i64>(conn)
            })?;
            let mut rows = deliveries::table
                .inner_join(outbox_events::table)
                .filter(deliveries::subscription_id.eq(&id))
                .into_boxed();
            if let Some(before) = before {
                rows = rows.filter(deliveries::id.lt(before));
            }
            Ok::<_, ApiError>((
                rows.order(deliveries::id.desc())
                    .limit(limit)
                    .select((
                        deliveries::id,
                        deliveries::event_id,
                        outbox_events::event_type,
                        deliveries::status,
                        deliveries::attempts,
                        deliveries::next_attempt_at,
                        deliveries::last_status,
                        deliveries::last_error,
                        deliveries::updated_at,
                    ))
                    .load::<(
                        String,
                        String,
                        String,
                        String,
                        i64,
                        chrono::NaiveDateTime,
                        Option<i64>,
                        Option<String>,
                        chrono::NaiveDateTime,
                    )>(conn)?,
                total,
            ))
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |r| r.0.as_str());
    let items = rows
        .into_iter()
        .map(
            |(
                id,
                event_id,
                event_type,
                status,
                attempts,
                next,
                last_status,
                last_error,
                updated,
            )| DeliveryResponse {
                id,
                event_id,
                event_type,
                status,
                attempts,
                next_attempt_at: next.and_utc(),
                last_status,
                last_error,
                updated_at: updated.and_utc(),
            },
        )
        .collect();
    Ok(HttpResponse::Ok().json(DeliveryList {
        items,
        next_cursor,
        total,
    }))
}

/// Replay a delivery
///
/// Gửi lại: puts a dead-lettered (or any) delivery back in the queue, due now.
#[utoipa::path(
    tag = "subscriptions",
    params(("id" = String, Path, description = "Subscription id"), ("delivery_id" = String, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued again"))
)]
#[post("/subscriptions/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_delivery(
    user: AuthUser,
    db: web::Data<Db>,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("replay_delivery", &user)?;
    let (id, delivery) = path.into_inner();
    let replayed = db
        .run(move |conn| claims::replay(conn, &delivery.to_string(), &id.to_string()))
        .await?;
    if !replayed {
        return Err(ApiError::NotFound {
            resource: "delivery",
        });
    }
    Ok(HttpResponse::Accepted().json(serde_json::json!({"status": "pending"})))
}
