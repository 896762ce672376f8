//! Rows as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{establishment_revisions, establishments};

/// An establishment row; also the revision snapshot format.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = establishments)]
// A `None` is written as NULL, never as the column's default (the table has none):
// `COPY` and SQLite's multi-row inserts need every row to name the same columns.
#[diesel(treat_none_as_default_value = false)]
pub struct EstablishmentRow {
    pub id: String,
    pub tax_code: String,
    pub name: String,
    pub vsic_code: String,
    pub vsic_section: String,
    pub ownership_type: String,
    pub commune_code: String,
    pub address: Option<String>,
    pub workers_total: i64,
    pub workers_female: i64,
    pub workers_hazardous: i64,
    pub bhxh_unit_code: Option<String>,
    pub external_ref: Option<String>,
    pub external_ref_owner: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One version of an establishment; imports write it by `COPY` on PostgreSQL, as they
/// do [`EstablishmentRow`].
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = establishment_revisions, treat_none_as_default_value = false)]
pub struct RevisionRow {
    pub establishment_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub change_reason: String,
    pub snapshot: String,
}

/// An accident row, as stored and as snapshotted into its revisions.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = super::schema::accidents, treat_none_as_null = true)]
pub struct AccidentRow {
    pub id: String,
    pub sector: String,
    pub establishment_id: Option<String>,
    pub establishment_tax_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub reporting_commune: Option<String>,
    pub commune_code: String,
    pub place: String,
    pub occurred_at: NaiveDateTime,
    pub notified_at: NaiveDateTime,
    pub description: String,
    pub injury_factor_code: Option<String>,
    /// Comma-separated cause codes (1–9).
    pub cause_codes: String,
    pub commute_accident: bool,
    pub police_notified_at: Option<NaiveDateTime>,
    pub needs_examination: bool,
    pub case_severity: String,
    pub requires_immediate_declaration: bool,
    pub requires_police_notice: bool,
    pub investigation_level: String,
    pub investigation_days: i64,
    pub extension_days: Option<i64>,
    pub deadline_at: NaiveDateTime,
    pub status: String,
    pub external_ref: Option<String>,
    pub external_ref_owner: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    Serialize,
    Deserialize,
)]
#[diesel(table_name = super::schema::casualties, treat_none_as_null = true)]
pub struct CasualtyRow {
    pub id: String,
    pub accident_id: String,
    pub position: i64,
    pub personal_id: String,
    pub full_name: String,
    pub gender: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub birth_year: i64,
    pub occupation_code: Option<String>,
    pub contract_type: String,
    pub severity: String,
    /// Comma-separated injury codes.
    pub injury_codes: String,
    pub days_off: i64,
    pub cost_medical: i64,
    pub cost_wages: i64,
    pub cost_compensation: i64,
    /// `personal_id`, `id_card` or `passport` (domain/identity.rs); `personal_id`
    /// above holds that document's number.
    pub id_type: String,
    /// ISO 3166-1 alpha-2 code of the document's country (`VN` for the Vietnamese ones).
    pub nationality: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = super::schema::severity_changes)]
pub struct SeverityChangeRow {
    pub casualty_id: String,
    pub changed_at: NaiveDateTime,
    pub from_severity: String,
    pub to_severity: String,
    pub document_reference: String,
    pub changed_by: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::accident_revisions)]
pub struct AccidentRevisionRow {
    pub accident_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub change_reason: String,
    pub snapshot: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::investigations, treat_none_as_null = true)]
pub struct InvestigationRow {
    pub accident_id: String,
    pub record: String,
    pub record_announced_on: Option<chrono::NaiveDate>,
    pub updated_at: NaiveDateTime,
}

/// A periodic accident report as it stands (its latest version).
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = super::schema::accident_reports, treat_none_as_null = true)]
pub struct AccidentReportRow {
    pub id: String,
    pub kind: String,
    pub period: String,
    pub reporter: String,
    pub establishment_id: Option<String>,
    pub commune_code: String,
    pub nil_report: bool,
    pub workers_total: Option<i64>,
    pub workers_female: Option<i64>,
    /// JSON of `ReportFigures`.
    pub figures: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub first_received_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub on_time: bool,
    pub submitted_by: String,
    pub version: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::accident_report_revisions)]
pub struct AccidentReportRevisionRow {
    pub report_id: String,
    pub version: i64,
    pub received_at: NaiveDateTime,
    pub submitted_by: String,
    pub change_reason: String,
    pub snapshot: String,
}

/// One revision of an accident's Phụ lục XIII quick report; `content` is the report as
/// JSON (`domain::quick_report::QuickReport`).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::quick_reports)]
pub struct QuickReportRow {
    pub accident_id: String,
    pub revision: i64,
    pub status: String,
    pub accident_version: i64,
    pub prepared_at: NaiveDateTime,
    pub change_reason: String,
    pub content: String,
}
