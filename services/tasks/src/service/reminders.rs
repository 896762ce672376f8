//! The reminders job: 7 days and 1 day before each due date, and the day after for
//! a report still missing. Its core, [`run`], takes "today" so tests drive it; the
//! background loop calls it with Viet Nam's date. Several replicas may run it at once:
//! the unique key on (plan, agency, period, kind) and insert-or-ignore make one
//! reminder whichever replica gets there first.

use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::ApiError;
use shared::pagination::{Page, Paged};
use shared::period::Period;
use uuid::Uuid;

use crate::db::models::ReminderRow;
use crate::db::{plan_reports, plans, reminders as repo};
use crate::domain::schedule::ReminderKind;
use crate::service::compliance::expected_agencies;

/// How often the background job looks for reminders to record.
const INTERVAL: Duration = Duration::from_secs(3600);

/// Records the reminders due on `today`; returns how many this call made.
pub fn run(conn: &mut DbConnection, today: NaiveDate) -> Result<usize, ApiError> {
    crate::service::seed::ensure_deadlines(conn, today.year()).map_err(ApiError::Internal)?;
    shared::db::transaction(conn, |conn| {
        let mut made = 0;
        for plan in plans::all(conn)? {
            for (period, due_on) in plans::deadlines(conn, &plan.id)? {
                // Only deadlines whose reminder window is open today.
                if today < ReminderKind::DueIn7Days.remind_on(due_on)
                    || Period::parse(&period).is_none()
                {
                    continue;
                }
                let filed: Vec<String> = plan_reports::all_for_period(conn, &plan.id, &period)?
                    .into_iter()
                    .map(|r| r.agency_code)
                    .collect();
                for agency in expected_agencies(conn, &plan.id, due_on)? {
                    let has_filed = filed.contains(&agency.code);
                    for kind in ReminderKind::ALL {
                        if !kind.applies(today, due_on, has_filed) {
                            continue;
                        }
                        let row = ReminderRow {
                            id: Uuid::now_v7().to_string(),
                            plan_id: plan.id.clone(),
                            agency_code: agency.code.clone(),
                            period: period.clone(),
                            kind: kind.as_str().to_owned(),
                            due_on,
                            remind_on: kind.remind_on(due_on),
                            created_at: shared::db::now(),
                        };
                        if repo::insert_or_ignore(conn, &row)? {
                            // Subscribers (the provincial portal, e-mail or SMS gateways)
                            // hear of each reminder once, in the transaction that makes it.
                            shared::events::outbox::publish(
                                conn,
                                crate::SERVICE.name,
                                "plan_report.reminder",
                                &row.id,
                                &serde_json::json!({
                                    "plan_id": row.plan_id,
                                    "agency_code": row.agency_code,
                                    "agency_name": agency.name,
                                    "period": row.period,
                                    "kind": row.kind,
                                    "due_on": row.due_on,
                                    "remind_on": row.remind_on,
                                }),
                            )?;
                            made += 1;
                        }
                    }
                }
            }
        }
        Ok::<_, ApiError>(made)
    })
}

/// Starts the background loop on the current runtime.
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        loop {
            let today = shared::time::today();
            match db.run(move |conn| run(conn, today)).await {
                Ok(0) => {}
                Ok(made) => tracing::info!(reminders = made, "reminders recorded"),
                Err(e) => tracing::warn!(error = %e, "the reminders job failed; it retries"),
            }
            tokio::time::sleep(INTERVAL).await;
        }
    });
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    period: Option<String>,
    page: Page,
) -> Result<Paged<ReminderRow>, ApiError> {
    let scope = super::agency_scope("list_reminders", user)?;
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let (agency, period) = (scope.as_deref(), period.as_deref());
            let total = fetch.total(|| repo::count(conn, agency, period))?;
            let rows = repo::list(
                conn,
                agency,
                period,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            Ok::<_, diesel::result::Error>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}
