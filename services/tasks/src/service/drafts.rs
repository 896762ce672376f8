//! Prefilled drafts of plan reports: the agency's tasks, its report so far if it
//! has one, and the live figures that concern it (`domain::draft`), fetched from the
//! other services over HTTP with the caller's token like the KPIs are. A source
//! that cannot be had is listed with the reason; the draft still comes.

use std::time::Duration;

use serde_json::{Map, Value};
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::Db;
use shared::error::{ApiError, Text};
use shared::period::Period;
use tokio::time::Instant;

use crate::db::data_sets::{self, DataSet};
use crate::db::models::{AgencyRow, AssignmentRow, PlanReportRow, TaskRow};
use crate::db::{agencies, plan_reports, plans};
use crate::domain::data_set::{self, DraftValue};
use crate::domain::draft::{self, FigureSource, Upstream};
use crate::domain::schedule;
use crate::service::compliance;
use crate::service::plan_reports::{Attachment, TaskNarrative};
use shared::http_client::{Unavailable, UnavailableReason, get_json, unavailable};

/// Where one source of figures stands in a draft.
pub struct SourceOutcome {
    pub source: &'static FigureSource,
    pub figures: Result<Map<String, Value>, Unavailable>,
    /// The answer had more items than were read.
    pub truncated: bool,
}

pub struct Draft {
    pub plan_id: String,
    pub agency: AgencyRow,
    pub period: Period,
    pub due_on: chrono::NaiveDate,
    /// The agency's tasks in the plan, with its role in each.
    pub tasks: Vec<(TaskRow, AssignmentRow)>,
    /// Its report for the period so far, if any.
    pub existing: Option<PlanReportRow>,
    /// The plan's data set of activity indicators, if it has one.
    pub data_set: Option<DataSet>,
    pub sources: Vec<SourceOutcome>,
}

/// What a draft proposes to file.
pub struct Prefill {
    /// Every task of the agency, with the text already filed for it or an empty one.
    pub narrative: Vec<TaskNarrative>,
    /// The figures already filed, then `tasks_assigned` and each available source's.
    pub figures: Map<String, Value>,
    /// The attachments already filed.
    pub attachments: Vec<Attachment>,
    /// The indicator values it is to report, with those already filed.
    pub values: Vec<DraftValue>,
}

fn stored<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    Ok(serde_json::from_str(text).map_err(anyhow::Error::from)?)
}

impl Draft {
    /// The report as the agency would file it now: what it filed so far, brought up to
    /// date with its tasks and the live figures.
    pub fn prefill(&self) -> Result<Prefill, ApiError> {
        let (old_narrative, mut figures, attachments) = match &self.existing {
            Some(r) => (
                stored::<Vec<TaskNarrative>>(&r.narrative)?,
                stored::<Map<String, Value>>(&r.figures)?,
                stored::<Vec<Attachment>>(&r.attachments)?,
            ),
            None => Default::default(),
        };
        let narrative = self
            .tasks
            .iter()
            .map(|(t, _)| {
                old_narrative
                    .iter()
                    .find(|n| n.task_id == t.id)
                    .cloned()
                    .unwrap_or_else(|| TaskNarrative {
                        task_id: t.id.clone(),
                        text: String::new(),
                        progress: Default::default(),
                    })
            })
            .collect();
        let values = match &self.data_set {
            Some(data_set) => {
                let filed = match &self.existing {
                    Some(r) => {
                        data_set::parse_values(&r.indicator_values).map_err(anyhow::Error::from)?
                    }
                    None => Vec::new(),
                };
                let items: Vec<i32> = self.tasks.iter().filter_map(|(t, _)| t.item).collect();
                data_set::draft_values(data_set, &self.agency.code, &items, self.period, &filed)?
            }
            None => Vec::new(),
        };
        figures.insert("tasks_assigned".into(), self.tasks.len().into());
        for s in &self.sources {
            if let Ok(found) = &s.figures {
                figures.insert(s.source.key.into(), found.clone().into());
            }
        }
        Ok(Prefill {
            narrative,
            figures,
            attachments,
            values,
        })
    }
}

fn parameter_error(name: &str, code: &'static str, vi: &'static str, en: &'static str) -> ApiError {
    ApiError::bad_parameter(name, code, Text::new(vi, en))
}

/// The agency a caller may draft for: an agency only for itself; Sở Nội vụ and
/// admin for any (as when filing on its behalf).
fn drafting_agency(user: &AuthUser, asked: String) -> Result<String, ApiError> {
    match super::agency_scope("get_plan_report_draft", user)? {
        None => Ok(asked),
        Some(own) if own == asked => Ok(asked),
        Some(_) => Err(ApiError::Forbidden),
    }
}

async fn fetch(
    client: &reqwest::Client,
    upstreams: &Upstreams,
    source: &'static FigureSource,
    period: Period,
    commune: Option<&str>,
    bearer: Option<&str>,
    deadline: Instant,
) -> SourceOutcome {
    let outcome = |figures, truncated| SourceOutcome {
        source,
        figures,
        truncated,
    };
    if !draft::applies_to(source, period) {
        return outcome(
            Err(unavailable(
                UnavailableReason::NotApplicable,
                "yearly figures only: ask for the year",
            )),
            false,
        );
    }
    let base = match source.upstream {
        Upstream::Incidents => upstreams.incidents.as_deref(),
        Upstream::HealthStats => upstreams.health_stats.as_deref(),
    };
    let Some(base) = base else {
        return outcome(
            Err(unavailable(
                UnavailableReason::NotConfigured,
                "no upstream URL configured",
            )),
            false,
        );
    };
    let url = draft::url(base, source, period, commune);
    match get_json(client, &url, bearer, deadline).await {
        Ok(body) => outcome(
            draft::extract(source, &body)
                .map_err(|e| unavailable(UnavailableReason::UnexpectedResponse, e)),
            draft::is_truncated(source, &body),
        ),
        Err(e) => outcome(Err(e), false),
    }
}

/// A draft of `agency`'s report on plan `plan_id` (the plan when `None`) for `period`.
#[allow(clippy::too_many_arguments)]
pub async fn draft(
    db: &Db,
    user: &AuthUser,
    client: &reqwest::Client,
    upstreams: &Upstreams,
    bearer: Option<String>,
    plan_id: Option<String>,
    agency: String,
    period: Period,
) -> Result<Draft, ApiError> {
    let agency = drafting_agency(user, agency)?;
    let Some(due_on) = Some(period)
        .filter(|p| schedule::is_reporting_period(*p))
        .and_then(schedule::due_on)
    else {
        return Err(parameter_error(
            "period",
            "invalid_report_period",
            "Kỳ báo cáo là 6 tháng đầu năm (2025-H1) hoặc cả năm (2025).",
            "The reporting period is the first half (2025-H1) or the year (2025).",
        ));
    };
    let (plan_id, agency, tasks, existing, data_set) = db
        .run(move |conn| {
            shared::db::transaction(conn, |conn| {
                let plan = match &plan_id {
                    Some(id) => plans::find(conn, id)?,
                    None => plans::all(conn)?.into_iter().last(),
                }
                .ok_or(ApiError::NotFound { resource: "plan" })?;
                let Some(row) = agencies::find(conn, &agency)? else {
                    return Err(parameter_error(
                        "agency",
                        "unknown_agency",
                        "Không có cơ quan này.",
                        "No such agency.",
                    ));
                };
                // What it answered for on the due date: a commune committee has no
                // task for 2025-H1 (it came into being on 1 July 2025), a district
                // committee none for 2025.
                let tasks = compliance::tasks_held_on(conn, &plan.id, &agency, due_on)?;
                if tasks.is_empty() {
                    return Err(parameter_error(
                        "agency",
                        "not_assigned",
                        "Cơ quan này không được giao nhiệm vụ nào trong kế hoạch cho kỳ báo cáo này.",
                        "This agency has no task in the plan for this period.",
                    ));
                }
                let existing =
                    plan_reports::find_for(conn, &plan.id, &agency, &period.to_string())?;
                let data_set = data_sets::for_plan(conn, &plan.number)?;
                Ok::<_, ApiError>((plan.id, row, tasks, existing, data_set))
            })
        })
        .await?;

    let deadline = Instant::now() + Duration::from_millis(upstreams.timeout_ms);
    let commune = draft::commune_code_of(&agency.code);
    let bearer = bearer.as_deref();
    let calls = draft::sources_for(&agency.code, &agency.kind)
        .into_iter()
        .map(|s| fetch(client, upstreams, s, period, commune, bearer, deadline));
    let sources = futures_util::future::join_all(calls).await;
    Ok(Draft {
        plan_id,
        agency,
        period,
        due_on,
        tasks,
        existing,
        data_set,
        sources,
    })
}
