//! Receiving events: each event id has its effect once.

use diesel::prelude::*;

use super::Envelope;
use super::schema::inbox_events;
use crate::db::DbConnection;
use crate::error::ApiError;

/// Records `envelope` as received; `false` when it was received before (a
/// redelivery), in which case the caller must not apply it again. Call it in the
/// transaction that applies the event.
pub fn first_time(conn: &mut DbConnection, envelope: &Envelope) -> Result<bool, ApiError> {
    // Look first: a failed insert would abort a PostgreSQL transaction. Two copies
    // arriving at the same instant still cannot both pass: the second insert fails,
    // its delivery is retried, and then it is seen here.
    let seen = diesel::select(diesel::dsl::exists(inbox_events::table.find(&envelope.id)))
        .get_result::<bool>(conn)?;
    if seen {
        return Ok(false);
    }
    let inserted = diesel::insert_into(inbox_events::table)
        .values((
            inbox_events::event_id.eq(&envelope.id),
            inbox_events::event_type.eq(&envelope.event_type),
            inbox_events::source.eq(&envelope.source),
            inbox_events::received_at.eq(crate::db::now()),
        ))
        .execute(conn);
    inserted.map(|_| true).map_err(Into::into)
}
