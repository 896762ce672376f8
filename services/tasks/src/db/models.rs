//! Rows as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{
    agencies, agency_successors, assignments, data_set_assignments, data_sets,
    indicator_categories, indicator_category_options, indicator_rules, indicators,
    plan_report_revisions, plan_reports, plans, record_revisions, reminders, targets, tasks,
};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = agencies)]
pub struct AgencyRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub reports: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub successor_code: Option<String>,
    pub created_at: NaiveDateTime,
    pub version: i64,
}

impl AgencyRow {
    /// Whether the agency exists on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: String,
    pub number: String,
    pub title: String,
    pub issuer: String,
    pub signer: String,
    pub issued_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub legal_bases: String,
    pub solution_groups: String,
    pub funding: String,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = targets)]
pub struct TargetRow {
    pub id: String,
    pub plan_id: String,
    pub code: String,
    pub indicator: String,
    pub unit: String,
    pub direction: String,
    pub yearly_change_percent: i64,
    pub baseline_year: i32,
    pub source: String,
    pub position: i32,
    pub version: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    pub id: String,
    pub plan_id: String,
    pub item: Option<i32>,
    pub section: String,
    pub text: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<String>,
    pub position: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// The record of another service this task follows up (`incidents:accident:<id>`).
    pub source_ref: Option<String>,
    /// When the source service announced that record late.
    pub overdue_since: Option<NaiveDateTime>,
    pub version: i64,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub task_id: String,
    pub agency_code: String,
    pub role: String,
    /// First day the agency answers for the task, when it took the task over from
    /// a closed agency; `None`: from the start.
    pub valid_from: Option<NaiveDate>,
    /// Last day it answers for the task; `None`: while it exists.
    pub valid_to: Option<NaiveDate>,
}

impl AssignmentRow {
    /// Whether `agency` answers for the task on `day`: the assignment's own
    /// window and the agency's existence both hold.
    pub fn in_force_on(&self, agency: &AgencyRow, day: NaiveDate) -> bool {
        agency.code == self.agency_code
            && agency.in_force_on(day)
            && self.valid_from.is_none_or(|from| from <= day)
            && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// One of the agencies that took over from a closed agency.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agency_successors)]
pub struct AgencySuccessorRow {
    pub agency_code: String,
    pub successor_code: String,
}

/// A plan report; also the revision snapshot format.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = plan_reports, treat_none_as_null = true)]
pub struct PlanReportRow {
    pub id: String,
    pub plan_id: String,
    pub agency_code: String,
    pub period: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub narrative: String,
    pub figures: String,
    pub attachments: String,
    pub first_received_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub on_time: bool,
    pub submitted_by: String,
    pub review_comment: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub version: i64,
    /// The indicator values reported, validated (JSON array of `ReportedValue`);
    /// empty in the snapshots of versions filed before values existed.
    #[serde(default)]
    pub indicator_values: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_report_revisions)]
pub struct PlanReportRevisionRow {
    pub report_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub action: String,
    pub change_reason: String,
    pub snapshot: String,
}

/// One version of an agency, task or target (`resource`), as it was.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = record_revisions)]
pub struct RecordRevisionRow {
    pub resource: String,
    pub record_id: String,
    pub version: i64,
    pub changed_at: NaiveDateTime,
    pub changed_by: Option<String>,
    pub action: String,
    pub change_reason: Option<String>,
    pub snapshot: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = reminders)]
pub struct ReminderRow {
    pub id: String,
    pub plan_id: String,
    pub agency_code: String,
    pub period: String,
    pub kind: String,
    pub due_on: NaiveDate,
    pub remind_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = data_sets)]
pub struct DataSetRow {
    pub code: String,
    pub plan_number: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_categories)]
pub struct CategoryRow {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: Option<String>,
    pub unverified: bool,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_category_options)]
pub struct CategoryOptionRow {
    pub category_code: String,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub position: i32,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicators)]
pub struct IndicatorRow {
    pub code: String,
    pub data_set_code: String,
    pub name_vi: String,
    pub name_en: String,
    pub unit: String,
    pub category_code: Option<String>,
    pub reported_in: String,
    pub legal_basis: String,
    pub unverified: bool,
    pub position: i32,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_rules)]
pub struct IndicatorRuleRow {
    pub code: String,
    pub data_set_code: String,
    pub kind: String,
    pub left_indicator: String,
    pub right_indicator: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    pub unverified: bool,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = data_set_assignments)]
pub struct DataSetAssignmentRow {
    pub data_set_code: String,
    pub indicator_code: String,
    pub agency_code: String,
    pub plan_item: i32,
}
