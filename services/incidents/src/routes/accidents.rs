//! `/api/v1/accidents`: declarations, their investigation and history.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::{ApiError, FieldError};
use shared::extract::Json;
use shared::extract::Query;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{Page, PageQuery, page_whole};
use shared::period::Period;
use shared::versioning::{self, IfMatch};

use super::accident_dto::{
    AccidentList, AccidentResponse, AccidentRevision, AccidentRevisionList, AccidentSummary,
    CorrectAccidentRequest, InvestigationResponse, ListAccidentsParams, RaiseSeverityRequest,
    TransitionRequest,
};
use crate::db::accidents::Filter;
use crate::domain::declaration::AccidentDeclaration;
use crate::domain::investigation::InvestigationRecord;
use crate::service::accidents::{self as service, AccidentView, Correction, SeverityRaise, Write};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(declare_accident)
        .service(list_accidents)
        .service(get_accident)
        .service(correct_accident)
        .service(change_accident_status)
        .service(raise_casualty_severity)
        .service(get_investigation)
        .service(save_investigation)
        .service(list_accident_revisions);
}

/// The answer to a declaration: 201 with the accident and its receipt, or 200 when an
/// earlier declaration with the same `external_ref` is answered again. Public for the
/// benchmark that runs the use-case in-process.
pub fn render(
    view: &AccidentView,
    warnings: &[FieldError],
    created: bool,
) -> Result<StoredResponse, ApiError> {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(
        StoredResponse::new(status, &AccidentResponse::from_view(view, warnings)?)?
            .with_location(format!("/api/v1/accidents/{}", view.accident.id))
            .with_etag(versioning::etag(view.accident.version)),
    )
}

fn respond(view: &AccidentView) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.accident.version)))
        .json(AccidentResponse::from_view(view, &[])?))
}

/// The answer to a change of an accident.
fn render_accident(view: &AccidentView) -> Result<StoredResponse, ApiError> {
    Ok(
        StoredResponse::new(StatusCode::OK, &AccidentResponse::from_view(view, &[])?)?
            .with_etag(versioning::etag(view.accident.version)),
    )
}

/// Declare an accident
///
/// Khai báo tai nạn lao động. An employer (`enterprise`) declares accidents of its own
/// establishment; a `commune` declares accidents of workers without a labour contract
/// that happened in the commune; `labor_authority` and `admin` declare any. The answer
/// carries the derived severity, the duty to declare at once and to tell the police,
/// the investigation level and its deadline, and warnings that did not stop the write.
#[utoipa::path(
    tag = "accidents",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = AccidentDeclaration,
    responses(
        (status = 201, description = "Declared", body = AccidentResponse,
            headers(("Location" = String, description = "The new record"), ("ETag" = String, description = "Its version"))),
        (status = 200, description = "Dry run, or the declaration already sent with this `external_ref`", body = AccidentResponse),
    )
)]
#[post("/accidents")]
pub async fn declare_accident(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<AccidentDeclaration>,
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

/// List accidents
///
/// Danh sách vụ tai nạn, newest first, without personal data. Each role sees its scope.
#[utoipa::path(
    tag = "accidents",
    params(ListAccidentsParams),
    responses((status = 200, description = "A page of accidents", body = AccidentList))
)]
#[get("/accidents")]
pub async fn list_accidents(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListAccidentsParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = Page::parse(p.limit, p.cursor.as_deref())?.with_total(p.total);
    let vietnam_midnight = shared::time::start_of_day_utc;
    let (mut from, mut before) = (
        p.from.map(vietnam_midnight),
        p.to.map(|d| vietnam_midnight(d + chrono::Duration::days(1))),
    );
    if let Some(text) = &p.period {
        let (start, end) = Period::parse_parameter("period", text)?.utc_bounds();
        from = Some(from.map_or(start, |f| f.max(start)));
        before = Some(before.map_or(end, |b| b.min(end)));
    }
    let filter = Filter {
        occurred_from: from,
        occurred_before: before,
        commune_code: p.commune_code,
        vsic_section: p.vsic_section.map(|s| s.to_uppercase()),
        severity: p.severity.map(|s| s.as_str().to_owned()),
        status: p.status.map(|s| s.as_str().to_owned()),
        sector: p.sector.map(|s| s.as_str().to_owned()),
        establishment_id: p.establishment.map(|e| e.to_string()),
        updated_since: p.updated_since.map(|t| t.naive_utc()),
    };
    let page = service::list(&db, &user, filter, page).await?;
    let items = page
        .items
        .iter()
        .map(AccidentSummary::new)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(AccidentList {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Get an accident
///
/// Một vụ tai nạn với người bị nạn. Reading casualties' personal data is audited.
#[utoipa::path(
    tag = "accidents",
    params(("id" = String, Path, description = "Accident id")),
    responses((status = 200, description = "The accident", body = AccidentResponse,
        headers(("ETag" = String, description = "Version, for If-Match"))))
)]
#[get("/accidents/{id}")]
pub async fn get_accident(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get(&db, &user, id.to_string()).await?;
    respond(&view)
}

/// Correct an accident
///
/// Sửa thông tin vụ tai nạn (not its sector, employer, first notification or casualties).
/// Needs `If-Match` and a `change_reason`; the old version stays under `/revisions`.
#[utoipa::path(
    tag = "accidents",
    params(("id" = String, Path, description = "Accident id"), IfMatch),
    request_body = CorrectAccidentRequest,
    responses((status = 200, description = "Corrected", body = AccidentResponse))
)]
#[put("/accidents/{id}")]
pub async fn correct_accident(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<CorrectAccidentRequest>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let b = body.body;
    let correction = Correction {
        occurred_at: b.occurred_at,
        place: b.place,
        description: b.description,
        injury_factor_code: b.injury_factor_code,
        cause_codes: b.cause_codes,
        commute_accident: b.commute_accident,
        police_notified_at: b.police_notified_at,
        needs_examination: b.needs_examination,
    };
    let write = Write {
        idempotent: None,
        dry_run: false,
        render: render_accident,
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

/// How a POST that changes an accident is written.
fn post_write(
    req: &HttpRequest,
    user: &AuthUser,
    sha256: &str,
    params: &WriteParams,
    render: fn(&AccidentView) -> Result<StoredResponse, ApiError>,
) -> Result<Write, ApiError> {
    Ok(Write {
        idempotent: IdempotentRequest::from_request(req, &user.principal(), sha256)?,
        dry_run: params.dry_run,
        render,
    })
}

/// Change an accident's status
///
/// Chuyển trạng thái: declared → under_investigation → record_announced → closed, one
/// step at a time (409 otherwise); `record_announced` needs the record's announcement date.
/// Only the team of the case's investigation level moves it: an employer its own
/// `employer`-level cases, a commune the `commune`-level cases it declared, Sở Nội vụ
/// and admin every case (403 `investigation_not_yours` otherwise).
#[utoipa::path(
    tag = "accidents",
    params(
        ("id" = String, Path, description = "Accident id"),
        IfMatch,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe."),
        WriteParams,
    ),
    request_body = TransitionRequest,
    responses((status = 200, description = "Moved", body = AccidentResponse))
)]
#[post("/accidents/{id}/status")]
pub async fn change_accident_status(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    params: Query<WriteParams>,
    body: Json<TransitionRequest>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let write = post_write(&req, &user, &body.sha256, &params, render_accident)?;
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

/// Raise a casualty's severity
///
/// Nâng mức độ thương tật (minor → serious → fatal), with the supporting document; the
/// case's severity, investigation level and deadline are recomputed.
#[utoipa::path(
    tag = "accidents",
    params(
        ("id" = String, Path, description = "Accident id"),
        ("casualty_id" = String, Path, description = "Casualty id"),
        IfMatch,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe."),
        WriteParams,
    ),
    request_body = RaiseSeverityRequest,
    responses((status = 200, description = "Raised", body = AccidentResponse))
)]
#[post("/accidents/{id}/casualties/{casualty_id}/severity")]
pub async fn raise_casualty_severity(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
    params: Query<WriteParams>,
    body: Json<RaiseSeverityRequest>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let write = post_write(&req, &user, &body.sha256, &params, render_accident)?;
    let (id, casualty_id) = path.into_inner();
    let b = body.body;
    let raise = SeverityRaise {
        casualty_id: casualty_id.to_string(),
        to: b.severity,
        document_reference: b.document_reference,
    };
    let outcome =
        service::raise_severity(&db, &user, id.to_string(), version, raise, write).await?;
    Ok(outcome.into_response())
}

/// Get the investigation
///
/// Điều tra tai nạn: the team, its findings, and the clock (`overdue` once the deadline
/// passed without an announced record).
#[utoipa::path(
    tag = "accidents",
    params(("id" = String, Path, description = "Accident id")),
    responses((status = 200, description = "The investigation", body = InvestigationResponse))
)]
#[get("/accidents/{id}/investigation")]
pub async fn get_investigation(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::get_investigation(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(view.accident.version)))
        .json(InvestigationResponse::from_view(&view)?))
}

fn render_investigation(view: &AccidentView) -> Result<StoredResponse, ApiError> {
    Ok(
        StoredResponse::new(StatusCode::OK, &InvestigationResponse::from_view(view)?)?
            .with_etag(versioning::etag(view.accident.version)),
    )
}

/// Record the investigation
///
/// Ghi nhận kết quả điều tra. Replaces the whole record; `extension_days` (one
/// extension, serious or fatal cases, at most the base period) moves the deadline.
/// Recorded by the team of the case's investigation level (ND 39/2016): an employer
/// records its own team's record (`team_level: employer`) of its `employer`-level cases
/// only, never a `provincial` case (403 `investigation_not_yours`) nor over a higher
/// team's record (403 `investigation_team_not_yours`); Sở Nội vụ and admin record any.
#[utoipa::path(
    tag = "accidents",
    params(("id" = String, Path, description = "Accident id"), IfMatch),
    request_body = InvestigationRecord,
    responses((status = 200, description = "Saved", body = InvestigationResponse))
)]
#[put("/accidents/{id}/investigation")]
pub async fn save_investigation(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<InvestigationRecord>,
    IfMatch(version): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let write = Write {
        idempotent: None,
        dry_run: false,
        render: render_investigation,
    };
    let outcome =
        service::save_investigation(&db, &user, id.to_string(), version, body.body, write).await?;
    Ok(outcome.into_response())
}

/// Revisions of an accident
///
/// Lịch sử thay đổi, newest first.
#[utoipa::path(
    tag = "accidents",
    params(("id" = String, Path, description = "Accident id"), PageQuery),
    responses((status = 200, description = "All versions", body = AccidentRevisionList))
)]
#[get("/accidents/{id}/revisions")]
pub async fn list_accident_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::revisions(&db, &user, id.to_string()).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(AccidentRevision {
                version: r.version,
                changed_at: r.changed_at.and_utc(),
                changed_by: r.changed_by,
                change_reason: r.change_reason,
                snapshot: serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let page = page_whole(items, &page, |r| r.version.to_string())?;
    Ok(HttpResponse::Ok().json(AccidentRevisionList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}
