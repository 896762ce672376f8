//! `/api/v1/establishments`: the establishments registry.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::ApiError;
use shared::extract::Json;
use shared::extract::Query;
use shared::idempotency::{IdempotentRequest, StoredResponse, WriteParams};
use shared::pagination::{Page, PageQuery, page_whole};
use shared::versioning::{self, IfMatch};

use super::dto::{
    CreateEstablishmentRequest, EstablishmentList, EstablishmentResponse, EstablishmentRevision,
    EstablishmentRevisionList, ListEstablishmentsParams, UpdateEstablishmentRequest,
};
use crate::db::establishments::Filter;
use crate::db::models::EstablishmentRow;
use crate::service::establishments::{self as service, Registration};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_establishment)
        .service(list_establishments)
        .service(get_establishment)
        .service(update_establishment)
        .service(list_establishment_revisions);
}

fn render(row: &EstablishmentRow, created: bool) -> Result<StoredResponse, ApiError> {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(
        StoredResponse::new(status, &EstablishmentResponse::from(row))?
            .with_location(format!("/api/v1/establishments/{}", row.id))
            .with_etag(versioning::etag(row.version)),
    )
}

/// Register an establishment
///
/// Đăng ký cơ sở sản xuất, kinh doanh. `admin` and `labor_authority` register any
/// establishment; an `enterprise` only its own tax code. Send `Idempotency-Key` to make
/// retries safe, and `external_ref` to find a record you already sent (200).
#[utoipa::path(
    tag = "establishments",
    params(WriteParams, ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body replay the first answer for 24 hours.")),
    request_body = CreateEstablishmentRequest,
    responses(
        (status = 201, description = "Registered", body = EstablishmentResponse,
            headers(("Location" = String, description = "The new record"), ("ETag" = String, description = "Its version"))),
        (status = 200, description = "Dry run, or the record already sent with this `external_ref`", body = EstablishmentResponse),
    )
)]
#[post("/establishments")]
pub async fn create_establishment(
    req: HttpRequest,
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<WriteParams>,
    body: Json<CreateEstablishmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let idempotent = IdempotentRequest::from_request(&req, &user.principal(), &body.sha256)?;
    let request = body.body;
    let registration = Registration {
        input: request.input(),
        tax_code: request.tax_code,
        external_ref: request.external_ref,
    };
    let outcome =
        service::register(&db, &user, registration, idempotent, params.dry_run, render).await?;
    Ok(outcome.into_response())
}

/// List establishments
///
/// Danh sách cơ sở, newest first. Each role sees its scope: an `enterprise` its own
/// record, a `commune` those in its commune.
#[utoipa::path(
    tag = "establishments",
    params(ListEstablishmentsParams),
    responses((status = 200, description = "A page of establishments", body = EstablishmentList))
)]
#[get("/establishments")]
pub async fn list_establishments(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListEstablishmentsParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let page = Page::parse(params.limit, params.cursor.as_deref())?.with_total(params.total);
    let filter = Filter {
        commune_code: params.commune_code,
        vsic_section: params.vsic_section.map(|s| s.to_uppercase()),
        ownership_type: params.ownership_type,
        updated_since: params.updated_since.map(|t| t.naive_utc()),
    };
    let page = service::list(&db, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(EstablishmentList {
        items: page.items.iter().map(EstablishmentResponse::from).collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

/// Get an establishment
///
/// Thông tin một cơ sở. Another organisation's record is 404, as if it did not exist.
#[utoipa::path(
    tag = "establishments",
    params(("id" = String, Path, description = "Establishment id")),
    responses((status = 200, description = "The establishment", body = EstablishmentResponse,
        headers(("ETag" = String, description = "Version, for If-Match"))))
)]
#[get("/establishments/{id}")]
pub async fn get_establishment(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = service::get(&db, &user, id.to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(row.version)))
        .json(EstablishmentResponse::from(&row)))
}

/// Update an establishment
///
/// Cập nhật thông tin cơ sở. Send the `ETag` you read in `If-Match` and say why in
/// `change_reason`; the previous version stays readable under `/revisions`.
#[utoipa::path(
    tag = "establishments",
    params(
        ("id" = String, Path, description = "Establishment id"),
        IfMatch,
    ),
    request_body = UpdateEstablishmentRequest,
    responses((status = 200, description = "Updated", body = EstablishmentResponse,
        headers(("ETag" = String, description = "The new version"))))
)]
#[put("/establishments/{id}")]
pub async fn update_establishment(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    body: Json<UpdateEstablishmentRequest>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let request = body.body;
    let row = service::update(
        &db,
        &user,
        id.to_string(),
        expected,
        request.input(),
        request.change_reason,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, versioning::etag(row.version)))
        .json(EstablishmentResponse::from(&row)))
}

/// Revisions of an establishment
///
/// Lịch sử thay đổi: every version, newest first, with who changed it and why.
#[utoipa::path(
    tag = "establishments",
    params(("id" = String, Path, description = "Establishment id"), PageQuery),
    responses((status = 200, description = "All versions", body = EstablishmentRevisionList))
)]
#[get("/establishments/{id}/revisions")]
pub async fn list_establishment_revisions(
    user: AuthUser,
    db: web::Data<Db>,
    id: web::Path<uuid::Uuid>,
    page: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::revisions(&db, &user, id.to_string()).await?;
    let items = rows
        .iter()
        .map(EstablishmentRevision::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let page = page_whole(items, &page, |r| r.version.to_string())?;
    Ok(HttpResponse::Ok().json(EstablishmentRevisionList {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}
