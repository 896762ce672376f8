//! `/api/v1/technical-incidents`: serious technical incidents, their investigation
//! and history.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{Page, PageQuery, page_whole};
use shared::period::Period;
use shared::versioning::{self, IfMatch};
use utoipa::{IntoParams, ToSchema};

use crate::db::technical_incidents::{Filter, TechnicalIncidentRow};
use crate::domain::accident::Status;
use crate::domain::declaration::Place;
use crate::domain::technical_incident::{
    INVESTIGATION_DAYS, Kind, TechnicalIncidentDeclaration, TechnicalInvestigation,
};
use crate::service::technical_incidents::{self as service, Correction, IncidentView, Write};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(declare_technical_incident)
        .service(list_technical_incidents)
        .service(get_technical_incident)
        .service(correct_technical_incident)
        .service(change_technical_incident_status)
        .service(save_technical_incident_investigation)
        .service(list_technical_incident_revisions);
}

/// Who investigates and by when.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IncidentClock {
    /// The period in days, counted from `notified_at`.
    pub base_days: i64,
    /// Whether the period was checked against the legal text; it was not (see
    /// docs/technical-incidents.md), so it is configurable.
    pub base_days_verified: bool,
    pub deadline: DateTime<Utc>,
    /// The deadline passed while the investigation was still open.
    pub overdue: bool,
    pub record_announced_on: Option<NaiveDate>,
}

/// A serious technical incident (sự cố kỹ thuật gây mất ATVSLĐ nghiêm trọng).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TechnicalIncidentResponse {
    pub id: String,
    pub kind: Kind,
    pub establishment_id: String,
    pub establishment_tax_code: String,
    pub vsic_section: String,
    pub ownership_type: String,
    pub place: Place,
    pub occurred_at: DateTime<Utc>,
    pub notified_at: DateTime<Utc>,
    pub description: String,
    /// Property damage in VND.
    pub damage_vnd: i64,
    pub anyone_hurt: bool,
    pub accident_ids: Vec<String>,
    pub investigation: IncidentClock,
    /// The investigation record, once recorded.
    pub investigation_record: Option<TechnicalInvestigation>,
    pub status: Status,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Filing receipt of the declaration (biên nhận).
    pub receipt: Option<shared::receipts::Receipt>,
}

fn status_of(i: &TechnicalIncidentRow) -> Result<Status, ApiError> {
    parse_stored("technical_incidents", "status", &i.status, Status::parse)
}

fn kind_of(i: &TechnicalIncidentRow) -> Result<Kind, ApiError> {
    parse_stored("technical_incidents", "kind", &i.kind, Kind::parse)
}

fn clock(i: &TechnicalIncidentRow) -> Result<IncidentClock, ApiError> {
    let status = status_of(i)?;
    let deadline = i.deadline_at.and_utc();
    Ok(IncidentClock {
        base_days: i.investigation_days,
        base_days_verified: INVESTIGATION_DAYS.verified,
        deadline,
        overdue: i.record_announced_on.is_none()
            && crate::domain::accident::is_overdue(status, deadline, Utc::now()),
        record_announced_on: i.record_announced_on,
    })
}

impl TechnicalIncidentResponse {
    fn from_view(view: &IncidentView) -> Result<Self, ApiError> {
        let i = &view.incident;
        Ok(Self {
            id: i.id.clone(),
            kind: kind_of(i)?,
            establishment_id: i.establishment_id.clone(),
            establishment_tax_code: i.establishment_tax_code.clone(),
            vsic_section: i.vsic_section.clone(),
            ownership_type: i.ownership_type.clone(),
            place: Place {
                commune_code: i.commune_code.clone(),
                address: i.place.clone(),
            },
            occurred_at: i.occurred_at.and_utc(),
            notified_at: i.notified_at.and_utc(),
            description: i.description.clone(),
            damage_vnd: i.damage_vnd,
            anyone_hurt: i.anyone_hurt,
            accident_ids: i
                .accident_ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            investigation: clock(i)?,
            investigation_record: i
                .investigation
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(anyhow::Error::from)?,
            status: status_of(i)?,
            version: i.version,
            created_at: i.created_at.and_utc(),
            updated_at: i.updated_at.and_utc(),
            receipt: view.receipt.clone(),
        })
    }
}

/// An incident in a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TechnicalIncidentSummary {
    pub id: String,
    pub kind: Kind,
    pub establishment_tax_code: String,
    pub commune_code: String,
    pub occurred_at: DateTime<Utc>,
    pub damage_vnd: i64,
    pub anyone_hurt: bool,
    pub investigation: IncidentClock,
    pub status: Status,
    pub version: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TechnicalIncidentList {
    pub items: Vec<TechnicalIncidentSummary>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Filters of the incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTechnicalIncidentsParams {
    /// `2025`, `2025-H1` or `2025-H2`: incidents that occurred in that period (Viet Nam time).
    pub period: Option<String>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub commune_code: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "under_investigation", "change_reason": "Thành lập đoàn điều tra"}))]
pub struct TechnicalIncidentTransition {
    pub status: Status,
    pub change_reason: String,
}

/// One version of an incident.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TechnicalIncidentRevision {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub change_reason: String,
    /// The incident's fields at this version.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TechnicalIncidentRevisionList {
    pub items: Vec<TechnicalIncidentRevision>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

fn render(view: &IncidentView, created: bool) -> Result<StoredResponse, ApiError> {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let stored = StoredResponse::new(status, &TechnicalIncidentResponse::from_view(view)?)?
        .with_etag(versioning::etag(view.incident.version));
    Ok(if created {
        stored.with_location(format!("/api/v1/technical-incidents/{}", view.incident.id))
    } else {
        stored
    })
}

/// Declare a serious technical incident
///
/// Khai báo sự cố kỹ thuật gây mất an toàn, vệ sinh lao động nghiêm trọng (Law 84/2015
/// art. 34–36, ND 39/2016), with or without casualties; the people hurt are declared
/// as accidents and linked by `accident_ids`. An `enterprise` declares for its own tax
/// code; `labor_authority` and `admin` for any. The answer carries the investigation
/// deadline (its period is configurable and not verified) and a filing receipt.
#[utoipa::path(
    tag = "technical-incidents",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = TechnicalIncidentDeclaration,
    responses(
        (status = 201, description = "Declared", body = TechnicalIncidentResponse,
            headers(("Location" = String, description = "The new record"), ("ETag" = String, description = "Its version"))),
        (status = 200, description = "Dry run", body = TechnicalIncidentResponse),
    )
)]
#[post("/technical-incidents")]
pub async fn declare_technical_incident(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<TechnicalIncidentDeclaration>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let outcome = service::declare(
        &db,
        &user,
        body.body,
        body.sha256,
        idempotent,
        params.dry_run,
        render,
    )
    .await?;
    Ok(outcome.into_response())
}

/// List serious technical incidents
///
/// Newest first; each role sees its scope (an employer its own, a commune those in it).
#[utoipa::path(
    tag = "technical-incidents",
    params(ListTechnicalIncidentsParams),
    responses((status = 200, description = "A page of incidents", body = TechnicalIncidentList))
)]
#[get("/technical-incidents")]
pub async fn list_technical_incidents(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListTechnicalIncidentsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    let (from, before) = match &p.period {
        Some(text) => {
            let (start, end) = Period::parse_parameter("period", text)?.utc_bounds();
            (Some(start), Some(end))
        }
        None => (None, None),
    };
    let filter = Filter {
        occurred_from: from,
        occurred_before: before,
        kind: p.kind.map(|k| k.as_str().to_owned()),
        status: p.status.map(|s| s.as_str().to_owned()),
        commune_code: p.commune_code,
    };
    let page = service::list(&db, &user, filter, page).await?;
    let items = page
        .items
        .iter()
        .map(|i| {
            Ok(TechnicalIncidentSummary {
                id: i.id.clone(),
                kind: kind_of(i)?,
                establishment_tax_code: i.establishment_tax_code.clone(),
                commune_code: i.commune_code.clone(),
                occurred_at: i.occurred_at.and_utc(),
                damage_vnd: i.damage_vnd,
                anyone_hurt: i.anyone_hurt,
                investigation: clock(i)?,
                status: status_of(i)?,
                version: i.version,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(TechnicalIncidentList {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Get a serious technical incident
#[utoipa::path(
    tag = "technical-incidents",
    params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = TechnicalIncidentResponse,
        headers(("ETag" = String, description = "Version, for If-Match"))))
)]
#[get("/technical-incidents/{id}")]
pub async fn get_technical_incident(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.incident.version)))
        .json(TechnicalIncidentResponse::from_view(&view)?))
}

/// Corrections to an incident's facts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "explosion",
    "occurred_at": "2026-03-02T08:30:00+07:00",
    "place": {"commune_code": "01273", "address": "Trạm khí nén, phân xưởng 2"},
    "description": "Nổ bình khí nén do van an toàn bị kẹt; bổ sung thiệt hại nhà xưởng.",
    "damage_vnd": 420000000,
    "anyone_hurt": false,
    "accident_ids": [],
    "change_reason": "Bổ sung thiệt hại tài sản"
}))]
pub struct CorrectTechnicalIncidentRequest {
    pub kind: Kind,
    pub occurred_at: DateTime<FixedOffset>,
    pub place: Place,
    pub description: String,
    /// Property damage in VND.
    #[serde(default)]
    pub damage_vnd: i64,
    #[serde(default)]
    pub anyone_hurt: bool,
    #[serde(default)]
    pub accident_ids: Vec<uuid::Uuid>,
    /// Why (lý do thay đổi).
    pub change_reason: String,
}

/// Correct an incident
///
/// Sửa thông tin sự cố (not its establishment or first notification). Needs `If-Match`
/// and a `change_reason`; the old version stays under `/revisions`.
#[utoipa::path(
    tag = "technical-incidents",
    params(("id" = String, Path, description = "Incident id"), IfMatch),
    request_body = CorrectTechnicalIncidentRequest,
    responses((status = 200, description = "Corrected", body = TechnicalIncidentResponse))
)]
#[put("/technical-incidents/{id}")]
pub async fn correct_technical_incident(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<CorrectTechnicalIncidentRequest>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let b = body.body;
    let correction = Correction {
        kind: b.kind,
        occurred_at: b.occurred_at,
        place: b.place,
        description: b.description,
        damage_vnd: b.damage_vnd,
        anyone_hurt: b.anyone_hurt,
        accident_ids: b.accident_ids,
    };
    let write = Write {
        idempotent: None,
        dry_run: false,
        render,
    };
    let outcome = service::correct(
        &db,
        &user,
        id.to_string(),
        version,
        correction,
        b.change_reason,
        write,
    )
    .await?;
    Ok(outcome.into_response())
}

/// Change an incident's status
///
/// declared → under_investigation → record_announced → closed, one step at a time (409
/// otherwise); `record_announced` needs the record's announcement date.
#[utoipa::path(
    tag = "technical-incidents",
    params(
        ("id" = String, Path, description = "Incident id"),
        IfMatch,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe."),
        WriteParams,
    ),
    request_body = TechnicalIncidentTransition,
    responses((status = 200, description = "Moved", body = TechnicalIncidentResponse))
)]
#[post("/technical-incidents/{id}/status")]
pub async fn change_technical_incident_status(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    params: Query<WriteParams>,
    body: Json<TechnicalIncidentTransition>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let write = Write {
        idempotent: IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?,
        dry_run: params.dry_run,
        render,
    };
    let b = body.body;
    let outcome = service::transition(
        &db,
        &user,
        id.to_string(),
        version,
        b.status,
        b.change_reason,
        write,
    )
    .await?;
    Ok(outcome.into_response())
}

/// Record the investigation of an incident
///
/// Ghi nhận kết quả điều tra sự cố; replaces the whole record.
#[utoipa::path(
    tag = "technical-incidents",
    params(("id" = String, Path, description = "Incident id"), IfMatch),
    request_body = TechnicalInvestigation,
    responses((status = 200, description = "Saved", body = TechnicalIncidentResponse))
)]
#[put("/technical-incidents/{id}/investigation")]
pub async fn save_technical_incident_investigation(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<TechnicalInvestigation>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let write = Write {
        idempotent: None,
        dry_run: false,
        render,
    };
    let outcome =
        service::save_investigation(&db, &user, id.to_string(), version, body.body, write).await?;
    Ok(outcome.into_response())
}

/// Revisions of an incident
///
/// Lịch sử thay đổi, newest first.
#[utoipa::path(
    tag = "technical-incidents",
    params(("id" = String, Path, description = "Incident id"), PageQuery),
    responses((status = 200, description = "All versions", body = TechnicalIncidentRevisionList))
)]
#[get("/technical-incidents/{id}/revisions")]
pub async fn list_technical_incident_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::revisions(&db, &user, id.to_string()).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(TechnicalIncidentRevision {
                version: r.version,
                changed_at: r.changed_at.and_utc(),
                changed_by: r.changed_by,
                change_reason: r.change_reason,
                snapshot: serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let page = page_whole(items, &page, |r| r.version.to_string())?;
    Ok(HttpResponse::Ok().json(TechnicalIncidentRevisionList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// The incidents' part of `/accident-statistics` (sự cố kỹ thuật nghiêm trọng).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TechnicalIncidentFigures {
    /// Incidents that occurred in the period.
    pub declared: i64,
    pub with_casualties: i64,
    pub without_casualties: i64,
    /// Property damage, VND.
    pub damage_vnd: i64,
    /// Investigations whose record was announced.
    pub investigated: i64,
    pub by_kind: Vec<KindCount>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = TechnicalIncidentKindCount)]
pub struct KindCount {
    pub kind: Kind,
    /// The kind in Vietnamese, and in English: both, as in the statistics rows.
    pub label: String,
    pub label_en: String,
    pub count: i64,
}

/// The incidents' figures for the statistics answer.
pub async fn statistics_figures(
    db: &Db,
    period: Period,
    as_of: Option<NaiveDate>,
) -> Result<TechnicalIncidentFigures, ApiError> {
    let f = service::figures(db, period, as_of).await?;
    Ok(TechnicalIncidentFigures {
        declared: f.declared,
        with_casualties: f.with_casualties,
        without_casualties: f.without_casualties,
        damage_vnd: f.damage_vnd,
        investigated: f.investigated,
        by_kind: crate::domain::technical_incident::KINDS
            .iter()
            .map(|(k, vi, en)| KindCount {
                kind: *k,
                label: (*vi).to_owned(),
                label_en: (*en).to_owned(),
                count: f.by_kind.get(k.as_str()).copied().unwrap_or_default(),
            })
            .collect(),
    })
}
