//! Rows as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{
    disease_case_revisions, disease_cases, health_exam_report_revisions, health_exam_reports,
};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = health_exam_reports, treat_none_as_null = true)]
pub struct HealthReportRow {
    pub id: String,
    pub period: String,
    pub tax_code: String,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub nil_report: bool,
    /// JSON of `HealthFigures`.
    pub figures: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub first_received_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub on_time: bool,
    pub submitted_by: String,
    pub version: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = health_exam_report_revisions)]
pub struct HealthReportRevisionRow {
    pub report_id: String,
    pub version: i64,
    pub received_at: NaiveDateTime,
    pub submitted_by: String,
    pub change_reason: String,
    pub snapshot: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = disease_cases, treat_none_as_null = true)]
pub struct DiseaseCaseRow {
    pub id: String,
    pub personal_id: String,
    pub full_name: String,
    pub gender: String,
    pub birth_date: Option<NaiveDate>,
    pub tax_code: String,
    pub commune_code: Option<String>,
    pub vsic_section: Option<String>,
    pub ownership_type: Option<String>,
    pub disease_code: String,
    pub exposure_factor: Option<String>,
    pub diagnosed_on: NaiveDate,
    pub diagnosis_facility: String,
    pub capacity_loss_percent: Option<i64>,
    pub assessed_on: Option<NaiveDate>,
    pub status: String,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = disease_case_revisions)]
pub struct DiseaseCaseRevisionRow {
    pub case_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub change_reason: String,
    pub snapshot: String,
}
