//! `/api/v1/code-lists`: the codes the tasks API takes (agencies, agency kinds,
//! assignment roles, the plan's indicators), each with its Vietnamese and English name.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use shared::auth::AuthUser;
use shared::code_lists::{CodeList, CodeListNames};
use shared::db::Db;
use shared::error::ApiError;
use shared::extract::Query;
use utoipa::IntoParams;

use crate::service::code_lists as service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_code_lists).service(get_code_list);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CodeListParams {
    /// For `agencies`: only the agencies that existed on this date (YYYY-MM-DD).
    pub valid_on: Option<NaiveDate>,
}

/// List code lists
///
/// Danh mục: the code lists of the tasks service and the fields whose values are their codes.
#[utoipa::path(tag = "code-lists", responses((status = 200, description = "Names", body = CodeListNames)))]
#[get("/code-lists")]
pub async fn list_code_lists(user: AuthUser) -> Result<HttpResponse, ApiError> {
    let lists = service::lists(&user)?;
    Ok(HttpResponse::Ok().json(CodeListNames {
        names: lists.iter().map(|l| l.name.clone()).collect(),
        lists,
    }))
}

/// Get a code list
///
/// `agencies` (with their validity and successor; the district committees closed on
/// 1 July 2025 stay listed), `agency-kinds`, `assignment-roles` and `indicators`.
#[utoipa::path(
    tag = "code-lists",
    params(("name" = String, Path, description = "agencies, agency-kinds, assignment-roles or indicators"), CodeListParams),
    responses((status = 200, description = "The list", body = CodeList))
)]
#[get("/code-lists/{name}")]
pub async fn get_code_list(
    user: AuthUser,
    db: web::Data<Db>,
    name: web::Path<String>,
    params: Query<CodeListParams>,
) -> Result<HttpResponse, ApiError> {
    let list = service::list(&db, &user, name.into_inner(), params.valid_on).await?;
    Ok(HttpResponse::Ok().json(list))
}
