//! Agencies, plans, their targets and tasks: reads for every role that follows the
//! plan, writes for Sở Nội vụ (labor_authority) and admin.

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::{ApiError, FieldError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use uuid::Uuid;

use crate::db::models::{
    AgencyRow, AgencySuccessorRow, AssignmentRow, PlanRow, TargetRow, TaskRow,
};
use crate::db::{agencies, plans};
use crate::domain::seed::{AgencyKind, AssignmentRole, Recurrence};

fn field(pointer: &str, code: &'static str, vi: &str, en: &str) -> FieldError {
    FieldError::body(pointer, code, Text::new(vi.to_owned(), en.to_owned()))
}

/// The rules an agency's own fields keep, on registration and on update.
pub(crate) fn agency_rules(
    name: &str,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if name.trim().is_empty() {
        errors.push(field(
            "/name",
            "required",
            "Cần nhập tên cơ quan.",
            "The name is required.",
        ));
    }
    if valid_to.is_some_and(|to| to < valid_from) {
        errors.push(field(
            "/valid_to",
            "ends_before_start",
            "Ngày kết thúc trước ngày bắt đầu.",
            "valid_to is before valid_from.",
        ));
    }
    errors
}

/// The rules a task's own fields keep, on creation and on update. A new task has a
/// due date or a recurrence; most of the plan's own tasks are standing ones with
/// neither (`ongoing_allowed` when changing a task, so those stay editable).
pub(crate) fn task_rules(
    text: &str,
    due_on: Option<NaiveDate>,
    recurrence: Option<Recurrence>,
    ongoing_allowed: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if text.trim().is_empty() {
        errors.push(field(
            "/text",
            "required",
            "Cần nêu nội dung nhiệm vụ.",
            "The task text is required.",
        ));
    }
    let ongoing = due_on.is_none() && recurrence.is_none();
    if (due_on.is_some() && recurrence.is_some()) || (ongoing && !ongoing_allowed) {
        errors.push(field(
            "/due_on",
            "due_on_or_recurrence",
            "Nhiệm vụ có hạn hoàn thành (due_on) hoặc lặp lại định kỳ (recurrence), không cả hai.",
            "A task has either a due date or a recurrence, not both.",
        ));
    }
    errors
}

/// An agency with the agencies that take over its tasks when it closes.
pub struct AgencyView {
    pub agency: AgencyRow,
    /// The recorded successors (`agency_successors`), else its `successor_code`.
    pub successors: Vec<String>,
}

impl AgencyView {
    pub fn new(agency: AgencyRow, recorded: &[AgencySuccessorRow]) -> Self {
        let listed: Vec<String> = recorded
            .iter()
            .filter(|r| r.agency_code == agency.code)
            .map(|r| r.successor_code.clone())
            .collect();
        let successors = if listed.is_empty() {
            agency.successor_code.iter().cloned().collect()
        } else {
            listed
        };
        Self { agency, successors }
    }
}

pub async fn list_agencies(
    db: &Db,
    user: &AuthUser,
    kind: Option<AgencyKind>,
) -> Result<Vec<AgencyView>, ApiError> {
    super::access::check("list_agencies", user)?;
    let (rows, recorded) = db
        .run(|conn| {
            shared::db::transaction(conn, |conn| {
                Ok::<_, ApiError>((agencies::all(conn)?, agencies::successors(conn)?))
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .filter(|a| kind.is_none_or(|k| a.kind == k.as_str()))
        .map(|a| AgencyView::new(a, &recorded))
        .collect())
}

pub async fn get_agency(db: &Db, user: &AuthUser, code: String) -> Result<AgencyView, ApiError> {
    super::access::check("get_agency", user)?;
    let (row, recorded) = db
        .run(move |conn| {
            shared::db::transaction(conn, |conn| {
                Ok::<_, ApiError>((agencies::find(conn, &code)?, agencies::successors(conn)?))
            })
        })
        .await?;
    let row = row.ok_or(ApiError::NotFound { resource: "agency" })?;
    Ok(AgencyView::new(row, &recorded))
}

pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub kind: AgencyKind,
    pub reports: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
}

pub type RenderAgency = fn(&AgencyView) -> Result<StoredResponse, ApiError>;

pub async fn create_agency(
    db: &Db,
    user: &AuthUser,
    new: NewAgency,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: RenderAgency,
) -> Result<Outcome, ApiError> {
    super::access::check("create_agency", user)?;
    let mut errors = Vec::new();
    let code_ok = !new.code.is_empty()
        && new.code.len() <= 32
        && new
            .code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if !code_ok {
        errors.push(field(
            "/code",
            "invalid_agency_code",
            "Mã cơ quan gồm 1–32 chữ in hoa không dấu, chữ số hoặc dấu gạch ngang.",
            "An agency code is 1–32 capital ASCII letters, digits or hyphens.",
        ));
    }
    errors.extend(agency_rules(&new.name, new.valid_from, new.valid_to));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            if agencies::find(conn, &new.code)?.is_some() {
                return Err(ApiError::Conflict {
                    code: "agency_exists",
                    detail: Text::new("Mã cơ quan này đã có.", "This agency code exists."),
                });
            }
            if let Some(s) = &new.successor_code
                && agencies::find(conn, s)?.is_none()
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
            let row = AgencyRow {
                code: new.code.clone(),
                name: new.name.trim().to_owned(),
                kind: new.kind.as_str().to_owned(),
                reports: new.reports,
                valid_from: new.valid_from,
                valid_to: new.valid_to,
                successor_code: new.successor_code.clone(),
                created_at: shared::db::now(),
                version: 1,
            };
            agencies::insert(conn, &row)?;
            // A commune committee registered now reports the indicators the data
            // set asks of every commune committee.
            super::data_sets::assign_agencies_664(conn)?;
            render(&AgencyView::new(row, &[]))
        })
    })
    .await
}

/// A plan with what belongs to it.
pub struct PlanView {
    pub plan: PlanRow,
    pub targets: Vec<TargetRow>,
    pub task_count: usize,
    pub deadlines: Vec<(String, NaiveDate)>,
}

pub async fn list_plans(db: &Db, user: &AuthUser) -> Result<Vec<PlanView>, ApiError> {
    super::access::check("list_plans", user)?;
    db.run(|conn| {
        shared::db::transaction(conn, |conn| {
            let mut out = Vec::new();
            for plan in plans::all(conn)? {
                out.push(view(conn, plan)?);
            }
            Ok::<_, ApiError>(out)
        })
    })
    .await
}

pub(crate) fn view(
    conn: &mut shared::db::DbConnection,
    plan: PlanRow,
) -> Result<PlanView, ApiError> {
    Ok(PlanView {
        targets: plans::targets(conn, &plan.id)?,
        task_count: plans::tasks(conn, Some(&plan.id), None)?.len(),
        deadlines: plans::deadlines(conn, &plan.id)?,
        plan,
    })
}

/// One plan (its targets too: `list_plan_targets` has the same grants as `get_plan`).
pub async fn get_plan(db: &Db, user: &AuthUser, id: String) -> Result<PlanView, ApiError> {
    super::access::check("get_plan", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let plan = plans::find(conn, &id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
            view(conn, plan)
        })
    })
    .await
}

/// A task with its assignments.
pub struct TaskView {
    pub task: TaskRow,
    pub assignments: Vec<AssignmentRow>,
}

pub(crate) fn with_assignments(
    conn: &mut shared::db::DbConnection,
    tasks: Vec<TaskRow>,
) -> Result<Vec<TaskView>, ApiError> {
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let all = plans::assignments_of(conn, &ids)?;
    Ok(tasks
        .into_iter()
        .map(|task| TaskView {
            assignments: all
                .iter()
                .filter(|a| a.task_id == task.id)
                .cloned()
                .collect(),
            task,
        })
        .collect())
}

/// Tasks of a plan (or all); an agency sees only the tasks assigned to it.
pub async fn list_tasks(
    db: &Db,
    user: &AuthUser,
    plan_id: Option<String>,
    agency: Option<String>,
) -> Result<Vec<TaskView>, ApiError> {
    let scope = super::agency_scope("list_tasks", user)?;
    if scope.is_some() && agency.is_some() && agency != scope {
        return Ok(Vec::new());
    }
    let agency = scope.or(agency);
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let tasks = plans::tasks(conn, plan_id.as_deref(), agency.as_deref())?;
            with_assignments(conn, tasks)
        })
    })
    .await
}

pub async fn get_task(db: &Db, user: &AuthUser, id: String) -> Result<TaskView, ApiError> {
    let scope = super::agency_scope("get_task", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let task =
                plans::find_task(conn, &id)?.ok_or(ApiError::NotFound { resource: "task" })?;
            let view = with_assignments(conn, vec![task])?
                .pop()
                .ok_or(ApiError::NotFound { resource: "task" })?;
            // Another agency's task is not found, not forbidden.
            if let Some(own) = &scope
                && !view.assignments.iter().any(|a| &a.agency_code == own)
            {
                return Err(ApiError::NotFound { resource: "task" });
            }
            Ok(view)
        })
    })
    .await
}

pub struct NewTask {
    pub plan_id: String,
    pub item: Option<i32>,
    pub section: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<Recurrence>,
    pub assignments: Vec<(String, AssignmentRole)>,
}

pub type RenderTask = fn(&TaskView) -> Result<StoredResponse, ApiError>;

pub async fn create_task(
    db: &Db,
    user: &AuthUser,
    new: NewTask,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: RenderTask,
) -> Result<Outcome, ApiError> {
    super::access::check("create_task", user)?;
    let mut errors = Vec::new();
    errors.extend(task_rules(&new.text, new.due_on, new.recurrence, false));
    if new.assignments.is_empty() {
        errors.push(field(
            "/assignments",
            "assignment_required",
            "Nhiệm vụ phải giao cho ít nhất một cơ quan.",
            "A task is assigned to at least one agency.",
        ));
    }
    for (i, (code, _)) in new.assignments.iter().enumerate() {
        if new.assignments.iter().take(i).any(|(c, _)| c == code) {
            errors.push(field(
                &format!("/assignments/{i}/agency"),
                "duplicate_assignment",
                "Cơ quan này đã được giao nhiệm vụ.",
                "This agency is already assigned.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let principal = user.principal();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            if plans::find(conn, &new.plan_id)?.is_none() {
                return Err(ApiError::field(
                    "/plan_id",
                    "unknown_plan",
                    Text::new("Không có kế hoạch này.", "No such plan."),
                ));
            }
            let mut unknown = Vec::new();
            for (i, (code, _)) in new.assignments.iter().enumerate() {
                if agencies::find(conn, code)?.is_none() {
                    unknown.push(field(
                        &format!("/assignments/{i}/agency"),
                        "unknown_agency",
                        "Không có cơ quan này.",
                        "No such agency.",
                    ));
                }
            }
            if !unknown.is_empty() {
                return Err(ApiError::validation(unknown));
            }
            let id = Uuid::now_v7().to_string();
            let task = TaskRow {
                id: id.clone(),
                plan_id: new.plan_id.clone(),
                item: new.item,
                section: new.section.trim().to_owned(),
                text: new.text.trim().to_owned(),
                due_on: new.due_on,
                recurrence: new.recurrence.map(|r| r.as_str().to_owned()),
                position: plans::next_position(conn, &new.plan_id)?,
                created_by: principal.clone(),
                created_at: shared::db::now(),
                source_ref: None,
                overdue_since: None,
                version: 1,
            };
            let assignments: Vec<AssignmentRow> = new
                .assignments
                .iter()
                .map(|(code, role)| AssignmentRow {
                    task_id: id.clone(),
                    agency_code: code.clone(),
                    role: role.as_str().to_owned(),
                    valid_from: None,
                    valid_to: None,
                })
                .collect();
            plans::insert_task(conn, &task, &assignments)?;
            // A task given to an agency that has closed goes on to its successors
            // at once, as the seeded ones did.
            if crate::service::seed::pass_on_closed_agencies(conn)? > 0 {
                let assignments = plans::assignments_of(conn, std::slice::from_ref(&task.id))?;
                return render(&TaskView { task, assignments });
            }
            render(&TaskView { task, assignments })
        })
    })
    .await
}
