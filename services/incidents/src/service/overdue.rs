//! Announcing investigations whose statutory deadline passed without an announced
//! record (`accident.investigation_overdue`), once per accident, from a background job.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::db::{Db, DbConnection};
use shared::error::ApiError;

use crate::db::schema::{accidents, investigations};

const EVENT: &str = "accident.investigation_overdue";
/// How often the job looks; deadlines are days long, so minutes of delay do not matter.
const EVERY: Duration = Duration::from_secs(300);

/// Publishes the event for every open accident past its deadline with no announced
/// record that has not had it yet; returns how many were announced. Safe with several
/// replicas: each accident is claimed by a compare-and-set of `overdue_announced_at`;
/// on PostgreSQL a second replica's update waits for the first one's commit and then
/// matches nothing, on SQLite the writers take turns.
pub fn announce(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    shared::db::transaction(conn, |conn| {
        let late: Vec<(String, NaiveDateTime, String, bool)> = accidents::table
            .left_join(investigations::table.on(investigations::accident_id.eq(accidents::id)))
            .filter(accidents::status.eq_any(["declared", "under_investigation"]))
            .filter(accidents::deadline_at.lt(now))
            .filter(investigations::record_announced_on.is_null())
            .filter(accidents::overdue_announced_at.is_null())
            .select((
                accidents::id,
                accidents::deadline_at,
                accidents::investigation_level,
                accidents::requires_immediate_declaration,
            ))
            .limit(500)
            .load(conn)?;
        let mut announced = 0;
        for (id, deadline, level, grave) in late {
            let claimed = diesel::update(
                accidents::table
                    .find(&id)
                    .filter(accidents::overdue_announced_at.is_null()),
            )
            .set(accidents::overdue_announced_at.eq(now))
            .execute(conn)?;
            if claimed == 0 {
                continue;
            }
            shared::events::outbox::publish(
                conn,
                crate::SERVICE.name,
                EVENT,
                &id,
                // Whether tasks has a follow-up task for it (a fatal accident, or two
                // or more seriously injured: the ones declared at once).
                &serde_json::json!({
                    "investigation_deadline": deadline.and_utc(),
                    "investigation_level": level,
                    "requires_immediate_declaration": grave,
                }),
            )?;
            announced += 1;
        }
        Ok(announced)
    })
}

/// Starts the job (the `on_start` hook of the service).
pub fn on_start(db: &Db) -> anyhow::Result<()> {
    let db = db.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = db.run(|conn| announce(conn, shared::db::now())).await {
                tracing::warn!(error = %e, "overdue investigations could not be announced");
            }
            tokio::time::sleep(EVERY).await;
        }
    });
    Ok(())
}
