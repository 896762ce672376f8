//! The Phụ lục XIII quick report of each grave accident: prepared as a draft in the
//! transaction that declares the case or makes it grave, and revised (never
//! overwritten) in the transaction of any later change that alters what it says.

use chrono::NaiveDateTime;
use shared::access::Scope;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection, parse_stored};
use shared::error::ApiError;

use crate::db::accidents as accidents_repo;
use crate::db::establishments as establishments_repo;
use crate::db::models::QuickReportRow;
use crate::db::quick_reports as repo;
use crate::domain::accident::{InvestigationLevel, Sector, Severity};
use crate::domain::quick_report::{
    self as form, QuickReport, QuickReportAccident, QuickReportCasualty, QuickReportCounts,
    QuickReportEmployer,
};
use crate::domain::statutory_report::{self as statutory, notes};
use crate::service::accidents::AccidentView;

/// Prepares the first draft of a grave case's report, or its next revision when the
/// case changed what the report says; nothing for a case that is not grave, or when
/// the report would read as it does. Runs inside the caller's write transaction.
pub fn keep_current(
    conn: &mut DbConnection,
    view: &AccidentView,
    reason: &str,
) -> Result<(), ApiError> {
    let a = &view.accident;
    if !statutory::needs_quick_report(a.requires_immediate_declaration) {
        return Ok(());
    }
    let content = serde_json::to_string(&prepare(conn, view)?).map_err(anyhow::Error::from)?;
    let latest = repo::latest(conn, &a.id)?;
    if latest.as_ref().is_some_and(|r| r.content == content) {
        return Ok(());
    }
    repo::insert(
        conn,
        &QuickReportRow {
            accident_id: a.id.clone(),
            revision: latest.map_or(1, |r| r.revision + 1),
            status: form::DRAFT.to_owned(),
            accident_version: a.version,
            prepared_at: a.updated_at,
            change_reason: reason.to_owned(),
            content,
        },
    )?;
    Ok(())
}

/// The report as the accident stands.
fn prepare(conn: &mut DbConnection, view: &AccidentView) -> Result<QuickReport, ApiError> {
    let a = &view.accident;
    let employer = match &a.establishment_id {
        Some(id) => {
            establishments_repo::find(conn, id, &Scope::All)?.map(|e| QuickReportEmployer {
                tax_code: e.tax_code,
                name: e.name,
                vsic_section: e.vsic_section,
                ownership_type: e.ownership_type,
                commune_code: e.commune_code,
            })
        }
        None => None,
    };
    let casualties = view
        .casualties
        .iter()
        .map(|c| {
            Ok(QuickReportCasualty {
                full_name: c.full_name.clone(),
                gender: c.gender.clone(),
                birth_year: c.birth_year,
                occupation_code: c.occupation_code.clone(),
                contract_type: c.contract_type.clone(),
                severity: parse_stored("casualties", "severity", &c.severity, Severity::parse)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let counted = crate::service::statistics::counters(&view.casualties)?;
    let utc = |t: NaiveDateTime| t.and_utc();
    let (title, title_en) = form::TITLE;
    Ok(QuickReport {
        annex: form::ANNEX.to_owned(),
        title: title.to_owned(),
        title_en: title_en.to_owned(),
        legal_source: statutory::QUICK_REPORT_SOURCE.to_owned(),
        issuing_body: statutory::ISSUING_BODY.0.to_owned(),
        recipient: statutory::QUICK_REPORT_RECIPIENT.to_owned(),
        accident: QuickReportAccident {
            sector: parse_stored("accidents", "sector", &a.sector, Sector::parse)?,
            occurred_at: utc(a.occurred_at),
            notified_at: utc(a.notified_at),
            commune_code: a.commune_code.clone(),
            place: a.place.clone(),
            description: a.description.clone(),
            cause_codes: a
                .cause_codes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            injury_factor_code: a.injury_factor_code.clone(),
            police_notified_at: a.police_notified_at.map(utc),
            investigation_level: parse_stored(
                "accidents",
                "investigation_level",
                &a.investigation_level,
                InvestigationLevel::parse,
            )?,
            investigation_deadline: utc(a.deadline_at),
        },
        employer,
        counts: QuickReportCounts {
            casualties: counted.casualties,
            fatal: counted.fatal,
            serious: counted.serious,
            female: counted.female,
        },
        casualties,
        unverified: notes(statutory::QUICK_REPORT_UNVERIFIED),
    })
}

/// A quick report as read: the revision asked for (else the newest) and the list of
/// all revisions, newest first.
pub struct QuickReportView {
    pub row: QuickReportRow,
    pub content: QuickReport,
    pub revisions: Vec<QuickReportRow>,
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "quick report",
    }
}

/// The quick report of an accident the caller may read (as it may read the accident);
/// the read is audited, as the report names the casualties.
pub async fn get(
    db: &Db,
    user: &AuthUser,
    accident_id: String,
    revision: Option<i64>,
) -> Result<QuickReportView, ApiError> {
    let visibility = crate::access::scope("get_accident_quick_report", user)?;
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            accidents_repo::find(conn, &accident_id, &visibility)?.ok_or(ApiError::NotFound {
                resource: "accident",
            })?;
            let revisions = repo::revisions(conn, &accident_id)?;
            let row = match revision {
                Some(n) => revisions.iter().find(|r| r.revision == n),
                None => revisions.first(),
            }
            .cloned()
            .ok_or_else(not_found)?;
            let content: QuickReport =
                serde_json::from_str(&row.content).map_err(anyhow::Error::from)?;
            let casualties =
                accidents_repo::casualties_of(conn, std::slice::from_ref(&accident_id))?;
            let ids: Vec<&str> = casualties.iter().map(|c| c.id.as_str()).collect();
            if !ids.is_empty() {
                shared::audit::record(conn, &user, "read", "casualty", &ids)?;
            }
            Ok::<_, ApiError>(QuickReportView {
                row,
                content,
                revisions,
            })
        })
    })
    .await
}
