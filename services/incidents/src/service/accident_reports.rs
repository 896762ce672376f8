//! Submitting periodic accident reports, reading them, and who has reported.

use shared::access::Scope;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Text};
use shared::filing::{self, Correction, Filed, Filing};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use shared::period::Period;
use shared::receipts::{self, Receipt};

use crate::access;
use crate::db::accident_reports as repo;
use crate::db::establishments as establishments_repo;
use crate::db::models::{AccidentReportRevisionRow, AccidentReportRow, EstablishmentRow};
use crate::domain::accident_report::{self as rules, Declared, ReportFigures, ReportKind};
use crate::domain::declaration::EmployerRef;
use crate::domain::establishment::check_commune;

pub const RECEIPT_KIND: &str = AccidentReportRow::RECEIPT_KIND;

/// A report as sent.
pub struct Submission {
    pub kind: ReportKind,
    pub period: String,
    pub establishment: Option<EmployerRef>,
    pub commune_code: Option<String>,
    pub nil_report: bool,
    pub workers_total: Option<u32>,
    pub workers_female: Option<u32>,
    pub figures: Option<ReportFigures>,
    pub change_reason: Option<String>,
}

/// A stored report with its latest receipt.
pub struct ReportView {
    pub report: AccidentReportRow,
    pub receipt: Option<Receipt>,
}

/// Makes the answer to store for replay; the route picks the status from [`Filed`].
pub type Render = fn(&ReportView, &[FieldError], Filed) -> Result<StoredResponse, ApiError>;

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "accident report",
    }
}

fn field(pointer: &str, code: &'static str, vi: &str, en: &str) -> FieldError {
    FieldError::body(pointer, code, Text::new(vi.to_owned(), en.to_owned()))
}

/// The checks of a report before any database work; its period when all pass.
fn check(submission: &Submission) -> Result<Period, ApiError> {
    let mut errors = Vec::new();
    let period = Period::parse(&submission.period).filter(|p| rules::is_reporting_period(*p));
    if period.is_none() {
        errors.push(field(
            "/period",
            "invalid_report_period",
            "Kỳ báo cáo là 6 tháng đầu năm (2025-H1) hoặc cả năm (2025).",
            "The reporting period is the first half (2025-H1) or the year (2025).",
        ));
    }
    match submission.kind {
        ReportKind::Employer => {
            if submission
                .establishment
                .as_ref()
                .is_none_or(|e| e.id.is_none() == e.tax_code.is_none())
            {
                errors.push(field(
                    "/establishment",
                    "establishment_required",
                    "Nêu cơ sở bằng id hoặc tax_code.",
                    "Name the establishment by id or tax_code.",
                ));
            }
            if submission.workers_total.is_none() {
                errors.push(field(
                    "/workers",
                    "workers_required",
                    "Báo cáo của cơ sở phải nêu tổng số lao động.",
                    "An employer report states its total workers.",
                ));
            }
        }
        ReportKind::Commune => match &submission.commune_code {
            Some(code) => {
                if let Err(mut e) = check_commune(code, shared::time::today()) {
                    e.location = shared::error::Location::Body("/commune_code".into());
                    errors.push(e);
                }
            }
            None => errors.push(field(
                "/commune_code",
                "commune_required",
                "Báo cáo của xã phải nêu mã xã.",
                "A commune report names its commune.",
            )),
        },
    }
    if submission.workers_female.unwrap_or(0) > submission.workers_total.unwrap_or(0) {
        errors.push(field(
            "/workers/female",
            "exceeds_total_headcount",
            "Số lao động nữ lớn hơn tổng số lao động.",
            "More women than workers.",
        ));
    }
    errors.extend(rules::validate(
        submission.nil_report,
        submission.figures.as_ref(),
    ));
    period
        .filter(|_| errors.is_empty())
        .ok_or_else(|| ApiError::validation(errors))
}

/// Submits (or resubmits, with a reason) a report.
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
    let access = access::check("submit_accident_report", user)?;
    access::may_submit_report(&access, submission.kind, submission.commune_code.as_deref())?;

    let period = check(&submission)?;

    let enterprise_scope = access.scope.tax_code().map(str::to_owned);
    let principal = user.principal();
    let figures_json = submission
        .figures
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::from)?;
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let establishment = match &submission.establishment {
                Some(e) if submission.kind == ReportKind::Employer => {
                    Some(resolve(conn, e, enterprise_scope.as_deref())?)
                }
                _ => None,
            };
            let (reporter, commune_code) = match &establishment {
                Some(e) => (e.id.clone(), e.commune_code.clone()),
                None => {
                    let code = submission.commune_code.clone().unwrap_or_default();
                    (code.clone(), code)
                }
            };
            let due = rules::due_date(submission.kind, period);
            let key = (
                submission.kind.as_str().to_owned(),
                period.to_string(),
                reporter.clone(),
            );
            let request = filing::Request {
                principal: &principal,
                body_sha256: &body_sha256,
                change_reason: submission.change_reason.as_deref(),
                correction: Correction::NeedsReason,
                receipt: !dry_run,
            };
            let stored = filing::file(conn, &key, &request, |next| AccidentReportRow {
                id: next.id,
                kind: submission.kind.as_str().to_owned(),
                period: period.to_string(),
                reporter,
                establishment_id: establishment.as_ref().map(|e| e.id.clone()),
                commune_code,
                nil_report: submission.nil_report,
                workers_total: submission.workers_total.map(i64::from),
                workers_female: submission.workers_female.map(i64::from),
                figures: figures_json.clone(),
                due_on: due,
                first_received_at: next.first_received_at,
                received_at: next.now,
                on_time: due.is_none_or(|d| rules::on_time(next.first_received_at, d)),
                submitted_by: principal.clone(),
                version: next.version,
            })?;
            let row = stored.row;
            let (from, to) = period.utc_bounds();
            let commune = (submission.kind == ReportKind::Commune).then_some(row.reporter.as_str());
            let (cases, casualties, fatal) =
                repo::declared_counts(conn, row.establishment_id.as_deref(), commune, from, to)?;
            let to_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
            let declared = Declared {
                cases: to_u32(cases),
                casualties: to_u32(casualties),
                fatal: to_u32(fatal),
            };
            let warnings = rules::compare_with_declarations(
                submission.nil_report,
                submission.figures.as_ref(),
                declared,
            );
            render(
                &ReportView {
                    report: row,
                    receipt: stored.receipt,
                },
                &warnings,
                stored.filed,
            )
        })
    })
    .await
}

fn resolve(
    conn: &mut DbConnection,
    e: &EmployerRef,
    own_tax_code: Option<&str>,
) -> Result<EstablishmentRow, ApiError> {
    let visibility = own_tax_code.map_or(Scope::All, |t| Scope::TaxCode(t.to_owned()));
    let found = match (&e.id, &e.tax_code) {
        (Some(id), _) => establishments_repo::find(conn, id, &visibility)?,
        (None, Some(tax)) => {
            let normalised = shared::validate::parse_tax_code(tax)
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default();
            establishments_repo::find_by_tax_code(conn, &normalised, &visibility)?
        }
        (None, None) => None,
    };
    found.ok_or_else(|| {
        ApiError::field(
            "/establishment",
            "unknown_establishment",
            Text::new(
                "Không tìm thấy cơ sở này trong danh sách cơ sở.",
                "No such establishment in the registry.",
            ),
        )
    })
}

fn latest_receipt(conn: &mut DbConnection, id: &str) -> Result<Option<Receipt>, ApiError> {
    Ok(receipts::for_subject(conn, RECEIPT_KIND, id)?.pop())
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<ReportView, ApiError> {
    let visibility = access::scope("get_accident_report", user)?;
    db.run(move |conn| {
        let report = repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        let receipt = latest_receipt(conn, &report.id)?;
        Ok::<_, ApiError>(ReportView { report, receipt })
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    period: Option<String>,
    kind: Option<String>,
    page: Page,
) -> Result<Paged<AccidentReportRow>, ApiError> {
    let visibility = access::scope("list_accident_reports", user)?;
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let (period, kind) = (period.as_deref(), kind.as_deref());
            let total = fetch.total(|| repo::count(conn, &visibility, period, kind))?;
            let rows = repo::list(
                conn,
                &visibility,
                period,
                kind,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            Ok::<_, ApiError>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}

pub async fn revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<AccidentReportRevisionRow>, ApiError> {
    let visibility = access::scope("list_accident_report_revisions", user)?;
    db.run(move |conn| {
        repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(repo::revisions(conn, &id)?)
    })
    .await
}

/// Where one expected reporter stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    OnTime,
    Late,
    /// Due and not received.
    Missing,
    /// Not received, not yet due.
    NotYetDue,
}

pub struct ComplianceEntry {
    pub reporter: String,
    pub name: String,
    pub commune_code: String,
    pub status: FilingStatus,
    pub nil_report: Option<bool>,
    pub received_at: Option<chrono::NaiveDateTime>,
    pub report_id: Option<String>,
}

/// For every expected reporter of a period: received on time, late, missing or not yet due.
pub async fn compliance(
    db: &Db,
    user: &AuthUser,
    period: Period,
    kind: ReportKind,
) -> Result<(Option<chrono::NaiveDate>, Vec<ComplianceEntry>), ApiError> {
    access::check("get_report_compliance", user)?;
    if !rules::is_reporting_period(period) {
        return Err(ApiError::bad_parameter(
            "period",
            "invalid_report_period",
            Text::new(
                "Kỳ báo cáo là 6 tháng đầu năm hoặc cả năm.",
                "The reporting period is the first half or the year.",
            ),
        ));
    }
    let due = rules::due_date(kind, period);
    let today = shared::time::today();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let reports = repo::all_for_period(conn, &period.to_string(), kind.as_str())?;
            let expected: Vec<(String, String, String)> = match kind {
                ReportKind::Employer => establishments_repo::all(conn)?
                    .into_iter()
                    .map(|e| (e.id, e.name, e.commune_code))
                    .collect(),
                ReportKind::Commune => shared::refdata::admin_units_in_force(today)
                    .map(|u| (u.code.clone(), u.name.clone(), u.code.clone()))
                    .collect(),
            };
            let entries = expected
                .into_iter()
                .map(|(reporter, name, commune_code)| {
                    let report = reports.iter().find(|r| r.reporter == reporter);
                    let status = match report {
                        Some(r) if r.on_time => FilingStatus::OnTime,
                        Some(_) => FilingStatus::Late,
                        None if due.is_some_and(|d| today >= d) => FilingStatus::Missing,
                        None => FilingStatus::NotYetDue,
                    };
                    ComplianceEntry {
                        reporter,
                        name,
                        commune_code,
                        status,
                        nil_report: report.map(|r| r.nil_report),
                        received_at: report.map(|r| r.first_received_at),
                        report_id: report.map(|r| r.id.clone()),
                    }
                })
                .collect();
            Ok::<_, ApiError>((due, entries))
        })
    })
    .await
}
