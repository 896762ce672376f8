//! Establishment request and response bodies (the public contract), and their
//! conversions; read by the routes and, row by row, by the bulk import.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use shared::error::ApiError;
use shared::refdata;
use shared::validate;
use utoipa::{IntoParams, ToSchema};

use crate::db::models::{EstablishmentRow, RevisionRow};
use crate::domain::establishment::EstablishmentInput;

/// Workers of an establishment (số lao động).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Headcount {
    /// Total workers (tổng số lao động).
    #[schema(example = 120)]
    pub total: u32,
    /// Female workers (lao động nữ).
    #[schema(example = 30)]
    pub female: u32,
    /// Workers in heavy, hazardous or dangerous jobs (lao động làm nghề, công việc nặng nhọc, độc hại, nguy hiểm).
    #[schema(example = 80)]
    pub hazardous: u32,
}

/// A new establishment (đăng ký cơ sở sản xuất, kinh doanh).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "tax_code": "0100047516",
    "name": "Công ty TNHH Khai khoáng Cao Bằng",
    "vsic_code": "07100",
    "ownership_type": "2",
    "commune_code": "01273",
    "address": "Số 1 Hoàng Đình Giong, Phường Thục Phán",
    "headcount": {"total": 120, "female": 30, "hazardous": 80},
    "bhxh_unit_code": "TA0001A",
    "external_ref": "dkkd-2025-0001"
}))]
pub struct CreateEstablishmentRequest {
    /// Tax code (mã số thuế / mã số doanh nghiệp): 10 digits, 13 for a branch (`NNNNNNNNNN-NNN`), or a 12-digit personal ID for a household business.
    pub tax_code: String,
    /// Name (tên cơ sở).
    pub name: String,
    /// VSIC 2018 code, 2 to 5 digits (mã ngành kinh tế VSIC 2018).
    pub vsic_code: String,
    /// Ownership type code (loại hình cơ sở), from the `ownership-types` code list.
    pub ownership_type: String,
    /// Code of the commune or ward in force today (mã đơn vị hành chính cấp xã), from the `communes` code list.
    pub commune_code: String,
    /// Address (địa chỉ).
    #[serde(default)]
    pub address: Option<String>,
    pub headcount: Headcount,
    /// Unit code at Vietnam Social Security (mã đơn vị BHXH).
    #[serde(default)]
    pub bhxh_unit_code: Option<String>,
    /// The caller's own id for this record; sending it again finds the first record instead of making a second.
    #[serde(default)]
    pub external_ref: Option<String>,
}

/// New facts for an establishment; the tax code cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Công ty TNHH Khai khoáng Cao Bằng",
    "vsic_code": "07100",
    "ownership_type": "2",
    "commune_code": "01273",
    "address": "Số 1 Hoàng Đình Giong, Phường Thục Phán",
    "headcount": {"total": 140, "female": 35, "hazardous": 90},
    "bhxh_unit_code": "TA0001A",
    "change_reason": "Cập nhật số lao động theo báo cáo 6 tháng đầu năm 2026"
}))]
pub struct UpdateEstablishmentRequest {
    pub name: String,
    pub vsic_code: String,
    pub ownership_type: String,
    pub commune_code: String,
    #[serde(default)]
    pub address: Option<String>,
    pub headcount: Headcount,
    #[serde(default)]
    pub bhxh_unit_code: Option<String>,
    /// Why the record changes (lý do thay đổi); kept in the revision history.
    pub change_reason: String,
}

/// An establishment (cơ sở sản xuất, kinh doanh).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EstablishmentResponse {
    #[schema(example = "0193a5e2-7c1e-7b36-9c55-2f1d9f0a4e11")]
    pub id: String,
    pub tax_code: String,
    /// `enterprise` (10 digits), `branch` (13) or `individual` (12-digit personal ID).
    pub tax_code_kind: String,
    pub name: String,
    pub vsic_code: String,
    /// VSIC 2018 section letter (ngành cấp 1), derived from the code.
    pub vsic_section: String,
    pub ownership_type: String,
    pub commune_code: String,
    /// Name of the commune or ward (tên đơn vị hành chính).
    pub commune_name: Option<String>,
    pub address: Option<String>,
    pub headcount: Headcount,
    pub bhxh_unit_code: Option<String>,
    pub external_ref: Option<String>,
    /// Version of the record; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&EstablishmentRow> for EstablishmentResponse {
    fn from(row: &EstablishmentRow) -> Self {
        let kind = validate::parse_tax_code(&row.tax_code)
            .map(|t| t.kind().as_str())
            .unwrap_or("enterprise");
        let commune_name =
            refdata::admin_unit(&row.commune_code, shared::time::today()).map(|u| u.name.clone());
        Self {
            id: row.id.clone(),
            tax_code: row.tax_code.clone(),
            tax_code_kind: kind.to_owned(),
            name: row.name.clone(),
            vsic_code: row.vsic_code.clone(),
            vsic_section: row.vsic_section.clone(),
            ownership_type: row.ownership_type.clone(),
            commune_code: row.commune_code.clone(),
            commune_name,
            address: row.address.clone(),
            headcount: Headcount {
                total: u32::try_from(row.workers_total).unwrap_or_default(),
                female: u32::try_from(row.workers_female).unwrap_or_default(),
                hazardous: u32::try_from(row.workers_hazardous).unwrap_or_default(),
            },
            bhxh_unit_code: row.bhxh_unit_code.clone(),
            external_ref: row.external_ref.clone(),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A page of establishments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EstablishmentList {
    pub items: Vec<EstablishmentResponse>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Items matching the filters over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// One version of an establishment, with who made it and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EstablishmentRevision {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    /// The caller who made the change (issuer|subject).
    pub changed_by: String,
    pub change_reason: String,
    /// The record as it was at this version.
    pub record: EstablishmentResponse,
}

impl TryFrom<&RevisionRow> for EstablishmentRevision {
    type Error = ApiError;

    fn try_from(row: &RevisionRow) -> Result<Self, ApiError> {
        let snapshot: EstablishmentRow =
            serde_json::from_str(&row.snapshot).map_err(anyhow::Error::from)?;
        Ok(Self {
            version: row.version,
            changed_at: row.changed_at.and_utc(),
            changed_by: row.changed_by.clone(),
            change_reason: row.change_reason.clone(),
            record: EstablishmentResponse::from(&snapshot),
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EstablishmentRevisionList {
    /// Newest first.
    pub items: Vec<EstablishmentRevision>,
    pub next_cursor: Option<String>,
    /// Items over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Filters of the establishment list; `updated_since` makes it a change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEstablishmentsParams {
    /// Only establishments in this commune or ward.
    pub commune_code: Option<String>,
    /// Only this VSIC section letter (A–U).
    pub vsic_section: Option<String>,
    /// Only this ownership type code.
    pub ownership_type: Option<String>,
    /// Only records changed at or after this instant (RFC 3339 with offset).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-01-01T00:00:00+07:00")]
    pub updated_since: Option<DateTime<FixedOffset>>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `true` adds `total`, the items matching the filters over all pages.
    pub total: Option<bool>,
}

pub fn input_of(
    name: &str,
    vsic_code: &str,
    ownership_type: &str,
    commune_code: &str,
    address: Option<&String>,
    headcount: &Headcount,
    bhxh_unit_code: Option<&String>,
) -> EstablishmentInput {
    EstablishmentInput {
        name: name.to_owned(),
        vsic_code: vsic_code.trim().to_owned(),
        ownership_type: ownership_type.trim().to_owned(),
        commune_code: commune_code.trim().to_owned(),
        address: address.cloned(),
        workers_total: headcount.total,
        workers_female: headcount.female,
        workers_hazardous: headcount.hazardous,
        bhxh_unit_code: bhxh_unit_code.cloned(),
    }
}

impl CreateEstablishmentRequest {
    pub fn input(&self) -> EstablishmentInput {
        input_of(
            &self.name,
            &self.vsic_code,
            &self.ownership_type,
            &self.commune_code,
            self.address.as_ref(),
            &self.headcount,
            self.bhxh_unit_code.as_ref(),
        )
    }
}

impl UpdateEstablishmentRequest {
    pub fn input(&self) -> EstablishmentInput {
        input_of(
            &self.name,
            &self.vsic_code,
            &self.ownership_type,
            &self.commune_code,
            self.address.as_ref(),
            &self.headcount,
            self.bhxh_unit_code.as_ref(),
        )
    }
}
