//! `/api/v1/code-lists`: the reference lists the API's coded fields take, each code
//! with its Vietnamese and English name (`shared::code_lists`).

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use shared::auth::AuthUser;
use shared::code_lists::{self, CodeList, CodeListItem, CodeListNames, CodeListSummary, summary};
use shared::error::ApiError;
use shared::extract::Query;
use utoipa::IntoParams;

use crate::domain::{identity, technical_incident};

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
            "accident-causes",
            "Nguyên nhân xảy ra tai nạn lao động",
            "Causes of an accident",
            &[
                "/cause_codes (accidents, investigation record)",
                "?group_by=cause",
            ],
            false,
        ),
        summary(
            "communes",
            "Đơn vị hành chính cấp xã",
            "Communes (administrative units)",
            &[
                "/commune_code (establishments)",
                "/place/commune_code (accidents)",
                "/commune_code (commune accident reports)",
                "?commune_code",
                "?group_by=commune",
            ],
            true,
        ),
        summary(
            "countries",
            "Quốc tịch (ISO 3166-1 alpha-2)",
            "Nationalities (ISO 3166-1 alpha-2)",
            &["/casualties/{i}/identity/nationality (accidents)"],
            true,
        ),
        summary(
            "identity-document-types",
            "Loại giấy tờ tùy thân",
            "Identity document types",
            &["/casualties/{i}/identity/id_type (accidents)"],
            true,
        ),
        summary(
            "injury-factors",
            "Yếu tố chính gây chấn thương",
            "Main injury-causing factors",
            &["/injury_factor_code (accidents)", "?group_by=injury_factor"],
            false,
        ),
        summary(
            "ownership-types",
            "Loại hình cơ sở",
            "Ownership types",
            &[
                "/ownership_type (establishments)",
                "?ownership_type",
                "?group_by=ownership_type",
            ],
            false,
        ),
        summary(
            "technical-incident-kinds",
            "Loại sự cố kỹ thuật gây mất an toàn, vệ sinh lao động nghiêm trọng",
            "Kinds of serious technical incident",
            &["/kind (technical incidents)", "?kind"],
            false,
        ),
        summary(
            "vsic-sections",
            "Ngành kinh tế (VSIC 2018, cấp 1)",
            "Economic sectors (VSIC 2018 sections)",
            &[
                "/vsic_code (establishments: its section)",
                "?vsic_section",
                "?group_by=vsic_section",
            ],
            true,
        ),
    ]
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
/// `communes` (Cao Bằng's administrative units before and after the 2025 reform; a code
/// is identified with its validity period, since codes were reused), `vsic-sections`
/// (VSIC 2018), `ownership-types`, `countries` (ISO 3166-1, for a casualty's
/// nationality), `identity-document-types`, and `accident-causes`, `injury-factors` and
/// `technical-incident-kinds` (working lists, not yet checked against the official
/// annexes: `verified: false`).
#[utoipa::path(
    tag = "code-lists",
    params(("name" = String, Path, description = "accident-causes, communes, countries, identity-document-types, injury-factors, ownership-types, technical-incident-kinds or vsic-sections"), CodeListParams),
    responses((status = 200, description = "The list", body = CodeList))
)]
#[get("/code-lists/{name}")]
pub async fn get_code_list(
    _user: AuthUser,
    name: web::Path<String>,
    params: Query<CodeListParams>,
) -> Result<HttpResponse, ApiError> {
    let known = lists().iter().any(|l| l.name == *name);
    let list = known
        .then(|| own_list(&name).or_else(|| code_lists::shared_list(&name, params.valid_on)))
        .flatten()
        .ok_or(ApiError::NotFound {
            resource: "code list",
        })?;
    Ok(HttpResponse::Ok().json(list))
}

/// The lists this service keeps itself (the others are in `shared::code_lists`).
fn own_list(name: &str) -> Option<CodeList> {
    let item = |code: &str, vi: &str, en: &str| CodeListItem {
        code: code.to_owned(),
        name: vi.to_owned(),
        name_en: Some(en.to_owned()),
        ..CodeListItem::default()
    };
    let (source, verified, items): (&str, bool, Vec<CodeListItem>) = match name {
        "countries" => (
            "ISO 3166-1 (services/incidents/data/countries.csv)",
            true,
            identity::countries()
                .into_iter()
                .map(|(code, en)| item(code, en, en))
                .collect(),
        ),
        "identity-document-types" => (
            "docs/integration.md, \"Identifying a casualty\"",
            true,
            identity::TYPES
                .iter()
                .map(|(t, vi, en)| item(t.as_str(), vi, en))
                .collect(),
        ),
        "technical-incident-kinds" => (
            "docs/technical-incidents.md (working list, unverified)",
            false,
            technical_incident::kind_code_list()
                .into_iter()
                .map(|(code, vi, en)| item(code, vi, en))
                .collect(),
        ),
        _ => return None,
    };
    Some(CodeList {
        name: name.to_owned(),
        source: source.to_owned(),
        verified,
        items,
    })
}
