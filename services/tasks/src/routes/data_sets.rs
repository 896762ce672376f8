//! `/api/v1/indicators`, `/api/v1/data-sets/{code}` and `/api/v1/indicator-values`:
//! the plan's activity indicators, the data set that says who reports which, and
//! the totals of what the agencies reported.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared::auth::AuthUser;
use shared::db::{Db, parse_stored};
use shared::error::ApiError;
use shared::extract::Query;
use shared::pagination::{PageQuery, page_read_whole, page_whole, total_of};
use shared::period::Period;
use utoipa::{IntoParams, ToSchema};

use crate::db::data_sets::DataSet;
use crate::db::models::IndicatorRow;
use crate::domain::data_set::{ReportedIn, RuleKind, Unit};
use crate::service::data_sets::{self as service, IndicatorTotals, Totals, TotalsQuery};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_indicators)
        .service(get_data_set)
        .service(get_indicator_values);
}

/// An indicator (chỉ tiêu) agencies report in their plan reports.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorResponse {
    #[schema(example = "training.trainees")]
    pub code: String,
    pub data_set: String,
    #[schema(example = "Số người được huấn luyện ATVSLĐ")]
    pub name_vi: String,
    #[schema(example = "People trained in OSH")]
    pub name_en: String,
    pub unit: Unit,
    /// The category its values may be broken down by (`GET /data-sets/{code}` lists
    /// the options).
    pub category: Option<String>,
    pub reported_in: ReportedIn,
    /// The plan items and texts that ask for it.
    pub legal_basis: String,
    /// Not confirmed against the law in force: kept configurable in the seed.
    pub unverified: bool,
}

impl TryFrom<&IndicatorRow> for IndicatorResponse {
    type Error = ApiError;

    fn try_from(r: &IndicatorRow) -> Result<Self, ApiError> {
        Ok(Self {
            code: r.code.clone(),
            data_set: r.data_set_code.clone(),
            name_vi: r.name_vi.clone(),
            name_en: r.name_en.clone(),
            unit: parse_stored("indicators", "unit", &r.unit, Unit::parse)?,
            category: r.category_code.clone(),
            reported_in: parse_stored(
                "indicators",
                "reported_in",
                &r.reported_in,
                ReportedIn::parse,
            )?,
            legal_basis: r.legal_basis.clone(),
            unverified: r.unverified,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorList {
    pub items: Vec<IndicatorResponse>,
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListIndicatorsParams {
    /// Indicators a page (1–500, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

/// List indicators
///
/// Chỉ tiêu hoạt động: every indicator of every data set, in form order, with its
/// unit, breakdown category and legal basis; `unverified` where the law is not
/// confirmed.
#[utoipa::path(
    tag = "data-sets",
    params(ListIndicatorsParams),
    responses((status = 200, description = "A page of indicators", body = IndicatorList))
)]
#[get("/indicators")]
pub async fn list_indicators(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<ListIndicatorsParams>,
) -> Result<HttpResponse, ApiError> {
    let rows = service::indicators(&db, &user).await?;
    let total = total_of(params.total, &rows);
    let (rows, next_cursor) = page_read_whole(rows, params.limit, params.cursor.as_deref(), |r| {
        r.code.as_str()
    })?;
    let items = rows
        .iter()
        .map(IndicatorResponse::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(IndicatorList {
        items,
        next_cursor,
        total,
    }))
}

/// An option of a breakdown category.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryOptionResponse {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// A breakdown category (phân tổ) and its options.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CategoryResponse {
    #[schema(example = "worker_group")]
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: Option<String>,
    pub unverified: bool,
    pub options: Vec<CategoryOptionResponse>,
}

/// A validation rule a report's values must pass (else 422 `validation_rule_failed`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleResponse {
    pub code: String,
    pub kind: RuleKind,
    pub left: String,
    /// The indicator `left` is compared with (`at_most`).
    pub right: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    pub unverified: bool,
}

/// Which agency reports which indicator, under which plan item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DataSetAssignmentResponse {
    pub indicator: String,
    pub agency: String,
    /// The item of section IV of the plan that asks for it.
    pub plan_item: i32,
}

/// A data set (bộ chỉ tiêu): the form agencies fill in their plan reports.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DataSetResponse {
    #[schema(example = "KH664-ATVSLD")]
    pub code: String,
    #[schema(example = "664/KH-UBND")]
    pub plan_number: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    pub indicators: Vec<IndicatorResponse>,
    pub categories: Vec<CategoryResponse>,
    pub rules: Vec<RuleResponse>,
    pub assignments: Vec<DataSetAssignmentResponse>,
}

impl TryFrom<DataSet> for DataSetResponse {
    type Error = ApiError;

    fn try_from(d: DataSet) -> Result<Self, ApiError> {
        Ok(Self {
            code: d.data_set.code,
            plan_number: d.data_set.plan_number,
            name_vi: d.data_set.name_vi,
            name_en: d.data_set.name_en,
            legal_basis: d.data_set.legal_basis,
            indicators: d
                .indicators
                .iter()
                .map(IndicatorResponse::try_from)
                .collect::<Result<_, _>>()?,
            categories: d
                .categories
                .into_iter()
                .map(|c| CategoryResponse {
                    options: d
                        .options
                        .iter()
                        .filter(|o| o.category_code == c.code)
                        .map(|o| CategoryOptionResponse {
                            code: o.code.clone(),
                            name_vi: o.name_vi.clone(),
                            name_en: o.name_en.clone(),
                        })
                        .collect(),
                    code: c.code,
                    name_vi: c.name_vi,
                    name_en: c.name_en,
                    legal_basis: c.legal_basis,
                    unverified: c.unverified,
                })
                .collect(),
            rules: d
                .rules
                .into_iter()
                .map(|r| {
                    Ok(RuleResponse {
                        kind: parse_stored("indicator_rules", "kind", &r.kind, RuleKind::parse)?,
                        code: r.code,
                        left: r.left_indicator,
                        right: r.right_indicator,
                        name_vi: r.name_vi,
                        name_en: r.name_en,
                        unverified: r.unverified,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            assignments: d
                .assignments
                .into_iter()
                .map(|a| DataSetAssignmentResponse {
                    indicator: a.indicator_code,
                    agency: a.agency_code,
                    plan_item: a.plan_item,
                })
                .collect(),
        })
    }
}

/// Get a data set
///
/// Bộ chỉ tiêu: its indicators, breakdown categories with their options, validation
/// rules, and which agency reports which indicator for which plan item. Plan 664's
/// is `KH664-ATVSLD`.
#[utoipa::path(
    tag = "data-sets",
    params(("code" = String, Path, description = "Data set code", example = "KH664-ATVSLD")),
    responses((status = 200, description = "The data set", body = DataSetResponse))
)]
#[get("/data-sets/{code}")]
pub async fn get_data_set(
    user: AuthUser,
    db: web::Data<Db>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let data_set = service::data_set(&db, &user, code.into_inner()).await?;
    Ok(HttpResponse::Ok().json(DataSetResponse::try_from(data_set)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndicatorValuesParams {
    /// `2025-H1` or `2025`, as plan reports are filed.
    #[param(example = "2025")]
    pub period: String,
    /// The plan; plan 664 when absent.
    pub plan_id: Option<uuid::Uuid>,
    /// One indicator only.
    pub indicator: Option<String>,
    /// One agency's values only.
    pub agency: Option<String>,
    /// The reports as they stood at the end of this day (Viet Nam time).
    pub as_of: Option<NaiveDate>,
    /// Indicators per page, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the number of indicators over all pages (each indicator's
    /// own sum is its item's `total`).
    pub total: Option<bool>,
}

/// An option's total.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OptionTotal {
    pub category: String,
    pub option: String,
    pub name_vi: String,
    pub name_en: String,
    pub total: Option<i64>,
    pub previous_total: Option<i64>,
    /// `(total − previous_total) / previous_total × 100`, two decimals.
    pub change_percent: Option<f64>,
}

/// One indicator's totals across agencies.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorTotal {
    pub indicator: String,
    pub name_vi: String,
    pub name_en: String,
    pub unit: Unit,
    pub unverified: bool,
    /// The sum over the agencies that reported it; `null` when none did (a reported
    /// zero is 0).
    pub total: Option<i64>,
    /// The same period a year before.
    pub previous_total: Option<i64>,
    /// `(total − previous_total) / previous_total × 100`, two decimals; `null`
    /// without a base.
    pub change_percent: Option<f64>,
    /// By option, over the agencies that gave the breakdown.
    pub breakdown: Vec<OptionTotal>,
    /// Agencies assigned the indicator and expected to report it for the period.
    pub expected: Vec<String>,
    /// Those whose report carries it (a returned report does not count).
    pub reported: Vec<String>,
    /// Those expected that have not reported it.
    pub not_reported: Vec<String>,
}

/// Totals of the indicators for a period (tổng hợp chỉ tiêu hoạt động).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorValuesResponse {
    pub plan_id: String,
    pub data_set: String,
    pub period: String,
    pub previous_period: String,
    /// `false` while the period (or `as_of`) has not reached its last day.
    pub complete: bool,
    pub complete_through: Option<NaiveDate>,
    pub items: Vec<IndicatorTotal>,
    pub next_cursor: Option<String>,
    /// Indicators over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl IndicatorTotal {
    fn of(t: &IndicatorTotals, d: &DataSet) -> Result<Self, ApiError> {
        let i = &t.indicator;
        let breakdown = d
            .options
            .iter()
            .filter(|o| Some(&o.category_code) == i.category_code.as_ref())
            .map(|o| {
                let total = t.current.by_option.get(&o.code).copied();
                let previous_total = t.previous.by_option.get(&o.code).copied();
                OptionTotal {
                    category: o.category_code.clone(),
                    option: o.code.clone(),
                    name_vi: o.name_vi.clone(),
                    name_en: o.name_en.clone(),
                    change_percent: service::change(previous_total, total),
                    total,
                    previous_total,
                }
            })
            .collect();
        Ok(Self {
            indicator: i.code.clone(),
            name_vi: i.name_vi.clone(),
            name_en: i.name_en.clone(),
            unit: parse_stored("indicators", "unit", &i.unit, Unit::parse)?,
            unverified: i.unverified,
            total: t.current.total,
            previous_total: t.previous.total,
            change_percent: service::change(t.previous.total, t.current.total),
            breakdown,
            not_reported: t
                .expected
                .iter()
                .filter(|a| !t.current.reported_by.contains(a))
                .cloned()
                .collect(),
            expected: t.expected.clone(),
            reported: t.current.reported_by.clone(),
        })
    }
}

impl TryFrom<&Totals> for IndicatorValuesResponse {
    type Error = ApiError;

    fn try_from(t: &Totals) -> Result<Self, ApiError> {
        Ok(Self {
            plan_id: t.plan_id.clone(),
            data_set: t.data_set.data_set.code.clone(),
            period: t.period.to_string(),
            previous_period: t.period.previous_year().to_string(),
            complete: t.completeness.complete,
            complete_through: t.completeness.complete_through,
            items: t
                .items
                .iter()
                .map(|i| IndicatorTotal::of(i, &t.data_set))
                .collect::<Result<_, _>>()?,
            next_cursor: None,
            total: None,
        })
    }
}

/// Indicator totals
///
/// Tổng hợp chỉ tiêu: per indicator (and per option of its breakdown), the sum of
/// the values the agencies reported for the period, the same period a year before
/// and the change; which agencies were expected to report it, which did and which
/// did not. Counts the latest version of each report (as it stood at the end of
/// `as_of` when given); a report returned by Sở Nội vụ does not count until filed
/// again. Sở Nội vụ, the health authority, admin and viewers.
#[utoipa::path(
    tag = "data-sets",
    params(IndicatorValuesParams),
    responses((status = 200, description = "The totals", body = IndicatorValuesResponse))
)]
#[get("/indicator-values")]
pub async fn get_indicator_values(
    user: AuthUser,
    db: web::Data<Db>,
    params: Query<IndicatorValuesParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let period = Period::parse_parameter("period", &p.period)?;
    let totals = service::totals(
        &db,
        &user,
        TotalsQuery {
            plan_id: p.plan_id.map(|i| i.to_string()),
            period,
            indicator: p.indicator,
            agency: p.agency,
            as_of: p.as_of,
        },
    )
    .await?;
    let mut answer = IndicatorValuesResponse::try_from(&totals)?;
    let query = PageQuery {
        limit: p.limit,
        cursor: p.cursor,
        total: p.total,
    };
    let page = page_whole(answer.items, &query, |i| i.indicator.clone())?;
    answer.items = page.items;
    answer.next_cursor = page.next_cursor;
    answer.total = page.total;
    Ok(HttpResponse::Ok().json(answer))
}
