//! Publishing events inside the caller's transaction.

use diesel::prelude::*;

use super::schema::{deliveries, outbox_events};
use super::subscriptions;
use crate::db::DbConnection;
use crate::error::ApiError;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

/// Records an event of `source` about `subject`, with a pending delivery for every
/// active subscription to `event_type`. Call it in the transaction of the write.
pub fn publish(
    conn: &mut DbConnection,
    source: &str,
    event_type: &str,
    subject: &str,
    data: &serde_json::Value,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::db::now();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::id.eq(&id),
            outbox_events::event_type.eq(event_type),
            outbox_events::source.eq(source),
            outbox_events::subject.eq(subject),
            outbox_events::occurred_at.eq(now),
            outbox_events::data.eq(data.to_string()),
        ))
        .execute(conn)?;
    for subscription in subscriptions::active_for(conn, event_type)? {
        diesel::insert_into(deliveries::table)
            .values((
                deliveries::id.eq(uuid::Uuid::now_v7().to_string()),
                deliveries::event_id.eq(&id),
                deliveries::subscription_id.eq(&subscription.id),
                deliveries::status.eq(PENDING),
                deliveries::attempts.eq(0),
                deliveries::next_attempt_at.eq(now),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(id)
}
