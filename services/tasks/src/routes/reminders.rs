//! `/api/v1/reminders`: the reminders the job has recorded.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Query;
use shared::pagination::Page;
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::domain::schedule::ReminderKind;
use crate::service::reminders as service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_reminders);
}

/// A reminder to an agency about a report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReminderResponse {
    pub id: String,
    pub plan_id: String,
    pub agency: String,
    pub period: String,
    pub kind: ReminderKind,
    pub due_on: NaiveDate,
    pub remind_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReminderList {
    pub items: Vec<ReminderResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRemindersParams {
    pub period: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// List reminders
///
/// Reminders recorded 7 days and 1 day before each due date, and the day after for
/// a missing report. An agency sees its own.
#[utoipa::path(
    tag = "reminders",
    params(ListRemindersParams),
    responses((status = 200, description = "A page of reminders, newest first", body = ReminderList))
)]
#[get("/reminders")]
pub async fn list_reminders(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListRemindersParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    if let Some(text) = &p.period {
        Period::parse_parameter("period", text)?;
    }
    let (rows, next_cursor, total) = service::list(&db, &user, p.period, page)
        .await?
        .into_parts();
    Ok(HttpResponse::Ok().json(ReminderList {
        items: rows
            .into_iter()
            .map(|r| {
                Ok(ReminderResponse {
                    kind: parse_stored("reminders", "kind", &r.kind, ReminderKind::parse)?,
                    id: r.id,
                    plan_id: r.plan_id,
                    agency: r.agency_code,
                    period: r.period,
                    due_on: r.due_on,
                    remind_on: r.remind_on,
                    created_at: r.created_at.and_utc(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        next_cursor,
        total,
    }))
}
