//! `/api/v1/audit-events`: reading and checking the audit trail (admins only).

use crate::extract::Query;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::access::COMMON_POLICY;
use crate::audit::{self, AuditEvent, ChainCheck, Filter};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::ApiError;
use crate::pagination::Page;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit_events).service(verify_audit_chain);
}

/// Filters of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditEventsParams {
    /// Only entries about this kind of record, e.g. `accident`.
    pub resource_type: Option<String>,
    /// Only entries about this record id.
    pub resource_id: Option<String>,
    /// Only entries by this caller (issuer|subject).
    pub actor: Option<String>,
    /// Only entries at or after this instant (RFC 3339 with offset).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-01-01T00:00:00+07:00")]
    pub from: Option<DateTime<FixedOffset>>,
    /// Only entries before this instant (RFC 3339 with offset).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-02-01T00:00:00+07:00")]
    pub to: Option<DateTime<FixedOffset>>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// A page of audit entries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEventList {
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// List audit entries
///
/// Nhật ký truy cập dữ liệu cá nhân, newest first: who read or changed which record,
/// when and in which request. Entries carry no data values. `admin` only.
#[utoipa::path(
    tag = "audit",
    params(ListAuditEventsParams),
    responses((status = 200, description = "A page of audit entries", body = AuditEventList))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListAuditEventsParams>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("list_audit_events", &user)?;
    let params = params.into_inner();
    let page = Page::parse(params.limit, params.cursor.as_deref())?.with_total(params.total);
    let filter = Filter {
        resource_type: params.resource_type,
        resource_id: params.resource_id,
        actor: params.actor,
        from: params.from.map(|t| t.naive_utc()),
        to: params.to.map(|t| t.naive_utc()),
    };
    let (items, next_cursor, total) = db
        .run(move |conn| audit::list(conn, &filter, &page))
        .await?
        .into_parts();
    Ok(HttpResponse::Ok().json(AuditEventList {
        items,
        next_cursor,
        total,
    }))
}

/// Check the audit chain
///
/// Kiểm tra tính toàn vẹn của nhật ký: walks the hash chains (16 lanes) and reports, for
/// each, the first entry that was edited, deleted, reordered, put in or cut off. Keep the `head_hash` it returns outside
/// the database: only it can show that the whole chain was rewritten. `admin` only.
#[utoipa::path(
    tag = "audit",
    responses((status = 200, description = "The result; a broken chain is also 200, with `valid: false`", body = ChainCheck))
)]
#[get("/audit-events/verify")]
pub async fn verify_audit_chain(
    user: AuthUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    COMMON_POLICY.check("verify_audit_chain", &user)?;
    let check = db.run(audit::verify_chain).await?;
    Ok(HttpResponse::Ok().json(check))
}
