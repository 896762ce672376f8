//! How far behind each subscription is, for `/metrics`.
//!
//! Read at each scrape, so it must stay cheap however long the outbox grows: both
//! queries walk the `deliveries_backlog` index (status, subscription, event id) over the
//! pending and dead deliveries only, never the delivered history, and then read one
//! event per subscription by its key.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::outbox::{DEAD, PENDING};
use super::schema::{deliveries, outbox_events, subscriptions};
use crate::db::DbConnection;

/// One subscription's undelivered work.
#[derive(Debug, Default, PartialEq)]
pub struct Backlog {
    pub subscription_id: String,
    /// Deliveries still to be made (first try or retry).
    pub pending: i64,
    /// When the oldest event still pending occurred; none when nothing is pending.
    pub oldest_pending_at: Option<NaiveDateTime>,
    /// Deliveries given up after `events.max_attempts`, until an admin replays them.
    pub dead: i64,
}

/// The backlog of every subscription (a subscription with none has zeros).
pub fn per_subscription(conn: &mut DbConnection) -> QueryResult<Vec<Backlog>> {
    let mut backlog: Vec<Backlog> = subscriptions::table
        .select(subscriptions::id)
        .order(subscriptions::id)
        .load::<String>(conn)?
        .into_iter()
        .map(|subscription_id| Backlog {
            subscription_id,
            ..Backlog::default()
        })
        .collect();
    // Event ids are UUIDv7, so the smallest pending one is the oldest event.
    let groups: Vec<(String, String, i64, Option<String>)> = deliveries::table
        .filter(deliveries::status.eq_any([PENDING, DEAD]))
        .group_by((deliveries::subscription_id, deliveries::status))
        .select((
            deliveries::subscription_id,
            deliveries::status,
            count_star(),
            min(deliveries::event_id),
        ))
        .load(conn)?;
    let oldest_ids: Vec<&str> = groups
        .iter()
        .filter(|(_, status, _, _)| status == PENDING)
        .filter_map(|(_, _, _, id)| id.as_deref())
        .collect();
    let occurred: HashMap<String, NaiveDateTime> = outbox_events::table
        .filter(outbox_events::id.eq_any(&oldest_ids))
        .select((outbox_events::id, outbox_events::occurred_at))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .collect();
    for (subscription_id, status, count, oldest) in groups {
        let Some(row) = backlog
            .iter_mut()
            .find(|row| row.subscription_id == subscription_id)
        else {
            continue;
        };
        if status == PENDING {
            row.pending = count;
            row.oldest_pending_at = oldest.and_then(|id| occurred.get(&id).copied());
        } else {
            row.dead = count;
        }
    }
    Ok(backlog)
}
