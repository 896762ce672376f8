//! Changing agencies, tasks and targets (issue 15, item 6): an update names the
//! version it changes (`If-Match`) and says why; the stored record gets the next
//! version and every version stays readable (`record_revisions`). Sở Nội vụ and
//! admin edit (the `update_*` rules of the access table).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Text};
use shared::versioning::check_version;

use super::plans::{AgencyView, TaskView, agency_rules, task_rules, with_assignments};
use crate::db::models::{AgencyRow, RecordRevisionRow, TargetRow, TaskRow};
use crate::db::{agencies, plans, revisions};
use crate::domain::kpi::Direction;
use crate::domain::seed::{AgencyKind, Recurrence};

/// What a revision belongs to (`record_revisions.resource`).
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    Agency,
    Task,
    Target,
}

impl Resource {
    fn as_str(self) -> &'static str {
        match self {
            Resource::Agency => "agency",
            Resource::Task => "task",
            Resource::Target => "target",
        }
    }
}

/// The version being replaced and the one replacing it.
struct Change<'a, T: Serialize> {
    resource: Resource,
    record_id: &'a str,
    current: &'a T,
    current_version: i64,
    /// When and by whom the current version was made, if it has no revision yet
    /// (records made before versions were kept, and first versions).
    created: (NaiveDateTime, Option<&'a str>),
    next: &'a T,
    by: &'a str,
    reason: &'a str,
}

/// Keeps the current version (once) and the next one as revisions.
fn keep_revisions<T: Serialize>(
    conn: &mut DbConnection,
    c: &Change<'_, T>,
) -> Result<(), ApiError> {
    let resource = c.resource.as_str();
    if !revisions::exists(conn, resource, c.record_id, c.current_version)? {
        revisions::insert(
            conn,
            &RecordRevisionRow {
                resource: resource.to_owned(),
                record_id: c.record_id.to_owned(),
                version: c.current_version,
                changed_at: c.created.0,
                changed_by: c.created.1.map(str::to_owned),
                action: "created".to_owned(),
                change_reason: None,
                snapshot: serde_json::to_string(c.current).map_err(anyhow::Error::from)?,
            },
        )?;
    }
    revisions::insert(
        conn,
        &RecordRevisionRow {
            resource: resource.to_owned(),
            record_id: c.record_id.to_owned(),
            version: c.current_version + 1,
            changed_at: shared::db::now(),
            changed_by: Some(c.by.to_owned()),
            action: "updated".to_owned(),
            change_reason: Some(c.reason.to_owned()),
            snapshot: serde_json::to_string(c.next).map_err(anyhow::Error::from)?,
        },
    )?;
    Ok(())
}

/// 422 with every problem at once: the record's own rules and the reason.
fn validated(mut errors: Vec<FieldError>, reason: &str) -> Result<String, ApiError> {
    let reason = shared::error::change_reason(reason).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The 412 of a change that lost a race after its version check.
fn lost_race(current: i64) -> ApiError {
    ApiError::PreconditionFailed {
        current_version: current + 1,
    }
}

/// The fields of an agency an update sets (its code never changes).
pub struct AgencyChange {
    pub name: String,
    pub kind: AgencyKind,
    pub reports: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
    pub change_reason: String,
}

#[tracing::instrument(skip_all, fields(agency.code = %code))]
pub async fn update_agency(
    db: &Db,
    user: &AuthUser,
    code: String,
    expected: i64,
    change: AgencyChange,
) -> Result<AgencyView, ApiError> {
    super::access::check("update_agency", user)?;
    let reason = validated(
        agency_rules(&change.name, change.valid_from, change.valid_to),
        &change.change_reason,
    )?;
    let by = user.principal();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let current =
                agencies::find(conn, &code)?.ok_or(ApiError::NotFound { resource: "agency" })?;
            check_version(expected, current.version)?;
            if let Some(s) = &change.successor_code
                && (s == &code || agencies::find(conn, s)?.is_none())
            {
                return Err(ApiError::field(
                    "/successor_code",
                    "unknown_agency",
                    Text::new(
                        "Không có cơ quan kế nhiệm này.",
                        "No such successor agency.",
                    ),
                ));
            }
            let next = AgencyRow {
                name: change.name.trim().to_owned(),
                kind: change.kind.as_str().to_owned(),
                reports: change.reports,
                valid_from: change.valid_from,
                valid_to: change.valid_to,
                successor_code: change.successor_code.clone(),
                version: current.version + 1,
                ..current.clone()
            };
            if !agencies::update_if_version(conn, &next, current.version)? {
                return Err(lost_race(current.version));
            }
            keep_revisions(
                conn,
                &Change {
                    resource: Resource::Agency,
                    record_id: &code,
                    current: &current,
                    current_version: current.version,
                    created: (current.created_at, None),
                    next: &next,
                    by: &by,
                    reason: &reason,
                },
            )?;
            // An agency closed by this change passes its open tasks on, as a
            // seeded closed agency does.
            crate::service::seed::pass_on_closed_agencies(conn)?;
            // One that now reports, or is now of another kind, gets the indicators
            // the data set asks of its kind (rows are added, never taken away).
            crate::service::data_sets::assign_agencies_664(conn)?;
            Ok(AgencyView::new(next, &agencies::successors(conn)?))
        })
    })
    .await
}

/// The fields of a task an update sets (its plan, assignments and position stay).
pub struct TaskChange {
    pub item: Option<i32>,
    pub section: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<Recurrence>,
    pub change_reason: String,
}

#[tracing::instrument(skip_all, fields(task.id = %id))]
pub async fn update_task(
    db: &Db,
    user: &AuthUser,
    id: String,
    expected: i64,
    change: TaskChange,
) -> Result<TaskView, ApiError> {
    super::access::check("update_task", user)?;
    let reason = validated(
        task_rules(&change.text, change.due_on, change.recurrence, true),
        &change.change_reason,
    )?;
    let by = user.principal();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let current =
                plans::find_task(conn, &id)?.ok_or(ApiError::NotFound { resource: "task" })?;
            check_version(expected, current.version)?;
            let next = TaskRow {
                item: change.item,
                section: change.section.trim().to_owned(),
                text: change.text.trim().to_owned(),
                due_on: change.due_on,
                recurrence: change.recurrence.map(|r| r.as_str().to_owned()),
                version: current.version + 1,
                ..current.clone()
            };
            if !plans::update_task_if_version(conn, &next, current.version)? {
                return Err(lost_race(current.version));
            }
            keep_revisions(
                conn,
                &Change {
                    resource: Resource::Task,
                    record_id: &id,
                    current: &current,
                    current_version: current.version,
                    created: (current.created_at, Some(&current.created_by)),
                    next: &next,
                    by: &by,
                    reason: &reason,
                },
            )?;
            with_assignments(conn, vec![next])?
                .pop()
                .ok_or(ApiError::NotFound { resource: "task" })
        })
    })
    .await
}

/// The fields of a target an update sets (its code and source name the figure
/// the KPI reads, so they stay).
pub struct TargetChange {
    pub indicator: String,
    pub unit: String,
    pub direction: Direction,
    pub yearly_change_percent: i64,
    pub baseline_year: i32,
    pub change_reason: String,
}

#[tracing::instrument(skip_all, fields(plan.id = %plan_id, target.code = %code))]
pub async fn update_target(
    db: &Db,
    user: &AuthUser,
    plan_id: String,
    code: String,
    expected: i64,
    change: TargetChange,
) -> Result<TargetRow, ApiError> {
    super::access::check("update_target", user)?;
    let mut errors = Vec::new();
    if change.indicator.trim().is_empty() {
        errors.push(FieldError::body(
            "/indicator",
            "required",
            Text::new("Cần nêu tên chỉ tiêu.", "The indicator is required."),
        ));
    }
    if change.unit.trim().is_empty() {
        errors.push(FieldError::body(
            "/unit",
            "required",
            Text::new("Cần nêu đơn vị tính.", "The unit is required."),
        ));
    }
    if !(0..=100).contains(&change.yearly_change_percent) {
        errors.push(FieldError::body(
            "/yearly_change_percent",
            "out_of_range",
            Text::new(
                "Mức thay đổi mỗi năm từ 0 đến 100 phần trăm.",
                "The yearly change is 0 to 100 percent.",
            ),
        ));
    }
    let reason = validated(errors, &change.change_reason)?;
    let by = user.principal();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let plan =
                plans::find(conn, &plan_id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
            let current = plans::find_target(conn, &plan_id, &code)?
                .ok_or(ApiError::NotFound { resource: "target" })?;
            check_version(expected, current.version)?;
            let next = TargetRow {
                indicator: change.indicator.trim().to_owned(),
                unit: change.unit.trim().to_owned(),
                direction: change.direction.as_str().to_owned(),
                yearly_change_percent: change.yearly_change_percent,
                baseline_year: change.baseline_year,
                version: current.version + 1,
                ..current.clone()
            };
            if !plans::update_target_if_version(conn, &next, current.version)? {
                return Err(lost_race(current.version));
            }
            keep_revisions(
                conn,
                &Change {
                    resource: Resource::Target,
                    record_id: &current.id,
                    current: &current,
                    current_version: current.version,
                    // Targets are loaded with their plan.
                    created: (plan.created_at, None),
                    next: &next,
                    by: &by,
                    reason: &reason,
                },
            )?;
            Ok(next)
        })
    })
    .await
}

/// Every kept version of an agency, newest first; one never changed has none kept
/// yet and answers its current version alone.
pub async fn agency_revisions(
    db: &Db,
    user: &AuthUser,
    code: String,
) -> Result<Vec<RecordRevisionRow>, ApiError> {
    super::access::check("list_agency_revisions", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let row =
                agencies::find(conn, &code)?.ok_or(ApiError::NotFound { resource: "agency" })?;
            with_current(
                conn,
                Resource::Agency,
                &code,
                &row,
                row.version,
                (row.created_at, None),
            )
        })
    })
    .await
}

/// Every kept version of a task; an agency reads only the tasks assigned to it.
pub async fn task_revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<RecordRevisionRow>, ApiError> {
    let scope = super::agency_scope("list_task_revisions", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let task =
                plans::find_task(conn, &id)?.ok_or(ApiError::NotFound { resource: "task" })?;
            if let Some(own) = &scope {
                let held = plans::assignments_of(conn, std::slice::from_ref(&id))?;
                if !held.iter().any(|a| &a.agency_code == own) {
                    return Err(ApiError::NotFound { resource: "task" });
                }
            }
            let created = (task.created_at, Some(task.created_by.as_str()));
            with_current(conn, Resource::Task, &id, &task, task.version, created)
        })
    })
    .await
}

/// Every kept version of a plan's target.
pub async fn target_revisions(
    db: &Db,
    user: &AuthUser,
    plan_id: String,
    code: String,
) -> Result<Vec<RecordRevisionRow>, ApiError> {
    super::access::check("list_target_revisions", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let plan =
                plans::find(conn, &plan_id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
            let target = plans::find_target(conn, &plan_id, &code)?
                .ok_or(ApiError::NotFound { resource: "target" })?;
            let id = target.id.clone();
            with_current(
                conn,
                Resource::Target,
                &id,
                &target,
                target.version,
                (plan.created_at, None),
            )
        })
    })
    .await
}

/// The kept revisions, or the current version alone when none is kept yet (a record
/// never changed), so the list always starts at the record as it is.
fn with_current<T: Serialize>(
    conn: &mut DbConnection,
    resource: Resource,
    record_id: &str,
    current: &T,
    version: i64,
    created: (NaiveDateTime, Option<&str>),
) -> Result<Vec<RecordRevisionRow>, ApiError> {
    let kept = revisions::list(conn, resource.as_str(), record_id)?;
    if !kept.is_empty() {
        return Ok(kept);
    }
    Ok(vec![RecordRevisionRow {
        resource: resource.as_str().to_owned(),
        record_id: record_id.to_owned(),
        version,
        changed_at: created.0,
        changed_by: created.1.map(str::to_owned),
        action: "created".to_owned(),
        change_reason: None,
        snapshot: serde_json::to_string(current).map_err(anyhow::Error::from)?,
    }])
}
