//! `/api/v1/code-lists`: the reference lists the health-stats API's coded fields take,
//! each code with its Vietnamese and English name (`shared::code_lists`), and the
//! service's own factor groups.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use shared::auth::AuthUser;
use shared::code_lists::{self, CodeList, CodeListItem, CodeListNames, CodeListSummary, summary};
use shared::error::ApiError;
use shared::extract::Query;
use utoipa::IntoParams;

use crate::domain::monitoring::FactorGroup;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_code_lists).service(get_code_list);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CodeListParams {
    /// For `communes`: only units in force on this date (YYYY-MM-DD). Without it, every unit
    /// before and after the 1 July 2025 reform is listed with its validity period.
    pub valid_on: Option<NaiveDate>,
}

/// The lists of this service and the fields that take their codes.
fn lists() -> Vec<CodeListSummary> {
    vec![
        summary(
            "communes",
            "Đơn vị hành chính cấp xã",
            "Communes (administrative units)",
            &[
                "/establishment/commune_code (health-exam and monitoring reports)",
                "?group_by=commune",
            ],
            true,
        ),
        summary(
            "factor-groups",
            "Nhóm yếu tố quan trắc môi trường lao động",
            "Monitored factor groups",
            &[
                "/factors/{i}/factor (monitoring reports)",
                "?group_by=factor",
            ],
            false,
        ),
        summary(
            "occupational-diseases",
            "Bệnh nghề nghiệp được bảo hiểm",
            "Compensable occupational diseases",
            &[
                "/disease_code (occupational-disease cases)",
                "/figures/bnn_by_disease/{i}/disease_code (health-exam reports)",
                "?disease_code",
                "?group_by=disease",
            ],
            false,
        ),
        summary(
            "ownership-types",
            "Loại hình cơ sở",
            "Ownership types",
            &["/establishment/ownership_type", "?group_by=ownership_type"],
            false,
        ),
        summary(
            "vsic-sections",
            "Ngành kinh tế (VSIC 2018, cấp 1)",
            "Economic sectors (VSIC 2018 sections)",
            &[
                "/establishment/vsic_code (its section)",
                "?group_by=vsic_section",
            ],
            true,
        ),
    ]
}

fn factor_groups() -> CodeList {
    CodeList {
        name: "factor-groups".into(),
        source: "The factor groups of work-environment monitoring (Nghị định 44/2016/NĐ-CP as amended by \
                 Nghị định 140/2018/NĐ-CP; QCVN exposure limits); the codes are the suite's own"
            .into(),
        verified: false,
        items: FactorGroup::ALL
            .into_iter()
            .map(|f| CodeListItem {
                code: f.as_str().to_owned(),
                name: f.name_vi().to_owned(),
                name_en: Some(f.name_en().to_owned()),
                ..CodeListItem::default()
            })
            .collect(),
    }
}

/// List code lists
///
/// Danh mục dùng chung: the reference lists and the fields whose values are their codes.
#[utoipa::path(tag = "code-lists", responses((status = 200, description = "Names", body = CodeListNames)))]
#[get("/code-lists")]
pub async fn list_code_lists(_user: AuthUser) -> HttpResponse {
    let lists = lists();
    HttpResponse::Ok().json(CodeListNames {
        names: lists.iter().map(|l| l.name.clone()).collect(),
        lists,
    })
}

/// Get a code list
///
/// `communes`, `vsic-sections`, `ownership-types`, `occupational-diseases` and
/// `factor-groups`, each code with its Vietnamese and English name and the list's
/// source; `verified: false` marks a list not yet checked against the official text.
#[utoipa::path(
    tag = "code-lists",
    params(("name" = String, Path, description = "communes, factor-groups, occupational-diseases, ownership-types or vsic-sections"), CodeListParams),
    responses((status = 200, description = "The list", body = CodeList))
)]
#[get("/code-lists/{name}")]
pub async fn get_code_list(
    _user: AuthUser,
    name: web::Path<String>,
    params: Query<CodeListParams>,
) -> Result<HttpResponse, ApiError> {
    let list = match name.as_str() {
        "factor-groups" => Some(factor_groups()),
        other if lists().iter().any(|l| l.name == other) => {
            code_lists::shared_list(other, params.valid_on)
        }
        _ => None,
    }
    .ok_or(ApiError::NotFound {
        resource: "code list",
    })?;
    Ok(HttpResponse::Ok().json(list))
}
