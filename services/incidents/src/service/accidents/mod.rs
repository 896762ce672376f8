//! Declaring accidents, reading them, and moving them through investigation: the
//! use-cases by concern in the submodules, the machinery they share (the view, the
//! derived values, the counters, the revision and the change transaction) here.

mod correct;
mod declare;
mod investigate;
mod reads;
mod status;

pub use correct::{Correction, correct};
pub use declare::declare;
pub use investigate::save_investigation;
pub use reads::{Listed, get, get_investigation, list, revisions};
pub use status::{SeverityRaise, raise_severity, transition};

use chrono::{DateTime, Utc};
use shared::access::{Access, Scope};
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection, parse_stored};
use shared::error::{ApiError, FieldError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use shared::receipts::{self, Receipt};
use uuid::Uuid;

use crate::access;
use crate::db::accidents::{self as repo, Filter};
use crate::db::establishments as establishments_repo;
use crate::db::models::{
    AccidentRevisionRow, AccidentRow, CasualtyRow, InvestigationRow, SeverityChangeRow,
};
use crate::db::statistics as stats_repo;
use crate::domain::accident::{
    self as rules, DeadlineRules, InvestigationLevel, Sector, Severity, Status,
};
use crate::domain::declaration::{
    self, AccidentDeclaration, CasualtyDeclaration, Costs, EmployerRef, Place,
};
use crate::domain::identity::{IdType, Identity, IdentityDocument};
use crate::domain::investigation::{self, InvestigationRecord};
use crate::domain::statistics::{self, Counters, StatKey};
use crate::service::Target;

/// An accident with everything a full read shows.
#[derive(Clone, Debug)]
pub struct AccidentView {
    pub accident: AccidentRow,
    pub casualties: Vec<CasualtyRow>,
    pub severity_changes: Vec<SeverityChangeRow>,
    pub investigation: Option<InvestigationRow>,
    /// The filing receipt of the declaration (none on a dry run).
    pub receipt: Option<Receipt>,
}

/// Renders a view (with the warnings of the write) into the stored response; `created`
/// is false when an earlier declaration with the same `external_ref` is answered again.
pub type Render = fn(&AccidentView, &[FieldError], bool) -> Result<StoredResponse, ApiError>;

/// The kind of filing receipt a declaration gets.
pub const RECEIPT_KIND: &str = "accident_declaration";

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "accident",
    }
}

/// Every read or write of casualties' personal data leaves an audit entry (no values).
fn audit(
    conn: &mut DbConnection,
    user: &AuthUser,
    action: &str,
    casualties: &[CasualtyRow],
) -> Result<(), ApiError> {
    if casualties.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = casualties.iter().map(|c| c.id.as_str()).collect();
    shared::audit::record(conn, user, action, "casualty", &ids)
}

/// Keeps the statistics counters in step with a write, in the same transaction.
fn count(
    conn: &mut DbConnection,
    before: &[(StatKey, Counters)],
    view: &AccidentView,
) -> Result<(), ApiError> {
    let after = crate::service::statistics::contributions(&view.accident, &view.casualties)?;
    stats_repo::apply(
        conn,
        shared::time::today(),
        &statistics::delta(before, &after),
    )?;
    Ok(())
}

/// Recomputes everything that follows from the casualties and the extension.
fn derive(row: &mut AccidentRow, casualties: &[CasualtyRow]) -> Result<(), ApiError> {
    let sector = parse_stored("accidents", "sector", &row.sector, Sector::parse)?;
    let severities = casualties
        .iter()
        .map(|c| parse_stored("casualties", "severity", &c.severity, Severity::parse))
        .collect::<Result<Vec<_>, _>>()?;
    let c = rules::classify(
        sector,
        &severities,
        row.needs_examination,
        &DeadlineRules::default(),
    );
    row.case_severity = c.case_severity.as_str().to_owned();
    row.requires_immediate_declaration = c.requires_immediate_declaration;
    row.requires_police_notice = c.requires_police_notice;
    row.investigation_level = c.investigation_level.as_str().to_owned();
    row.investigation_days = c.investigation_days;
    row.deadline_at = rules::deadline(
        row.notified_at.and_utc(),
        c.investigation_days,
        row.extension_days,
    )
    .naive_utc();
    Ok(())
}

/// The investigation level the case has now (derived from its casualties).
fn case_level(accident: &AccidentRow) -> Result<InvestigationLevel, ApiError> {
    parse_stored(
        "accidents",
        "investigation_level",
        &accident.investigation_level,
        InvestigationLevel::parse,
    )
}

fn utc(t: chrono::DateTime<chrono::FixedOffset>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    t.to_utc().naive_utc().trunc_subsecs(6)
}

/// The unit enum variant serde names `text`.
fn from_plain<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// The snake_case name serde gives a unit enum variant.
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn record_revision(
    conn: &mut DbConnection,
    view: &AccidentView,
    by: &str,
    reason: &str,
) -> Result<(), ApiError> {
    // The snapshot holds the accident and its casualties' severities, not their identities.
    let snapshot = serde_json::json!({
        "accident": view.accident,
        "casualty_severities": view.casualties.iter().map(|c| (&c.id, &c.severity)).collect::<Vec<_>>(),
    });
    repo::insert_revision(
        conn,
        &AccidentRevisionRow {
            accident_id: view.accident.id.clone(),
            version: view.accident.version,
            changed_at: view.accident.updated_at,
            changed_by: by.to_owned(),
            change_reason: reason.to_owned(),
            snapshot: snapshot.to_string(),
        },
    )?;
    Ok(())
}

/// Announces a declaration to subscribers (tasks opens a follow-up task for grave
/// cases). No personal data leaves in the event: counts and clocks only.
fn publish_declared(conn: &mut DbConnection, view: &AccidentView) -> Result<(), ApiError> {
    publish_case(conn, view, "accident.declared")
}

/// The event a severity raise publishes when it makes a case grave (a death, or two
/// or more seriously injured) that was not grave before: the case now needs the
/// provincial investigation that a grave declaration would have started, so tasks
/// opens the same follow-up task. It has the data of `accident.declared`.
pub const ESCALATED: &str = "accident.escalated";

/// Publishes `event_type` with the case's counts and clocks (no personal data).
fn publish_case(
    conn: &mut DbConnection,
    view: &AccidentView,
    event_type: &str,
) -> Result<(), ApiError> {
    let a = &view.accident;
    let count = |s: Severity| {
        view.casualties
            .iter()
            .filter(|c| Severity::parse(&c.severity) == Some(s))
            .count()
    };
    shared::events::outbox::publish(
        conn,
        crate::SERVICE.name,
        event_type,
        &a.id,
        &serde_json::json!({
            "sector": a.sector,
            "establishment_tax_code": a.establishment_tax_code,
            "commune_code": a.commune_code,
            "occurred_at": a.occurred_at.and_utc(),
            "notified_at": a.notified_at.and_utc(),
            "case_severity": a.case_severity,
            "fatal": count(Severity::Fatal),
            "serious": count(Severity::Serious),
            "requires_immediate_declaration": a.requires_immediate_declaration,
            "investigation_level": a.investigation_level,
            "investigation_deadline": a.deadline_at.and_utc(),
        }),
    )?;
    Ok(())
}

fn load_view(conn: &mut DbConnection, accident: AccidentRow) -> Result<AccidentView, ApiError> {
    let casualties = repo::casualties_of(conn, std::slice::from_ref(&accident.id))?;
    let ids: Vec<String> = casualties.iter().map(|c| c.id.clone()).collect();
    let severity_changes = repo::severity_changes_of(conn, &ids)?;
    let investigation = repo::investigation(conn, &accident.id)?;
    let receipt = receipts::for_subject(conn, RECEIPT_KIND, &accident.id)?
        .into_iter()
        .next();
    Ok(AccidentView {
        accident,
        casualties,
        severity_changes,
        investigation,
        receipt,
    })
}

/// What a change of an accident does to the stored view, given what the caller was
/// granted; `Err` refuses it.
type Change =
    Box<dyn FnOnce(&mut AccidentView, &Access, &mut DbConnection) -> Result<(), ApiError> + Send>;

/// Applies `change` to the accident at `expected_version` in one transaction, bumps
/// the version, recomputes the derived values and keeps a revision.
async fn change(
    db: &Db,
    user: &AuthUser,
    target: Target,
    reason: String,
    change: Change,
    write: Write,
) -> Result<Outcome, ApiError> {
    let Target {
        operation,
        id,
        expected_version,
    } = target;
    let access = access::check(operation, user)?;
    let reason =
        shared::error::change_reason(&reason).map_err(|e| ApiError::validation(vec![e]))?;
    let user = user.clone();
    db.run(move |conn| {
        idempotency::execute_once(conn, write.idempotent.as_ref(), write.dry_run, |conn| {
            let accident = repo::find_for_write(conn, &id, &access.scope)?.ok_or_else(not_found)?;
            shared::versioning::check_version(expected_version, accident.version)?;
            let mut view = load_view(conn, accident)?;
            let before =
                crate::service::statistics::contributions(&view.accident, &view.casualties)?;
            change(&mut view, &access, conn)?;
            view.accident.version = expected_version + 1;
            view.accident.updated_at = shared::db::now();
            derive(&mut view.accident, &view.casualties)?;
            if !repo::update_if_version(conn, &view.accident, expected_version)? {
                return Err(ApiError::PreconditionFailed {
                    current_version: expected_version + 1,
                });
            }
            count(conn, &before, &view)?;
            record_revision(conn, &view, &user.principal(), &reason)?;
            // A case made grave gets its quick report; a grave one, the next revision
            // of it when the change alters what it says.
            crate::service::quick_reports::keep_current(conn, &view, &reason)?;
            audit(conn, &user, "update", &view.casualties)?;
            (write.render)(&view)
        })
    })
    .await
}

/// How a change is written: under an idempotency key or not, for real or as a dry
/// run, and what its answer looks like.
pub struct Write {
    pub idempotent: Option<IdempotentRequest>,
    pub dry_run: bool,
    pub render: fn(&AccidentView) -> Result<StoredResponse, ApiError>,
}
