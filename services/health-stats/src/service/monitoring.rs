//! Filing work-environment monitoring reports, reading them, and the monitoring
//! statistics from the counters kept in step with every filing.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use shared::access::Scope;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Text};
use shared::figures::{self, Completeness, Indicator, Trend};
use shared::filing::{self, Correction, Filed, Filing};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use shared::period::Period;
use shared::receipts::{self, Receipt};

use crate::db::establishments::{self as establishments_repo, EstablishmentRow};
use crate::db::monitoring::{
    self as repo, Filter, MonitoringReportRow, MonitoringRevisionRow, Years,
};
use crate::domain::establishment::{
    self as establishment_rules, EstablishmentFacts, ValidEstablishment,
};
use crate::domain::monitoring::{
    self as rules, Counters, FactorGroup, FactorSamples, GroupBy, ReportFacts,
};

pub const RECEIPT_KIND: &str = MonitoringReportRow::RECEIPT_KIND;

/// The monitoring organisation (tổ chức quan trắc môi trường lao động).
pub struct Organisation {
    pub name: String,
    /// The number under which it published its eligibility (số công bố đủ điều kiện).
    pub licence_number: String,
}

/// A report as sent.
pub struct Submission {
    pub organisation: Organisation,
    pub establishment: EstablishmentFacts,
    pub monitored_on: NaiveDate,
    pub has_harmful_factors: bool,
    pub factors: Vec<FactorSamples>,
    pub change_reason: Option<String>,
}

/// A stored report with its latest receipt.
pub struct ReportView {
    pub report: MonitoringReportRow,
    pub receipt: Option<Receipt>,
}

/// Makes the answer to store for replay; the route picks the status from [`Filed`].
pub type Render = fn(&ReportView, &[FieldError], Filed) -> Result<StoredResponse, ApiError>;

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "monitoring report",
    }
}

fn field(pointer: &str, code: &'static str, vi: &'static str, en: &'static str) -> FieldError {
    FieldError::body(pointer, code, Text::new(vi, en))
}

fn text_rule(value: &str, pointer: &str, code: &'static str, errors: &mut Vec<FieldError>) {
    let n = value.trim().chars().count();
    if n == 0 || n > 255 {
        errors.push(field(
            pointer,
            code,
            "Không được để trống (tối đa 255 ký tự).",
            "Required, at most 255 characters.",
        ));
    }
}

fn to_i64(n: u32) -> i64 {
    i64::from(n)
}

/// What the statistics need of a stored report.
fn facts(row: &MonitoringReportRow) -> Result<ReportFacts, ApiError> {
    let factors: Vec<FactorSamples> =
        serde_json::from_str(&row.factors).map_err(anyhow::Error::from)?;
    Ok(ReportFacts {
        id: row.id.clone(),
        year: row.monitoring_year,
        monitored_on: row.monitored_on,
        has_harmful_factors: row.has_harmful_factors,
        commune_code: row.commune_code.clone(),
        vsic_section: row.vsic_section.clone(),
        ownership_type: row.ownership_type.clone(),
        factors: factors
            .iter()
            .map(|f| {
                (
                    f.factor,
                    to_i64(f.samples_taken),
                    to_i64(f.samples_over_limit),
                )
            })
            .collect(),
    })
}

fn contribution(rows: &[MonitoringReportRow]) -> Result<Vec<(rules::StatKey, Counters)>, ApiError> {
    let facts = rows.iter().map(facts).collect::<Result<Vec<_>, _>>()?;
    Ok(rules::contributions(&facts))
}

/// The checks of a report before any database work; its establishment when all pass.
fn check(submission: &Submission, scope: &Scope) -> Result<ValidEstablishment, ApiError> {
    let any_establishment = scope.is_all();
    let mut errors = Vec::new();
    let establishment =
        establishment_rules::validate(&submission.establishment, "/establishment", &mut errors);
    if let Some(e) = &establishment
        && !any_establishment
        && !scope.allows_tax_code(&e.tax_code)
    {
        // The body names another employer: a rule broken in the request, not a
        // record found or hidden, so 422 and no hint of whether it is known.
        errors.push(field(
            "/establishment/tax_code",
            "not_own_establishment",
            "Doanh nghiệp chỉ nộp báo cáo quan trắc cho chính mình (mã số thuế trong tài khoản).",
            "An enterprise files monitoring reports only for its own tax code.",
        ));
    }
    text_rule(
        &submission.organisation.name,
        "/organisation/name",
        "invalid_name",
        &mut errors,
    );
    text_rule(
        &submission.organisation.licence_number,
        "/organisation/licence_number",
        "invalid_licence_number",
        &mut errors,
    );
    let today = shared::time::today();
    if submission.monitored_on > today {
        errors.push(field(
            "/monitored_on",
            "date_in_future",
            "Ngày quan trắc không được sau ngày hôm nay.",
            "The monitoring date cannot be in the future.",
        ));
    }
    if submission.monitored_on.year() < 2000 {
        errors.push(field(
            "/monitored_on",
            "date_too_early",
            "Ngày quan trắc phải từ năm 2000 trở đi.",
            "The monitoring date must be in 2000 or later.",
        ));
    }
    rules::validate(&submission.factors, &mut errors);
    establishment
        .filter(|_| errors.is_empty())
        .ok_or_else(|| ApiError::validation(errors))
}

/// Files a report, or a corrected version of one (same establishment, organisation
/// and day, with a reason), keeping the statistics counters in step.
#[tracing::instrument(skip_all)]
pub async fn submit(
    db: &Db,
    user: &AuthUser,
    submission: Submission,
    body_sha256: String,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    let scope = super::access::scope("submit_monitoring_report", user)?;

    let establishment = check(&submission, &scope)?;
    let mut warnings = rules::compare_with_limits(&rules::LIMITS, &submission.factors);
    warnings.extend(rules::check_declaration(
        submission.has_harmful_factors,
        &submission.factors,
    ));

    let principal = user.principal();
    let factors_json = serde_json::to_string(&submission.factors).map_err(anyhow::Error::from)?;
    let taken: i64 = submission
        .factors
        .iter()
        .map(|f| to_i64(f.samples_taken))
        .sum();
    let over: i64 = submission
        .factors
        .iter()
        .map(|f| to_i64(f.samples_over_limit))
        .sum();
    let licence = submission.organisation.licence_number.trim().to_owned();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let now = shared::db::now();
            establishments_repo::upsert(
                conn,
                &EstablishmentRow {
                    tax_code: establishment.tax_code.clone(),
                    name: establishment.name.clone(),
                    commune_code: establishment.commune_code.clone(),
                    vsic_section: establishment.vsic_section.clone(),
                    ownership_type: establishment.ownership_type.clone(),
                    updated_at: now,
                },
            )?;
            // The upsert locks the establishment's row until commit (PostgreSQL), so two
            // filings for one establishment never compute their "before" from the same
            // state and count it twice; SQLite serialises writes anyway.
            let before = contribution(&repo::for_establishment(conn, &establishment.tax_code)?)?;
            let key = (
                establishment.tax_code.clone(),
                licence.clone(),
                submission.monitored_on,
            );
            let request = filing::Request {
                principal: &principal,
                body_sha256: &body_sha256,
                change_reason: submission.change_reason.as_deref(),
                correction: Correction::NeedsReason,
                receipt: !dry_run,
            };
            let stored = filing::file(conn, &key, &request, |next| MonitoringReportRow {
                id: next.id,
                tax_code: establishment.tax_code.clone(),
                establishment_name: establishment.name.clone(),
                commune_code: establishment.commune_code.clone(),
                vsic_code: submission.establishment.vsic_code.clone(),
                vsic_section: establishment.vsic_section.clone(),
                ownership_type: establishment.ownership_type.clone(),
                organisation_name: submission.organisation.name.trim().to_owned(),
                organisation_licence: licence.clone(),
                monitored_on: submission.monitored_on,
                monitoring_year: i64::from(submission.monitored_on.year()),
                has_harmful_factors: submission.has_harmful_factors,
                factors: factors_json.clone(),
                samples_taken: taken,
                samples_over_limit: over,
                first_received_at: next.first_received_at,
                received_at: next.now,
                submitted_by: principal.clone(),
                version: next.version,
            })?;
            let after = contribution(&repo::for_establishment(conn, &establishment.tax_code)?)?;
            repo::apply(conn, shared::time::today(), &rules::delta(&before, &after))?;
            render(
                &ReportView {
                    report: stored.row,
                    receipt: stored.receipt,
                },
                &warnings,
                stored.filed,
            )
        })
    })
    .await
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<ReportView, ApiError> {
    let visibility = super::access::scope("get_monitoring_report", user)?;
    db.run(move |conn| {
        let report = repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        let receipt = receipts::for_subject(conn, RECEIPT_KIND, &report.id)?.pop();
        Ok::<_, ApiError>(ReportView { report, receipt })
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    filter: Filter,
    page: Page,
) -> Result<Paged<MonitoringReportRow>, ApiError> {
    let visibility = super::access::scope("list_monitoring_reports", user)?;
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let total = fetch.total(|| repo::count(conn, &visibility, &filter))?;
            let rows = repo::list(
                conn,
                &visibility,
                &filter,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            Ok::<_, diesel::result::Error>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}

pub async fn revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<MonitoringRevisionRow>, ApiError> {
    let visibility = super::access::scope("list_monitoring_report_revisions", user)?;
    db.run(move |conn| {
        repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(repo::revisions(conn, &id)?)
    })
    .await
}

/// The figures of one group: the yearly counters, and the establishments known to
/// have harmful factors (`None` for factor groups, where it means nothing).
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupFigures {
    pub year: Counters,
    pub harmful_known: Option<i64>,
}

/// What a row of the statistics shows: nothing of a hidden cell, and the rates.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownFigures {
    pub suppressed: bool,
    pub establishments_monitored: Option<i64>,
    pub establishments_with_harmful_factors: Option<i64>,
    /// Monitored / known to have harmful factors, in percent.
    pub monitored_percent: Option<f64>,
    pub establishments_reporting: Option<i64>,
    pub establishments_with_exceedance: Option<i64>,
    pub reports: Option<i64>,
    pub samples_taken: Option<i64>,
    pub samples_over_limit: Option<i64>,
    /// Over the limit / taken, in percent.
    pub samples_over_limit_percent: Option<f64>,
}

impl GroupFigures {
    /// The figures as shown, with a small cell hidden if `suppress`.
    pub fn shown(&self, suppress: bool) -> ShownFigures {
        let c = &self.year;
        let hidden = self.hidden(suppress);
        let show = |n: i64| (!hidden).then_some(n);
        let harmful = self.harmful_known.filter(|_| !hidden);
        ShownFigures {
            suppressed: hidden,
            establishments_monitored: show(c.establishments_monitored),
            establishments_with_harmful_factors: harmful,
            monitored_percent: harmful
                .and_then(|h| figures::percent(c.establishments_monitored, h)),
            establishments_reporting: show(c.establishments_reporting),
            establishments_with_exceedance: show(c.establishments_with_exceedance),
            reports: show(c.reports),
            samples_taken: show(c.samples_taken),
            samples_over_limit: show(c.samples_over_limit),
            samples_over_limit_percent: (!hidden)
                .then(|| figures::percent(c.samples_over_limit, c.samples_taken))
                .flatten(),
        }
    }

    /// Whether a `viewer` (`suppress`) must not see this cell: it counts 1 to 4
    /// establishments, reporting or known to have harmful factors.
    pub fn hidden(&self, suppress: bool) -> bool {
        suppress
            && (figures::is_small(self.year.establishments_reporting)
                || self.harmful_known.is_some_and(figures::is_small))
    }
}

pub struct Statistics {
    pub rows: BTreeMap<String, GroupFigures>,
    pub total: GroupFigures,
    pub previous_total: GroupFigures,
    /// Whether the caller sees small cells suppressed.
    pub suppress: bool,
    pub completeness: Completeness,
    /// Monitored establishments against the plan's +5 %/year.
    pub monitored_trend: Trend,
}

pub struct Query {
    pub year: i64,
    pub group_by: Option<GroupBy>,
    pub as_of: Option<NaiveDate>,
}

fn figures(
    conn: &mut DbConnection,
    dim_kind: &str,
    year: i64,
    as_of: Option<NaiveDate>,
) -> Result<BTreeMap<String, GroupFigures>, ApiError> {
    let mut out: BTreeMap<String, GroupFigures> =
        repo::sums(conn, dim_kind, Years::Only(year), as_of)?
            .into_iter()
            .map(|(k, c)| {
                (
                    k,
                    GroupFigures {
                        year: c,
                        harmful_known: None,
                    },
                )
            })
            .collect();
    if dim_kind != GroupBy::Factor.dim_kind() {
        for (key, c) in repo::sums(conn, dim_kind, Years::UpTo(year), as_of)? {
            if c.harmful_known != 0 || out.contains_key(&key) {
                out.entry(key).or_default().harmful_known = Some(c.harmful_known);
            }
        }
        for f in out.values_mut() {
            f.harmful_known.get_or_insert(0);
        }
    }
    Ok(out)
}

pub async fn statistics(db: &Db, user: &AuthUser, query: Query) -> Result<Statistics, ApiError> {
    let suppress = super::access::small_cells_hidden("get_monitoring_statistics", user)?;
    db.run(move |conn| {
        let total = figures(conn, rules::TOTAL, query.year, query.as_of)?
            .remove(rules::TOTAL)
            .unwrap_or(GroupFigures {
                year: Counters::default(),
                harmful_known: Some(0),
            });
        let previous_total = figures(conn, rules::TOTAL, query.year - 1, query.as_of)?
            .remove(rules::TOTAL)
            .unwrap_or_default();
        let rows = match query.group_by {
            Some(g) => figures(conn, g.dim_kind(), query.year, query.as_of)?,
            None => BTreeMap::new(),
        };
        let period = Period::Year(i32::try_from(query.year).unwrap_or_default());
        let completeness = figures::completeness(period, shared::time::today(), query.as_of);
        // A hidden cell has no value to compare.
        let value = |f: &GroupFigures| {
            (!f.hidden(suppress)).then(|| figures::count(f.year.establishments_monitored))
        };
        let monitored_trend = figures::trend(
            Indicator::MonitoredEstablishments,
            period,
            value(&previous_total),
            value(&total),
            completeness,
        );
        Ok::<_, ApiError>(Statistics {
            rows,
            total,
            previous_total,
            suppress,
            completeness,
            monitored_trend,
        })
    })
    .await
}

/// The label of a factor group key.
pub fn factor_label(key: &str) -> shared::code_lists::Label {
    use shared::code_lists::Label;
    match FactorGroup::parse(key) {
        Some(f) => Label::new(f.name_vi(), f.name_en()),
        None if key == rules::UNKNOWN => Label::unknown(),
        None => Label::not_listed(key),
    }
}
