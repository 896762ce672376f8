//! `/api/v1/code-lists`: the reference lists the API validates against.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::error::ApiError;
use shared::refdata;
use utoipa::{IntoParams, ToSchema};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_code_lists).service(get_code_list);
}

/// One entry of a code list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeListItem {
    pub code: String,
    /// Vietnamese name (tên).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Kind of administrative unit (`phuong`, `xa`, `thi_tran`, `dac_khu`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// First day in force; absent when in force since before the 2025 reform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day in force; absent while in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    /// Former district (huyện) of a pre-2025 commune.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_name: Option<String>,
    /// Units this one became part of.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub successor_codes: Vec<String>,
    /// For VSIC sections: the 2-digit divisions covered, e.g. `01-03`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub divisions: Option<String>,
}

/// A code list with its source.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeList {
    pub name: String,
    /// Where the list comes from.
    pub source: String,
    /// Whether the list was checked against an official text; unverified lists may change.
    pub verified: bool,
    pub items: Vec<CodeListItem>,
}

/// The names of the code lists.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeListNames {
    #[schema(example = json!(["communes", "ownership-types", "vsic-sections"]))]
    pub names: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CodeListParams {
    /// For `communes`: only units in force on this date (YYYY-MM-DD). Without it, every unit
    /// before and after the 1 July 2025 reform is listed with its validity period.
    pub valid_on: Option<NaiveDate>,
}

const NAMES: [&str; 3] = ["communes", "ownership-types", "vsic-sections"];

/// List code lists
///
/// Danh mục dùng chung: the names of the reference lists.
#[utoipa::path(tag = "code-lists", responses((status = 200, description = "Names", body = CodeListNames)))]
#[get("/code-lists")]
pub async fn list_code_lists(_user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(CodeListNames {
        names: NAMES.iter().map(|n| (*n).to_owned()).collect(),
    })
}

/// Get a code list
///
/// `communes` (Cao Bằng's administrative units before and after the 2025 reform; a code
/// is identified with its validity period, since codes were reused), `vsic-sections`
/// (VSIC 2018) and `ownership-types` (working list, not yet checked against the official annex).
#[utoipa::path(
    tag = "code-lists",
    params(("name" = String, Path, description = "communes, ownership-types or vsic-sections"), CodeListParams),
    responses((status = 200, description = "The list", body = CodeList))
)]
#[get("/code-lists/{name}")]
pub async fn get_code_list(
    _user: AuthUser,
    name: web::Path<String>,
    params: web::Query<CodeListParams>,
) -> Result<HttpResponse, ApiError> {
    let list = match name.as_str() {
        "communes" => CodeList {
            name: "communes".into(),
            source: "GSO unit codes (Công văn 1027/CTK-CSCL) after Nghị quyết 1657/NQ-UBTVQH15; public dataset dvhcvn/20250701".into(),
            verified: true,
            items: refdata::admin_units()
                .iter()
                .filter(|u| params.valid_on.is_none_or(|d| u.in_force_on(d)))
                .map(|u| CodeListItem {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    name_en: None,
                    kind: Some(u.kind.as_str().to_owned()),
                    valid_from: u.valid_from,
                    valid_to: u.valid_to,
                    district_name: u.district_name.clone(),
                    successor_codes: u.successors.iter().map(|s| s.code.clone()).collect(),
                    divisions: None,
                })
                .collect(),
        },
        "vsic-sections" => CodeList {
            name: "vsic-sections".into(),
            source: "VSIC 2018, Quyết định 27/2018/QĐ-TTg".into(),
            verified: true,
            items: refdata::vsic_sections()
                .iter()
                .map(|s| CodeListItem {
                    code: s.code.clone(),
                    name: s.name_vi.clone(),
                    name_en: Some(s.name_en.clone()),
                    kind: None,
                    valid_from: None,
                    valid_to: None,
                    district_name: None,
                    successor_codes: vec![],
                    divisions: Some(format!("{:02}-{:02}", s.divisions_from, s.divisions_to)),
                })
                .collect(),
        },
        "ownership-types" => CodeList {
            name: "ownership-types".into(),
            source: "Working enumeration from the Ministry's annual reports; not verified against the official annex".into(),
            verified: false,
            items: refdata::ownership_types()
                .iter()
                .map(|t| CodeListItem {
                    code: t.code.clone(),
                    name: t.name_vi.clone(),
                    name_en: Some(t.name_en.clone()),
                    kind: None,
                    valid_from: None,
                    valid_to: None,
                    district_name: None,
                    successor_codes: vec![],
                    divisions: None,
                })
                .collect(),
        },
        _ => return Err(ApiError::NotFound { resource: "code list" }),
    };
    Ok(HttpResponse::Ok().json(list))
}
