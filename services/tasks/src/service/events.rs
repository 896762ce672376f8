//! Events this service receives from the others.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use shared::db::DbConnection;
use shared::error::ApiError;
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

/// `accident.declared` for a fatal accident, or one that seriously injured two or
/// more, opens an investigation follow-up task for Sở Nội vụ due on the statutory
/// deadline. Redeliveries never reach here twice (the inbox de-duplicates).
pub fn on_event(conn: &mut DbConnection, event: &Envelope) -> Result<(), ApiError> {
    if event.event_type != "accident.declared" {
        return Ok(());
    }
    let accident: AccidentDeclared =
        serde_json::from_value(event.data.clone()).map_err(|e| ApiError::BadRequest {
            code: "malformed_event",
            detail: shared::error::Text::new(
                "Sự kiện không đúng định dạng.",
                format!("Malformed accident.declared: {e}"),
            ),
            errors: vec![],
        })?;
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
    };
    let lead = AssignmentRow {
        task_id: task.id.clone(),
        agency_code: INVESTIGATING_AGENCY.into(),
        role: "lead".into(),
    };
    plans::insert_task(conn, &task, &[lead])?;
    Ok(())
}
