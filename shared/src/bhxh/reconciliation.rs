//! The reconciliation (đối soát) of BHXH's benefit decisions with the suite's records,
//! in one shape that both services answer with: health-stats reconciles occupational
//! disease, incidents reconciles accidents and adds health-stats' part, read over HTTP,
//! so that a labour inspector sees both in one list and knows if a part is missing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Text};
use crate::http_client::Unavailable;

/// Days without a decision before a record is listed, unless the caller says otherwise.
pub const DEFAULT_WAIT_DAYS: i64 = 60;

/// Parameters of the reconciliation.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReconciliationParams {
    /// The year (`2026`): decisions dated in it; accidents that occurred and diseases
    /// diagnosed in it.
    #[param(example = "2026", pattern = "^(20[0-9]{2}|2100)$")]
    pub period: String,
    /// Days after the accident or the diagnosis without a decision before the record
    /// is listed (default 60).
    #[param(minimum = 0, maximum = 3650)]
    pub wait_days: Option<i64>,
    /// Findings per page, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// `true` adds `total`, the findings over all pages.
    pub total: Option<bool>,
}

impl ReconciliationParams {
    /// The year and the waiting days, or the problem with the parameter.
    pub fn parse(&self) -> Result<(i32, i64), ApiError> {
        let year = self
            .period
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "period",
                    "invalid_period",
                    Text::new(
                        "period phải là một năm, ví dụ 2026.",
                        "period must be a year, e.g. 2026.",
                    ),
                )
            })?;
        let wait_days = self.wait_days.unwrap_or(DEFAULT_WAIT_DAYS);
        if !(0..=3650).contains(&wait_days) {
            return Err(ApiError::bad_parameter(
                "wait_days",
                "invalid_wait_days",
                Text::new(
                    "wait_days phải từ 0 đến 3650.",
                    "wait_days must be between 0 and 3650.",
                ),
            ));
        }
        Ok((year, wait_days))
    }
}

/// What a reconciliation row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A BHXH accident decision for which no accident record exists: a sign of an
    /// accident that was never declared.
    DecisionWithoutAccident,
    /// A fatal casualty with no BHXH decision after the waiting period.
    FatalWithoutDecision,
    /// A BHXH disease decision for which no diagnosed case exists: a sign of an
    /// occupational disease that was never reported.
    DecisionWithoutDiseaseCase,
    /// A diagnosed occupational-disease case with no BHXH decision after the waiting
    /// period: a claim that may never have been made.
    DiagnosedWithoutDecision,
}

/// One finding, explained; the fields that do not apply to its kind are `null`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationItem {
    pub kind: FindingKind,
    /// The service that holds the decision or the record: `incidents` or `health-stats`.
    #[schema(example = "incidents")]
    pub source: String,
    /// Why the row is listed, in the caller's language.
    pub explanation: String,
    pub decision_id: Option<String>,
    /// Số quyết định of BHXH.
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    /// The record id BHXH named in its decision.
    pub case_reference: Option<String>,
    pub casualty_id: Option<String>,
    pub accident_id: Option<String>,
    /// The day of the accident, in Viet Nam.
    pub accident_date: Option<NaiveDate>,
    pub days_since_accident: Option<i64>,
    /// The occupational-disease case (ca bệnh nghề nghiệp).
    pub disease_case_id: Option<String>,
    /// Its code in the compensable list (`BNN-01` …).
    pub disease_code: Option<String>,
    pub diagnosed_on: Option<NaiveDate>,
    pub days_since_diagnosis: Option<i64>,
    /// Số định danh cá nhân of the worker.
    pub personal_id: String,
}

impl ReconciliationItem {
    /// A finding with only what every kind has; the caller adds its own fields.
    pub fn new(kind: FindingKind, source: &str, explanation: Text, personal_id: String) -> Self {
        Self {
            kind,
            source: source.to_owned(),
            explanation: explanation.get(crate::context::current().lang).to_owned(),
            decision_id: None,
            decision_number: None,
            decision_date: None,
            case_reference: None,
            casualty_id: None,
            accident_id: None,
            accident_date: None,
            days_since_accident: None,
            disease_case_id: None,
            disease_code: None,
            diagnosed_on: None,
            days_since_diagnosis: None,
            personal_id,
        }
    }
}

/// Whether one service's part of the reconciliation is in the answer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReconciliationPart {
    /// `incidents` (accidents) or `health-stats` (occupational disease).
    #[schema(example = "health-stats")]
    pub source: String,
    pub available: bool,
    /// Why the part is missing, when it is.
    pub unavailable: Option<Unavailable>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Reconciliation {
    #[schema(example = "2026")]
    pub period: String,
    pub wait_days: i64,
    /// The day the waiting periods are counted to (today in Viet Nam).
    pub as_of: NaiveDate,
    /// Decisions first (by date), then records without a decision.
    pub items: Vec<ReconciliationItem>,
    /// The parts the list is made of; a part that could not be read is listed with
    /// the reason, and its findings are absent.
    pub parts: Vec<ReconciliationPart>,
    pub next_cursor: Option<String>,
    /// Findings over all pages; only with `?total=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl Reconciliation {
    /// The whole reconciliation, ready to be paged by [`Reconciliation::page`].
    #[must_use]
    pub fn new(
        period: String,
        wait_days: i64,
        as_of: NaiveDate,
        items: Vec<ReconciliationItem>,
        parts: Vec<ReconciliationPart>,
    ) -> Self {
        Self {
            period,
            wait_days,
            as_of,
            items,
            parts,
            next_cursor: None,
            total: None,
        }
    }

    /// The page of findings `params` asks for. The findings are computed whole (they
    /// are one analysis of a year), so the cursor names the last finding seen.
    pub fn page(mut self, params: &ReconciliationParams) -> Result<Self, ApiError> {
        let query = crate::pagination::PageQuery {
            limit: params.limit,
            cursor: params.cursor.clone(),
            total: params.total,
        };
        let page = crate::pagination::page_whole(self.items, &query, ReconciliationItem::key)?;
        self.items = page.items;
        self.next_cursor = page.next_cursor;
        self.total = page.total;
        Ok(self)
    }
}

impl ReconciliationItem {
    /// What identifies a finding: its kind and the decision or record it is about.
    fn key(&self) -> String {
        let part = |v: &Option<String>| v.clone().unwrap_or_default();
        format!(
            "{:?}/{}/{}/{}/{}",
            self.kind,
            part(&self.decision_id),
            part(&self.casualty_id),
            part(&self.disease_case_id),
            self.personal_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(period: &str, wait_days: Option<i64>) -> ReconciliationParams {
        ReconciliationParams {
            period: period.into(),
            wait_days,
            limit: None,
            cursor: None,
            total: None,
        }
    }

    #[test]
    fn the_period_is_a_year_and_the_wait_is_bounded() {
        assert_eq!(params("2026", None).parse().ok(), Some((2026, 60)));
        assert_eq!(params(" 2025 ", Some(0)).parse().ok(), Some((2025, 0)));
        assert!(params("2026-H1", None).parse().is_err());
        assert!(params("1999", None).parse().is_err());
        assert!(params("2026", Some(-1)).parse().is_err());
        assert!(params("2026", Some(3651)).parse().is_err());
    }
}
