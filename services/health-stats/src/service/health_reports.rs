//! Filing health-exam reports and reading them.

use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Text};
use shared::filing::{self as engine, Filing as _};
pub use shared::filing::{Correction, Filed};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use shared::period::Period;
use shared::receipts::{self, Receipt};

use super::access;
use crate::db::establishments::{self as establishments_repo, EstablishmentRow};
use crate::db::models::HealthReportRow;
use crate::db::{health_reports as repo, health_statistics as stats_repo};
use crate::domain::establishment::{self, EstablishmentFacts, ValidEstablishment};
use crate::domain::health_report::{self as rules, HealthFigures};
use crate::domain::health_statistics::{self as stats, Dims};

pub const RECEIPT_KIND: &str = HealthReportRow::RECEIPT_KIND;

/// Its schema is the import row's contract: the same members, so the same limits as
/// the route's `SubmitHealthReportRequest` (`shared::limits`).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub period: String,
    pub establishment: EstablishmentFacts,
    #[serde(default)]
    pub nil_report: bool,
    pub figures: Option<HealthFigures>,
    pub change_reason: Option<String>,
}

pub struct ReportView {
    pub report: HealthReportRow,
    pub receipt: Option<Receipt>,
}

/// Makes the answer to store for replay; the route picks the status from [`Filed`].
pub type Render = fn(&ReportView, Filed) -> Result<StoredResponse, ApiError>;

fn figures_of(row: &HealthReportRow) -> Option<HealthFigures> {
    row.figures
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
}

/// What a report adds to the statistics counters.
pub(crate) fn contributions(row: &HealthReportRow) -> Vec<(stats::StatKey, stats::Counters)> {
    let dims = Dims {
        commune: row.commune_code.as_deref(),
        vsic_section: row.vsic_section.as_deref(),
        ownership_type: row.ownership_type.as_deref(),
    };
    stats::report_contributions(&row.period, &dims, figures_of(row).as_ref())
}

/// A report that passed every check, ready to file.
pub struct Filing {
    period: Period,
    establishment: ValidEstablishment,
    nil_report: bool,
    figures_json: Option<String>,
    change_reason: Option<String>,
}

impl Filing {
    pub fn tax_code(&self) -> &str {
        &self.establishment.tax_code
    }

    /// The report's key: `(tax_code, period)`.
    pub fn key(&self) -> (String, String) {
        (self.establishment.tax_code.clone(), self.period.to_string())
    }

    pub fn change_reason(&self) -> Option<&str> {
        self.change_reason.as_deref()
    }

    /// The establishment as the report describes it.
    pub fn establishment_row(&self, now: chrono::NaiveDateTime) -> EstablishmentRow {
        let establishment = &self.establishment;
        EstablishmentRow {
            tax_code: establishment.tax_code.clone(),
            name: establishment.name.clone(),
            commune_code: establishment.commune_code.clone(),
            vsic_section: establishment.vsic_section.clone(),
            ownership_type: establishment.ownership_type.clone(),
            updated_at: now,
        }
    }

    /// The stored row of this filing, as the version `next` describes.
    pub fn row(&self, principal: &str, next: engine::Next<'_, HealthReportRow>) -> HealthReportRow {
        let establishment = &self.establishment;
        let due = rules::due_date(self.period);
        HealthReportRow {
            id: next.id,
            period: self.period.to_string(),
            tax_code: establishment.tax_code.clone(),
            commune_code: establishment.commune_code.clone(),
            vsic_section: establishment.vsic_section.clone(),
            ownership_type: establishment.ownership_type.clone(),
            nil_report: self.nil_report,
            figures: self.figures_json.clone(),
            due_on: due,
            first_received_at: next.first_received_at,
            received_at: next.now,
            on_time: due.is_none_or(|d| shared::calendar::on_time(next.first_received_at, d)),
            submitted_by: principal.to_owned(),
            version: next.version,
        }
    }
}

/// The checks of a report, before any database work.
pub fn check(submission: Submission) -> Result<Filing, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let period =
        Period::parse(&submission.period).filter(|p| shared::calendar::is_reporting_period(*p));
    if period.is_none() {
        errors.push(FieldError::body(
            "/period",
            "invalid_report_period",
            Text::new(
                "Kỳ báo cáo là 6 tháng đầu năm (2025-H1) hoặc cả năm (2025).",
                "The reporting period is the first half (2025-H1) or the year (2025).",
            ),
        ));
    }
    let establishment =
        establishment::validate(&submission.establishment, "/establishment", &mut errors);
    errors.extend(rules::validate(
        submission.nil_report,
        submission.figures.as_ref(),
    ));
    let figures_json = submission
        .figures
        .as_ref()
        .and_then(|f| serde_json::to_string(f).ok());
    match (period, establishment) {
        (Some(period), Some(establishment)) if errors.is_empty() => Ok(Filing {
            period,
            establishment,
            nil_report: submission.nil_report,
            figures_json,
            change_reason: submission.change_reason,
        }),
        _ => Err(errors),
    }
}

/// Files a checked report in the caller's transaction, with its revision, the
/// statistics counters and (unless `receipt` is false) a filing receipt.
pub fn file(
    conn: &mut DbConnection,
    principal: &str,
    filing: &Filing,
    body_sha256: &str,
    receipt: bool,
    correction: Correction<'_>,
) -> Result<(ReportView, Filed), ApiError> {
    establishments_repo::upsert(conn, &filing.establishment_row(shared::db::now()))?;
    let request = engine::Request {
        principal,
        body_sha256,
        change_reason: filing.change_reason.as_deref(),
        correction,
        receipt,
    };
    let stored = engine::file(conn, &filing.key(), &request, |next| {
        filing.row(principal, next)
    })?;
    if stored.filed != Filed::Unchanged {
        let before = stored
            .previous
            .as_ref()
            .map(contributions)
            .unwrap_or_default();
        stats_repo::apply(
            conn,
            shared::time::today(),
            &stats::delta(&before, &contributions(&stored.row)),
        )?;
    }
    Ok((
        ReportView {
            report: stored.row,
            receipt: stored.receipt,
        },
        stored.filed,
    ))
}

/// Files a report, or a corrected version of one (with a reason).
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
    let scope = access::scope("submit_health_exam_report", user)?;
    let filing = check(submission).map_err(ApiError::validation)?;
    if !scope.allows_tax_code(filing.tax_code()) {
        return Err(ApiError::Forbidden);
    }
    let principal = user.principal();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let (view, filed) = file(
                conn,
                &principal,
                &filing,
                &body_sha256,
                !dry_run,
                Correction::NeedsReason,
            )?;
            render(&view, filed)
        })
    })
    .await
}

fn latest_receipt(conn: &mut DbConnection, id: &str) -> Result<Option<Receipt>, ApiError> {
    Ok(receipts::for_subject(conn, RECEIPT_KIND, id)?.pop())
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<ReportView, ApiError> {
    let scope = access::scope("get_health_exam_report", user)?;
    db.run(move |conn| {
        let report = repo::find(conn, &id, scope.tax_code())?.ok_or(ApiError::NotFound {
            resource: "health exam report",
        })?;
        let receipt = latest_receipt(conn, &report.id)?;
        Ok::<_, ApiError>(ReportView { report, receipt })
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    period: Option<String>,
    page: Page,
) -> Result<Paged<HealthReportRow>, ApiError> {
    let scope = access::scope("list_health_exam_reports", user)?;
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let total = fetch.total(|| repo::count(conn, scope.tax_code(), period.as_deref()))?;
            let rows = repo::list(
                conn,
                scope.tax_code(),
                period.as_deref(),
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            Ok::<_, diesel::result::Error>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}
