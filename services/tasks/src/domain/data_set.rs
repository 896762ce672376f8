//! The plan's activity indicators as data (DHIS2's aggregate model, kept small): the
//! seed file's shape (`seed/data-set-664.json`), the checks of the values an agency
//! reports in its plan report, and how values add up across agencies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::db::parse_stored;
use shared::error::{ApiError, FieldError, Text};
use shared::period::Period;
use utoipa::ToSchema;

use crate::db::data_sets::DataSet;

/// Plan 664's data set as shipped with the service.
pub const DATA_SET_664: &str = include_str!("../../seed/data-set-664.json");

/// What a value counts. Every unit is counted in whole numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Lần, cuộc, lớp: occurrences.
    Count,
    /// Người, lượt người.
    Person,
    /// Cơ sở: establishments.
    Establishment,
    /// Máy, thiết bị: items.
    Item,
    /// Đồng.
    Vnd,
}

/// Which reports carry an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportedIn {
    /// The six-month and the annual report.
    EveryPeriod,
    /// The annual report only.
    Year,
}

/// A validation rule between indicators (DHIS2's left side / operator / right side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// The left indicator's total is at most the right one's.
    AtMost,
    /// The left indicator's options add up to its total, when both are reported.
    BreakdownAddsUp,
}

/// The stored form of these enums is their JSON name.
fn name_of(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn parse_name<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

impl Unit {
    pub fn as_string(self) -> String {
        name_of(self)
    }

    pub fn parse(text: &str) -> Option<Unit> {
        parse_name(text)
    }
}

impl ReportedIn {
    pub fn as_string(self) -> String {
        name_of(self)
    }

    pub fn parse(text: &str) -> Option<ReportedIn> {
        parse_name(text)
    }

    /// Whether a report for `period` carries the indicator.
    pub fn covers(self, period: Period) -> bool {
        self == ReportedIn::EveryPeriod || matches!(period, Period::Year(_))
    }
}

impl RuleKind {
    pub fn as_string(self) -> String {
        name_of(self)
    }

    pub fn parse(text: &str) -> Option<RuleKind> {
        parse_name(text)
    }
}

/// The seed file of a data set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSetFile {
    pub code: String,
    pub plan_number: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    pub categories: Vec<CategorySeed>,
    pub indicators: Vec<IndicatorSeed>,
    pub rules: Vec<RuleSeed>,
    pub assignments: Vec<AssignmentSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySeed {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: Option<String>,
    /// The options are not confirmed against the law in force.
    pub unverified: bool,
    pub options: Vec<OptionSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSeed {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSeed {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub unit: Unit,
    pub category: Option<String>,
    pub reported_in: ReportedIn,
    pub legal_basis: String,
    pub unverified: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSeed {
    pub code: String,
    pub kind: RuleKind,
    pub left: String,
    pub right: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    pub unverified: bool,
}

/// Agencies that report indicators under a plan item: agency codes, or
/// `kind:<agency kind>` for every reporting agency of that kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSeed {
    pub plan_item: i32,
    pub agencies: Vec<String>,
    pub indicators: Vec<String>,
}

/// Plan 664's data set, checked: every indicator a rule or an assignment names is
/// defined, and every category an indicator names.
pub fn data_set_664() -> anyhow::Result<DataSetFile> {
    let file: DataSetFile = serde_json::from_str(DATA_SET_664)?;
    let known = |code: &String| file.indicators.iter().any(|i| i.code == *code);
    for r in &file.rules {
        anyhow::ensure!(
            known(&r.left),
            "rule {}: unknown indicator {}",
            r.code,
            r.left
        );
        if let Some(right) = &r.right {
            anyhow::ensure!(known(right), "rule {}: unknown indicator {right}", r.code);
        }
        anyhow::ensure!(
            (r.kind == RuleKind::AtMost) == r.right.is_some(),
            "rule {}: `at_most` compares two indicators, `breakdown_adds_up` one",
            r.code
        );
    }
    for a in &file.assignments {
        for i in &a.indicators {
            anyhow::ensure!(known(i), "item {}: unknown indicator {i}", a.plan_item);
        }
    }
    for i in &file.indicators {
        if let Some(c) = &i.category {
            anyhow::ensure!(
                file.categories.iter().any(|k| k.code == *c),
                "indicator {}: unknown category {c}",
                i.code
            );
        }
    }
    Ok(file)
}

/// A value as an agency sends it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueInput {
    /// The indicator's code (`GET /api/v1/indicators`).
    #[schema(example = "training.trainees")]
    pub indicator: String,
    /// One option of the indicator's category, e.g. `{"worker_group": "3"}`; absent
    /// for the indicator's total.
    pub breakdown: Option<BTreeMap<String, String>>,
    /// A whole number, zero or more (a true zero is reported, not left out); `null`
    /// leaves the indicator empty, as a draft proposes it: not stored, so the agency
    /// counts as not having reported it.
    #[schema(value_type = Option<f64>, example = 120, minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub value: Option<serde_json::Number>,
}

/// A value as stored with the report and read back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportedValue {
    pub indicator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<BTreeMap<String, String>>,
    pub value: i64,
}

impl ReportedValue {
    /// The option this value is for, if it is one.
    pub fn option(&self) -> Option<&str> {
        self.breakdown
            .as_ref()
            .and_then(|b| b.values().next())
            .map(String::as_str)
    }
}

/// A value a draft report proposes: the indicator, its breakdown option if any, and
/// the value filed so far (`null` when none was: the agency fills it in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DraftValue {
    #[schema(example = "training.trainees")]
    pub indicator: String,
    /// One option of the indicator's category, e.g. `{"worker_group": "3"}`; absent
    /// for the indicator's total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<BTreeMap<String, String>>,
    pub value: Option<i64>,
}

/// The values `agency`'s report for `period` is to carry, in form order: for each
/// indicator assigned to it under one of `items` (the plan items of the tasks it
/// holds) and carried in that period, its total and one entry per option of its
/// category; each with the value in `filed` if there is one, else empty.
pub fn draft_values(
    data_set: &DataSet,
    agency: &str,
    items: &[i32],
    period: Period,
    filed: &[ReportedValue],
) -> Result<Vec<DraftValue>, ApiError> {
    let mut out = Vec::new();
    for indicator in &data_set.indicators {
        let assigned = data_set.assignments.iter().any(|a| {
            a.indicator_code == indicator.code
                && a.agency_code == agency
                && items.contains(&a.plan_item)
        });
        let reported_in = parse_stored(
            "indicators",
            "reported_in",
            &indicator.reported_in,
            ReportedIn::parse,
        )?;
        if !assigned || !reported_in.covers(period) {
            continue;
        }
        let mut breakdowns = vec![None];
        if let Some(category) = &indicator.category_code {
            breakdowns.extend(
                data_set
                    .options
                    .iter()
                    .filter(|o| &o.category_code == category)
                    .map(|o| Some(BTreeMap::from([(category.clone(), o.code.clone())]))),
            );
        }
        for breakdown in breakdowns {
            let value = filed
                .iter()
                .find(|v| v.indicator == indicator.code && v.breakdown == breakdown)
                .map(|v| v.value);
            out.push(DraftValue {
                indicator: indicator.code.clone(),
                breakdown,
                value,
            });
        }
    }
    Ok(out)
}

/// The stored values of a report (the column, or an older snapshot without one).
pub fn parse_values(text: &str) -> serde_json::Result<Vec<ReportedValue>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(text)
}

fn error(pointer: String, code: &'static str, vi: &str, en: &str) -> FieldError {
    FieldError::body(pointer, code, Text::new(vi.to_owned(), en.to_owned()))
}

/// An indicator's total in one report: the value without breakdown, else the sum
/// of its options; `None` when the report says nothing of it.
pub fn total_of(values: &[ReportedValue], indicator: &str) -> Option<i64> {
    let mine = values.iter().filter(|v| v.indicator == indicator);
    match mine.clone().find(|v| v.breakdown.is_none()) {
        Some(total) => Some(total.value),
        None => mine.map(|v| v.value).reduce(|a, b| a.saturating_add(b)),
    }
}

/// The index of the value a rule on `indicator` points at: its total, else its
/// first option.
fn index_of(values: &[ReportedValue], indicator: &str) -> Option<usize> {
    values
        .iter()
        .position(|v| v.indicator == indicator && v.breakdown.is_none())
        .or_else(|| values.iter().position(|v| v.indicator == indicator))
}

/// Checks the values `agency` reports for `period` against the data set: known
/// indicators assigned to it and carried in that period, a known option of the
/// indicator's own category, whole numbers of zero or more, no value twice, then the
/// data set's rules. Pointers are into the request body (`/values/3/value`); 422
/// with every problem found.
pub fn check_values(
    data_set: Option<&DataSet>,
    agency: &str,
    period: Period,
    input: &[ValueInput],
) -> Result<Vec<ReportedValue>, ApiError> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, v) in input.iter().enumerate() {
        let at = |rest: &str| format!("/values/{i}/{rest}");
        let indicator = data_set.and_then(|d| d.indicators.iter().find(|x| x.code == v.indicator));
        let Some(indicator) = indicator else {
            errors.push(error(
                at("indicator"),
                "unknown_indicator",
                "Không có chỉ tiêu này trong bộ chỉ tiêu của kế hoạch.",
                "No such indicator in the plan's data set.",
            ));
            continue;
        };
        let assigned = data_set.is_some_and(|d| {
            d.assignments
                .iter()
                .any(|a| a.indicator_code == v.indicator && a.agency_code == agency)
        });
        if !assigned {
            errors.push(error(
                at("indicator"),
                "indicator_not_assigned",
                "Cơ quan này không được giao báo cáo chỉ tiêu này.",
                "This agency does not report this indicator.",
            ));
            continue;
        }
        let reported_in = parse_stored(
            "indicators",
            "reported_in",
            &indicator.reported_in,
            ReportedIn::parse,
        )?;
        if !reported_in.covers(period) {
            errors.push(error(
                at("indicator"),
                "indicator_not_in_period",
                "Chỉ tiêu này chỉ báo cáo trong báo cáo năm.",
                "This indicator is reported in the annual report only.",
            ));
            continue;
        }
        if let Some(breakdown) = &v.breakdown {
            let options = data_set.map(|d| d.options.as_slice()).unwrap_or_default();
            match (&indicator.category_code, breakdown.iter().next()) {
                (Some(category), Some((c, o))) if breakdown.len() == 1 && c == category => {
                    if !options
                        .iter()
                        .any(|x| x.category_code == *c && x.code == *o)
                    {
                        errors.push(error(
                            at(&format!("breakdown/{c}")),
                            "unknown_option",
                            "Không có lựa chọn này trong phân tổ của chỉ tiêu.",
                            "No such option in the indicator's breakdown.",
                        ));
                        continue;
                    }
                }
                _ => {
                    errors.push(error(at("breakdown"), "invalid_breakdown",
                        "Phân tổ phải là một lựa chọn của đúng phân tổ của chỉ tiêu (GET /api/v1/indicators).",
                        "A breakdown is one option of the indicator's own category (GET /api/v1/indicators)."));
                    continue;
                }
            }
        }
        // The contract bounds it (0 to 10 trillion, the largest amount in đồng);
        // whole numbers are this check's part.
        // Left empty: checked as far as it goes, not stored.
        let Some(number) = &v.value else {
            continue;
        };
        let value = match number.as_i64() {
            Some(n) if n >= 0 => n,
            _ if number.is_f64() => {
                errors.push(error(
                    at("value"),
                    "not_an_integer",
                    "Giá trị phải là số nguyên.",
                    "The value must be a whole number.",
                ));
                continue;
            }
            _ => {
                errors.push(error(
                    at("value"),
                    "out_of_range",
                    "Giá trị phải từ 0 đến 10 000 tỷ.",
                    "The value must lie between 0 and 10 trillion.",
                ));
                continue;
            }
        };
        let reported = ReportedValue {
            indicator: v.indicator.clone(),
            breakdown: v.breakdown.clone(),
            value,
        };
        if out.iter().any(|o: &(usize, ReportedValue)| {
            o.1.indicator == reported.indicator && o.1.breakdown == reported.breakdown
        }) {
            errors.push(error(
                format!("/values/{i}"),
                "duplicate_value",
                "Giá trị này đã được nêu ở trên.",
                "This value is given twice.",
            ));
            continue;
        }
        out.push((i, reported));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let indices: Vec<usize> = out.iter().map(|(i, _)| *i).collect();
    let values: Vec<ReportedValue> = out.into_iter().map(|(_, v)| v).collect();
    let rules = data_set.map(|d| d.rules.as_slice()).unwrap_or_default();
    for rule in rules {
        let broken = match parse_stored("indicator_rules", "kind", &rule.kind, RuleKind::parse)? {
            RuleKind::AtMost => {
                let right = rule
                    .right_indicator
                    .as_deref()
                    .and_then(|r| total_of(&values, r));
                matches!((total_of(&values, &rule.left_indicator), right), (Some(l), Some(r)) if l > r)
            }
            RuleKind::BreakdownAddsUp => {
                let mine = values.iter().filter(|v| v.indicator == rule.left_indicator);
                let total = mine
                    .clone()
                    .find(|v| v.breakdown.is_none())
                    .map(|v| v.value);
                let parts: Vec<i64> = mine
                    .filter(|v| v.breakdown.is_some())
                    .map(|v| v.value)
                    .collect();
                matches!(total, Some(t) if !parts.is_empty() && parts.iter().sum::<i64>() != t)
            }
        };
        if broken {
            let at = index_of(&values, &rule.left_indicator)
                .and_then(|k| indices.get(k))
                .copied()
                .unwrap_or_default();
            errors.push(FieldError::body(
                format!("/values/{at}/value"),
                "validation_rule_failed",
                Text::new(rule.name_vi.clone(), rule.name_en.clone()),
            ));
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// One indicator's sum across agencies for a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndicatorSum {
    /// `None` when no agency reported it.
    pub total: Option<i64>,
    /// By option code, over the agencies that gave the breakdown.
    pub by_option: BTreeMap<String, i64>,
    /// The agencies whose report carries the indicator, by code.
    pub reported_by: Vec<String>,
}

/// Adds up `indicator` over the agencies' values (one report each).
pub fn sum(reports: &[(String, Vec<ReportedValue>)], indicator: &str) -> IndicatorSum {
    let mut out = IndicatorSum::default();
    for (agency, values) in reports {
        let Some(total) = total_of(values, indicator) else {
            continue;
        };
        out.total = Some(out.total.unwrap_or(0).saturating_add(total));
        for v in values.iter().filter(|v| v.indicator == indicator) {
            if let Some(option) = v.option() {
                let cell = out.by_option.entry(option.to_owned()).or_insert(0);
                *cell = cell.saturating_add(v.value);
            }
        }
        out.reported_by.push(agency.clone());
    }
    out.reported_by.sort();
    out
}
