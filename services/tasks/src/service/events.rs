//! Events this service receives from the others.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::db::DbConnection;
use shared::error::{ApiError, Text};
use shared::events::Envelope;

use crate::db::models::{AssignmentRow, TaskRow};
use crate::db::plans;

/// The plan the follow-up tasks belong to, and the agency that investigates.
const PLAN_NUMBER: &str = "664/KH-UBND";
const INVESTIGATING_AGENCY: &str = "SNV";

#[derive(Deserialize)]
struct AccidentDeclared {
    commune_code: String,
    occurred_at: DateTime<Utc>,
    case_severity: String,
    fatal: u32,
    serious: u32,
    requires_immediate_declaration: bool,
    investigation_deadline: DateTime<Utc>,
}

#[derive(Deserialize)]
struct InvestigationOverdue {
    /// Whether the accident is one that has a follow-up task here (incidents announces
    /// every late investigation, not only the grave ones).
    requires_immediate_declaration: bool,
}

/// What the tasks service does with an event of another service.
pub fn on_event(conn: &mut DbConnection, event: &Envelope) -> Result<(), ApiError> {
    match event.event_type.as_str() {
        // A case grave at declaration, or made grave later by a severity raise: the
        // same follow-up task, opened once per accident.
        "accident.declared" | "accident.escalated" => open_follow_up(conn, event, data(event)?),
        "accident.investigation_overdue" => mark_overdue(conn, event, &data(event)?),
        _ => Ok(()),
    }
}

fn data<T: DeserializeOwned>(event: &Envelope) -> Result<T, ApiError> {
    serde_json::from_value(event.data.clone()).map_err(|e| ApiError::BadRequest {
        code: "malformed_event",
        detail: Text::new(
            "Sự kiện không đúng định dạng.",
            format!("Malformed {}: {e}", event.event_type),
        ),
        errors: vec![],
    })
}

/// The record a follow-up task of an accident event names.
fn accident_ref(event: &Envelope) -> String {
    format!("{}:accident:{}", event.source, event.subject)
}

/// `accident.declared` for a fatal accident, or one that seriously injured two or
/// more, or `accident.escalated` for a case a severity raise made so, opens an
/// investigation follow-up task for Sở Nội vụ due on the statutory deadline.
/// Redeliveries of one event never reach here twice (the inbox de-duplicates by event
/// id), but two events of one accident can (a declaration and an escalation, or an
/// event re-published under a new id): the task is keyed by its `source_ref`, so a
/// second one is not opened.
///
/// The dispatcher sends several accident events at once (`atvsld up` wires tasks with
/// `max_in_flight`), so handlers run concurrently: the plan row is locked before the
/// look-up ([`plans::lock`]), and a second event of the same accident waits for the
/// first to commit, then finds its task; two accidents take successive positions. (The
/// unique index on `source_ref` stays the last guard: a second insert would be refused
/// with 409 and its delivery retried.)
fn open_follow_up(
    conn: &mut DbConnection,
    event: &Envelope,
    accident: AccidentDeclared,
) -> Result<(), ApiError> {
    if !accident.requires_immediate_declaration {
        return Ok(());
    }
    let Some(plan) = plans::all(conn)?
        .into_iter()
        .find(|p| p.number == PLAN_NUMBER)
    else {
        tracing::warn!("no plan {PLAN_NUMBER} to attach an accident follow-up task to");
        return Ok(());
    };
    plans::lock(conn, &plan.id)?;
    if plans::find_task_by_source(conn, &accident_ref(event))?.is_some() {
        return Ok(());
    }
    let vietnam = shared::time::vietnam();
    let place = shared::refdata::admin_unit(
        &accident.commune_code,
        accident.occurred_at.with_timezone(&vietnam).date_naive(),
    )
    .map_or_else(|| accident.commune_code.clone(), |u| u.name.clone());
    let victims = match (accident.fatal, accident.serious) {
        (0, s) => format!("{s} người bị thương nặng"),
        (f, 0) => format!("{f} người chết"),
        (f, s) => format!("{f} người chết, {s} người bị thương nặng"),
    };
    let task = TaskRow {
        id: uuid::Uuid::now_v7().to_string(),
        plan_id: plan.id.clone(),
        item: None,
        section: "Điều tra tai nạn lao động".into(),
        text: format!(
            "Điều tra vụ tai nạn lao động ({}, {victims}) xảy ra ngày {} tại {place}; công bố biên bản điều tra trong thời hạn luật định. Mã vụ: {}.",
            accident.case_severity,
            accident
                .occurred_at
                .with_timezone(&vietnam)
                .format("%d/%m/%Y"),
            event.subject,
        ),
        due_on: Some(
            accident
                .investigation_deadline
                .with_timezone(&vietnam)
                .date_naive(),
        ),
        recurrence: None,
        position: plans::next_position(conn, &plan.id)?,
        created_by: format!("event:{}", event.source),
        created_at: shared::db::now(),
        source_ref: Some(accident_ref(event)),
        overdue_since: None,
        version: 1,
    };
    let lead = AssignmentRow {
        task_id: task.id.clone(),
        agency_code: INVESTIGATING_AGENCY.into(),
        role: "lead".into(),
        valid_from: None,
        valid_to: None,
    };
    plans::insert_task(conn, &task, &[lead])?;
    Ok(())
}

/// `accident.investigation_overdue`: the statutory deadline of the accident's
/// investigation passed without an announced record, so its follow-up task is overdue
/// from the event's time. Events can arrive out of order: when the task of an accident
/// that has one is not here yet, the event is refused (409) and the sender retries it
/// after `accident.declared` has arrived. Accidents without a follow-up task (neither
/// fatal nor two seriously injured) are ignored.
fn mark_overdue(
    conn: &mut DbConnection,
    event: &Envelope,
    overdue: &InvestigationOverdue,
) -> Result<(), ApiError> {
    let source_ref = accident_ref(event);
    match plans::find_task_by_source(conn, &source_ref)? {
        Some(task) if task.overdue_since.is_none() => {
            // When incidents found it late; micros, as both backends store them.
            let since = chrono::SubsecRound::trunc_subsecs(event.occurred_at.naive_utc(), 6);
            plans::mark_task_overdue(conn, &task.id, since)?;
            Ok(())
        }
        Some(_) => Ok(()),
        None if overdue.requires_immediate_declaration => Err(ApiError::Conflict {
            code: "follow_up_task_not_yet_known",
            detail: Text::new(
                "Chưa có nhiệm vụ theo dõi của vụ tai nạn này; gửi lại sau.",
                "The accident's follow-up task is not here yet; send the event again later.",
            ),
        }),
        None => Ok(()),
    }
}
