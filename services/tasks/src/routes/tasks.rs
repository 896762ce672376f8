//! `/api/v1/tasks`: the plan's tasks and who is assigned to each.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::versioning::{self, IfMatch};
use utoipa::{IntoParams, ToSchema};

use super::revisions::{self, RecordRevisionList};
use shared::pagination::PageQuery;

use crate::domain::seed::{AssignmentRole, Recurrence};
use crate::service::editing::{self, TaskChange};
use crate::service::plans::{self as service, TaskView};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_tasks)
        .service(create_task)
        .service(get_task)
        .service(update_task)
        .service(list_task_revisions);
}

/// An agency's part in a task.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    #[schema(example = "SYT")]
    pub agency: String,
    pub role: AssignmentRole,
}

/// An agency's part in a task, with the days it answers for it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskAssignment {
    #[schema(example = "UBND-XA-01273")]
    pub agency: String,
    pub role: AssignmentRole,
    /// First day the agency answers for the task when it took it over from a
    /// closed agency (the commune committees: `2025-07-01`, from the district
    /// committees); `null`: for as long as the agency exists.
    pub valid_from: Option<NaiveDate>,
    /// Last day it answers for the task; `null`: for as long as the agency exists
    /// (an agency's own `valid_to` ends its assignments too).
    pub valid_to: Option<NaiveDate>,
}

/// A task (nhiệm vụ).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskResponse {
    pub id: String,
    pub plan_id: String,
    /// The plan's numbered assignee item (1–20), if any.
    pub item: Option<i32>,
    /// Section of the plan, e.g. `IV.3`.
    pub section: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<Recurrence>,
    pub assignments: Vec<TaskAssignment>,
    /// The record of another service that this task follows up, for tasks opened by
    /// an event: `incidents:accident:<accident id>` for an accident investigation.
    pub source_ref: Option<String>,
    /// When the source service announced the record late (quá hạn), e.g. an
    /// investigation whose statutory deadline passed without an announced record.
    pub overdue_since: Option<DateTime<Utc>>,
    /// The record's version (its `ETag`), sent back in `If-Match` to change it.
    pub version: i64,
}

impl TryFrom<&TaskView> for TaskResponse {
    type Error = ApiError;

    fn try_from(v: &TaskView) -> Result<Self, ApiError> {
        let t = &v.task;
        Ok(Self {
            id: t.id.clone(),
            plan_id: t.plan_id.clone(),
            item: t.item,
            section: t.section.clone(),
            text: t.text.clone(),
            due_on: t.due_on,
            recurrence: t
                .recurrence
                .as_deref()
                .map(|r| parse_stored("tasks", "recurrence", r, Recurrence::parse))
                .transpose()?,
            assignments: v
                .assignments
                .iter()
                .map(|a| {
                    Ok(TaskAssignment {
                        agency: a.agency_code.clone(),
                        role: parse_stored("assignments", "role", &a.role, AssignmentRole::parse)?,
                        valid_from: a.valid_from,
                        valid_to: a.valid_to,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            source_ref: t.source_ref.clone(),
            overdue_since: t.overdue_since.map(|at| at.and_utc()),
            version: t.version,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<TaskResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTasksParams {
    pub plan_id: Option<uuid::Uuid>,
    /// Only tasks assigned to this agency (an agency always sees only its own).
    pub agency: Option<String>,
    /// Tasks a page (1–500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "plan_id": "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b",
    "section": "IV.3",
    "text": "Tập huấn an toàn, vệ sinh lao động cho người lao động làm việc không theo hợp đồng lao động ở các xã",
    "due_on": "2026-10-31",
    "assignments": [{"agency": "SNV", "role": "lead"}]
}))]
pub struct CreateTaskRequest {
    pub plan_id: String,
    pub item: Option<i32>,
    #[schema(example = "IV.3")]
    pub section: String,
    pub text: String,
    /// Either a due date...
    pub due_on: Option<NaiveDate>,
    /// ...or a recurrence.
    pub recurrence: Option<Recurrence>,
    pub assignments: Vec<Assignment>,
}

/// A task as it should now be: its wording, section, item and due date or recurrence
/// (its plan and assignments stay), and why it changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "item": 1,
    "section": "IV.1",
    "text": "Xây dựng Kế hoạch và tổ chức triển khai thực hiện công tác ATVSLĐ tại cơ quan, đơn vị.",
    "change_reason": "Rút gọn nội dung theo văn bản điều chỉnh kế hoạch"
}))]
pub struct UpdateTaskRequest {
    pub item: Option<i32>,
    pub section: String,
    pub text: String,
    /// A due date, or a recurrence, or neither for a standing task (as most of the
    /// plan's own tasks are); not both.
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<Recurrence>,
    /// Why (lý do thay đổi); required: without it the answer is 422
    /// `change_reason_required` at `/change_reason`.
    #[serde(default)]
    #[schema(example = "Điều chỉnh theo văn bản sửa đổi kế hoạch")]
    pub change_reason: String,
}

fn render(view: &TaskView) -> Result<StoredResponse, ApiError> {
    Ok(
        StoredResponse::new(StatusCode::CREATED, &TaskResponse::try_from(view)?)?
            .with_location(format!("/api/v1/tasks/{}", view.task.id)),
    )
}

/// List tasks
///
/// Danh sách nhiệm vụ in plan order, optionally of one plan or one agency, each with the
/// agencies assigned (lead, coordinating or requested) and its due date or recurrence. An agency sees
/// only the tasks assigned to it.
#[utoipa::path(
    tag = "tasks",
    params(ListTasksParams),
    responses((status = 200, description = "Tasks in plan order", body = TaskList))
)]
#[get("/tasks")]
pub async fn list_tasks(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListTasksParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let views = service::list_tasks(&db, &user, p.plan_id.map(|i| i.to_string()), p.agency).await?;
    let total = shared::pagination::total_of(p.total, &views);
    let (views, next_cursor) =
        shared::pagination::page_read_whole(views, p.limit, p.cursor.as_deref(), |v| {
            v.task.id.as_str()
        })?;
    Ok(HttpResponse::Ok().json(TaskList {
        items: views
            .iter()
            .map(TaskResponse::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor,
        total,
    }))
}

/// Get a task
///
/// Một nhiệm vụ with its assignments, its due date or recurrence and, for a task opened
/// by an event, the record it follows up and since when that is overdue. An agency sees
/// only tasks assigned to it; another's answers 404, as if absent.
#[utoipa::path(
    tag = "tasks",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = TaskResponse))
)]
#[get("/tasks/{id}")]
pub async fn get_task(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get_task(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.task.version)))
        .json(TaskResponse::try_from(&view)?))
}

/// Add a task to a plan
///
/// Sở Nội vụ (labor_authority) or admin. A task has a due date or a recurrence.
#[utoipa::path(
    tag = "tasks",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreateTaskRequest,
    responses((status = 201, description = "Created", body = TaskResponse))
)]
#[post("/tasks")]
pub async fn create_task(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<CreateTaskRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let b = body.body;
    let new = service::NewTask {
        plan_id: b.plan_id,
        item: b.item,
        section: b.section,
        text: b.text,
        due_on: b.due_on,
        recurrence: b.recurrence,
        assignments: b
            .assignments
            .into_iter()
            .map(|a| (a.agency, a.role))
            .collect(),
    };
    let outcome = service::create_task(&db, &user, new, idempotent, params.dry_run, render).await?;
    Ok(outcome.into_response())
}

/// Update a task
///
/// Cập nhật nhiệm vụ: Sở Nội vụ (labor_authority) or admin. Send the `ETag` you read in
/// `If-Match` (412 when it is no longer current, 428 without it) and say why in
/// `change_reason` (422 `change_reason_required` at `/change_reason`). The earlier
/// version stays readable under `/revisions`; assignments are not changed here.
#[utoipa::path(
    tag = "tasks",
    params(("id" = String, Path, description = "Task id"), IfMatch),
    request_body = UpdateTaskRequest,
    responses((status = 200, description = "Updated", body = TaskResponse,
        headers(("ETag" = String, description = "The new version"))))
)]
#[put("/tasks/{id}")]
pub async fn update_task(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<UpdateTaskRequest>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let b = body.body;
    let change = TaskChange {
        item: b.item,
        section: b.section,
        text: b.text,
        due_on: b.due_on,
        recurrence: b.recurrence,
        change_reason: b.change_reason,
    };
    let view = editing::update_task(&db, &user, id.to_string(), expected, change).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.task.version)))
        .json(TaskResponse::try_from(&view)?))
}

/// Versions of a task
///
/// Lịch sử thay đổi: every version, newest first, with who changed it, when and why,
/// and the task as it was. An agency reads only the tasks assigned to it.
#[utoipa::path(
    tag = "tasks",
    params(("id" = String, Path, description = "Task id"), PageQuery),
    responses((status = 200, description = "A page of versions, newest first", body = RecordRevisionList))
)]
#[get("/tasks/{id}/revisions")]
pub async fn list_task_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    params: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = editing::task_revisions(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok().json(revisions::page(rows, &params)?))
}
