//! Declaring accidents, reading them, and moving them through investigation.

use chrono::{DateTime, Utc};
use shared::access::{Access, Scope};
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection, parse_stored};
use shared::error::{ApiError, FieldError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::Page;
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
    let after = statistics::contributions(&view.accident, &view.casualties);
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

fn casualty_rows(
    accident_id: &str,
    casualties: &[CasualtyDeclaration],
    birth_years: &[i32],
    identities: &[Identity],
) -> Vec<CasualtyRow> {
    casualties
        .iter()
        .zip(birth_years)
        .zip(identities)
        .enumerate()
        .map(|(i, ((c, year), identity))| CasualtyRow {
            id: Uuid::now_v7().to_string(),
            accident_id: accident_id.to_owned(),
            position: i64::try_from(i).unwrap_or_default(),
            personal_id: identity.number.clone(),
            id_type: identity.id_type.as_str().to_owned(),
            nationality: identity.nationality.clone(),
            full_name: c.full_name.trim().to_owned(),
            gender: serde_plain(&c.gender),
            birth_date: c.birth_date,
            birth_year: i64::from(*year),
            occupation_code: c.occupation_code.clone(),
            contract_type: serde_plain(&c.contract_type),
            severity: c.severity.as_str().to_owned(),
            injury_codes: c.injury_codes.join(","),
            days_off: i64::from(c.days_off),
            cost_medical: i64::from(c.costs.medical),
            cost_wages: i64::from(c.costs.wages),
            cost_compensation: i64::from(c.costs.compensation),
        })
        .collect()
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

/// Records a declaration (khai báo TNLĐ).
#[tracing::instrument(skip_all)]
pub async fn declare(
    db: &Db,
    user: &AuthUser,
    declaration: AccidentDeclaration,
    body_sha256: String,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    let access = access::check("declare_accident", user)?;
    access::may_declare(&access, declaration.sector, &declaration.place.commune_code)?;
    let scope = access.scope;
    let valid = declaration::validate(declaration, Utc::now()).map_err(ApiError::validation)?;
    let principal = user.principal();
    let reporting_commune = match &scope {
        Scope::Commune(code) => Some(code.clone()),
        _ => None,
    };
    let user = user.clone();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let d = &valid.declaration;
            let external_ref = d
                .external_ref
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            if let Some(existing) = external_ref
                .map(|r| repo::find_by_external_ref(conn, &principal, r))
                .transpose()?
                .flatten()
            {
                let view = load_view(conn, existing)?;
                return render(&view, &[], false);
            }
            let employer = match &d.employer {
                Some(e) => Some(resolve_employer(conn, e, &scope)?),
                None => None,
            };
            let id = Uuid::now_v7().to_string();
            let now = shared::db::now();
            let casualties =
                casualty_rows(&id, &d.casualties, &valid.birth_years, &valid.identities);
            let mut accident = AccidentRow {
                id: id.clone(),
                sector: d.sector.as_str().to_owned(),
                establishment_id: employer.as_ref().map(|e| e.id.clone()),
                establishment_tax_code: employer.as_ref().map(|e| e.tax_code.clone()),
                vsic_section: employer.as_ref().map(|e| e.vsic_section.clone()),
                ownership_type: employer.as_ref().map(|e| e.ownership_type.clone()),
                reporting_commune: reporting_commune.clone(),
                commune_code: d.place.commune_code.clone(),
                place: d.place.address.trim().to_owned(),
                occurred_at: utc(d.occurred_at),
                notified_at: utc(d.notified_at),
                description: d.description.trim().to_owned(),
                injury_factor_code: d.injury_factor_code.clone(),
                cause_codes: valid.cause_codes.join(","),
                commute_accident: d.commute_accident,
                police_notified_at: d.police_notified_at.map(utc),
                needs_examination: d.needs_examination,
                case_severity: String::new(),
                requires_immediate_declaration: false,
                requires_police_notice: false,
                investigation_level: String::new(),
                investigation_days: 0,
                extension_days: None,
                deadline_at: now,
                status: Status::Declared.as_str().to_owned(),
                external_ref: external_ref.map(str::to_owned),
                external_ref_owner: external_ref.map(|_| principal.clone()),
                created_by: principal.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            derive(&mut accident, &casualties)?;
            // Two declarations with one `external_ref` racing on PostgreSQL: the loser's
            // insert fails on the unique index once the winner has committed, and it
            // answers as a repeat does, with the winner's record. The savepoint keeps
            // this transaction usable after the failed insert.
            if let Err(e) =
                shared::db::transaction(conn, |c| repo::insert(c, &accident, &casualties))
            {
                let winner = match (&e, external_ref) {
                    (
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        ),
                        Some(r),
                    ) => repo::find_by_external_ref(conn, &principal, r)?,
                    _ => None,
                };
                let Some(existing) = winner else {
                    return Err(e.into());
                };
                let view = load_view(conn, existing)?;
                return render(&view, &[], false);
            }
            let receipt = if dry_run {
                None
            } else {
                Some(receipts::issue(
                    conn,
                    RECEIPT_KIND,
                    &id,
                    &body_sha256,
                    &principal,
                    now,
                )?)
            };
            let view = AccidentView {
                accident,
                casualties,
                severity_changes: vec![],
                investigation: None,
                receipt,
            };
            count(conn, &[], &view)?;
            record_revision(conn, &view, &principal, "Khai báo (declared)")?;
            publish_declared(conn, &view)?;
            audit(conn, &user, "create", &view.casualties)?;
            render(&view, &valid.warnings, true)
        })
    })
    .await
}

/// The employer named by a declaration, within what the caller may declare for.
fn resolve_employer(
    conn: &mut DbConnection,
    employer: &EmployerRef,
    scope: &Scope,
) -> Result<crate::db::models::EstablishmentRow, ApiError> {
    // An employer names only itself; the others may name any registered employer.
    let visibility = match scope {
        Scope::TaxCode(tax_code) => Scope::TaxCode(tax_code.clone()),
        _ => Scope::All,
    };
    let found = match (&employer.id, &employer.tax_code) {
        (Some(id), _) => establishments_repo::find(conn, id, &visibility)?,
        (None, Some(tax_code)) => {
            let normalised = shared::validate::parse_tax_code(tax_code)
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default();
            establishments_repo::find_by_tax_code(conn, &normalised, &visibility)?
        }
        (None, None) => None,
    };
    found.ok_or_else(|| {
        ApiError::field(
            "/employer",
            "unknown_employer",
            Text::new(
                "Không tìm thấy cơ sở này trong danh sách cơ sở; hãy đăng ký cơ sở trước.",
                "No such establishment in the registry; register it first.",
            ),
        )
    })
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

/// One accident with its casualties; the read is audited.
pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<AccidentView, ApiError> {
    read(db, user, "get_accident", id).await
}

/// The investigation of one accident, with the accident (the read is audited).
pub async fn get_investigation(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<AccidentView, ApiError> {
    read(db, user, "get_investigation", id).await
}

async fn read(
    db: &Db,
    user: &AuthUser,
    operation: &'static str,
    id: String,
) -> Result<AccidentView, ApiError> {
    let visibility = access::scope(operation, user)?;
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let accident = repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
            let view = load_view(conn, accident)?;
            audit(conn, &user, "read", &view.casualties)?;
            Ok::<_, ApiError>(view)
        })
    })
    .await
}

/// A page of accidents with their casualties' severities (no personal data).
pub async fn list(
    db: &Db,
    user: &AuthUser,
    filter: Filter,
    page: Page,
) -> Result<(Vec<(AccidentRow, Vec<Severity>)>, Option<String>), ApiError> {
    let visibility = access::scope("list_accidents", user)?;
    let fetch = page.clone();
    let rows = db
        .run(move |conn| {
            let rows = repo::list(
                conn,
                &visibility,
                &filter,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let casualties = repo::casualties_of(conn, &ids)?;
            rows.into_iter()
                .map(|row| {
                    let severities = casualties
                        .iter()
                        .filter(|c| c.accident_id == row.id)
                        .map(|c| {
                            parse_stored("casualties", "severity", &c.severity, Severity::parse)
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok((row, severities))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(page.finish(rows, |(r, _)| r.id.as_str()))
}

pub async fn revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<AccidentRevisionRow>, ApiError> {
    let visibility = access::scope("list_accident_revisions", user)?;
    db.run(move |conn| {
        repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(repo::revisions(conn, &id)?)
    })
    .await
}

/// The accident a change is for, at which version, and the operation (of the access
/// table) it is.
struct Target {
    operation: &'static str,
    id: String,
    expected_version: i64,
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
        let mut change = Some(change);
        idempotency::execute(conn, write.idempotent.as_ref(), write.dry_run, |conn| {
            let change = change
                .take()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a change ran twice")))?;
            let accident = repo::find_for_write(conn, &id, &access.scope)?.ok_or_else(not_found)?;
            shared::versioning::check_version(expected_version, accident.version)?;
            let mut view = load_view(conn, accident)?;
            let before = statistics::contributions(&view.accident, &view.casualties);
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

/// The accident-level facts a declarer may correct; the sector, employer, first
/// notification time and casualties stay as declared.
pub struct Correction {
    pub occurred_at: DateTime<chrono::FixedOffset>,
    pub place: Place,
    pub description: String,
    pub injury_factor_code: Option<String>,
    pub cause_codes: Vec<String>,
    pub commute_accident: bool,
    pub police_notified_at: Option<DateTime<chrono::FixedOffset>>,
    pub needs_examination: bool,
}

pub async fn correct(
    db: &Db,
    user: &AuthUser,
    id: String,
    version: i64,
    correction: Correction,
    reason: String,
    write: Write,
) -> Result<Outcome, ApiError> {
    change(
        db,
        user,
        Target {
            operation: "correct_accident",
            id,
            expected_version: version,
        },
        reason,
        Box::new(move |view, _access, conn| {
            // Re-check the whole declaration as it would stand after the correction.
            let a = &view.accident;
            let offset = shared::time::vietnam();
            let declaration = AccidentDeclaration {
                sector: parse_stored("accidents", "sector", &a.sector, Sector::parse)?,
                employer: a.establishment_id.as_ref().map(|id| EmployerRef {
                    id: Some(id.clone()),
                    tax_code: None,
                }),
                occurred_at: correction.occurred_at,
                notified_at: a.notified_at.and_utc().with_timezone(&offset),
                place: correction.place,
                description: correction.description,
                injury_factor_code: correction.injury_factor_code,
                cause_codes: correction.cause_codes,
                commute_accident: correction.commute_accident,
                police_notified_at: correction.police_notified_at,
                needs_examination: correction.needs_examination,
                casualties: view
                    .casualties
                    .iter()
                    .map(casualty_declaration)
                    .collect::<Result<_, _>>()?,
                external_ref: None,
            };
            let valid =
                declaration::validate(declaration, Utc::now()).map_err(ApiError::validation)?;
            let d = valid.declaration;
            let date_changed = view.accident.occurred_at != utc(d.occurred_at);
            if date_changed && super::bhxh::is_confirmed(view.investigation.as_ref()) {
                let all: Vec<&CasualtyRow> = view.casualties.iter().collect();
                super::bhxh::record_change(conn, &all, crate::domain::bhxh::FeedReason::Corrected)?;
            }
            let a = &mut view.accident;
            a.occurred_at = utc(d.occurred_at);
            a.commune_code = d.place.commune_code;
            a.place = d.place.address.trim().to_owned();
            a.description = d.description.trim().to_owned();
            a.injury_factor_code = d.injury_factor_code;
            a.cause_codes = valid.cause_codes.join(",");
            a.commute_accident = d.commute_accident;
            a.police_notified_at = d.police_notified_at.map(utc);
            a.needs_examination = d.needs_examination;
            Ok(())
        }),
        write,
    )
    .await
}

fn casualty_declaration(c: &CasualtyRow) -> Result<CasualtyDeclaration, ApiError> {
    Ok(CasualtyDeclaration {
        personal_id: None,
        identity: Some(IdentityDocument {
            id_type: parse_stored("casualties", "id_type", &c.id_type, IdType::parse)?,
            number: c.personal_id.clone(),
            nationality: Some(c.nationality.clone()),
        }),
        full_name: c.full_name.clone(),
        gender: parse_stored("casualties", "gender", &c.gender, from_plain)?,
        birth_date: c.birth_date,
        birth_year: i32::try_from(c.birth_year).ok(),
        occupation_code: c.occupation_code.clone(),
        contract_type: parse_stored("casualties", "contract_type", &c.contract_type, from_plain)?,
        severity: parse_stored("casualties", "severity", &c.severity, Severity::parse)?,
        injury_codes: c
            .injury_codes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        days_off: u32::try_from(c.days_off).unwrap_or_default(),
        costs: Costs {
            medical: u32::try_from(c.cost_medical).unwrap_or_default(),
            wages: u32::try_from(c.cost_wages).unwrap_or_default(),
            compensation: u32::try_from(c.cost_compensation).unwrap_or_default(),
        },
    })
}

/// Moves the status one legal step.
pub async fn transition(
    db: &Db,
    user: &AuthUser,
    id: String,
    version: i64,
    to: Status,
    reason: String,
    write: Write,
) -> Result<Outcome, ApiError> {
    change(
        db,
        user,
        Target {
            operation: "change_accident_status",
            id,
            expected_version: version,
        },
        reason,
        Box::new(move |view, access, _conn| {
            access::may_move(access, case_level(&view.accident)?, to)?;
            let from = parse_stored("accidents", "status", &view.accident.status, Status::parse)?;
            if !from.can_move_to(to) {
                return Err(ApiError::Conflict {
                    code: "illegal_transition",
                    detail: Text::new(
                        format!(
                            "Không thể chuyển trạng thái từ {} sang {}.",
                            from.as_str(),
                            to.as_str()
                        ),
                        format!("Cannot move from {} to {}.", from.as_str(), to.as_str()),
                    ),
                });
            }
            let announced = view
                .investigation
                .as_ref()
                .is_some_and(|i| i.record_announced_on.is_some());
            if to == Status::RecordAnnounced && !announced {
                return Err(ApiError::Conflict {
                    code: "record_not_announced",
                    detail: Text::new(
                        "Chưa có ngày công bố biên bản điều tra.",
                        "The investigation record has no announcement date yet.",
                    ),
                });
            }
            view.accident.status = to.as_str().to_owned();
            Ok(())
        }),
        write,
    )
    .await
}

/// A raise of one casualty's severity, with the document that supports it.
pub struct SeverityRaise {
    pub casualty_id: String,
    pub to: Severity,
    pub document_reference: String,
}

/// Raises one casualty's severity; the case's derived values follow.
pub async fn raise_severity(
    db: &Db,
    user: &AuthUser,
    id: String,
    version: i64,
    raise: SeverityRaise,
    write: Write,
) -> Result<Outcome, ApiError> {
    let SeverityRaise {
        casualty_id,
        to,
        document_reference,
    } = raise;
    let document = document_reference.trim().to_owned();
    if document.is_empty() || document.chars().count() > 300 {
        return Err(ApiError::field(
            "/document_reference",
            "document_reference_required",
            Text::new(
                "Cần số hiệu văn bản làm căn cứ (ví dụ kết luận giám định pháp y).",
                "The supporting document (e.g. a forensic report) is required.",
            ),
        ));
    }
    let by = user.principal();
    let reason = format!("Nâng mức độ thương tật: {document}");
    change(
        db,
        user,
        Target {
            operation: "raise_casualty_severity",
            id,
            expected_version: version,
        },
        reason,
        Box::new(move |view, _access, conn| {
            let casualty = view
                .casualties
                .iter_mut()
                .find(|c| c.id == casualty_id)
                .ok_or(ApiError::NotFound {
                    resource: "casualty",
                })?;
            let from = parse_stored(
                "casualties",
                "severity",
                &casualty.severity,
                Severity::parse,
            )?;
            let was_grave = view.accident.requires_immediate_declaration;
            if !rules::can_raise(from, to) {
                return Err(ApiError::Conflict {
                    code: "severity_not_raised",
                    detail: Text::new(
                        "Mức độ thương tật chỉ có thể nâng lên (nhẹ → nặng → chết).",
                        "A severity can only be raised (minor → serious → fatal).",
                    ),
                });
            }
            casualty.severity = to.as_str().to_owned();
            repo::set_casualty_severity(conn, &casualty.id, to.as_str())?;
            let change_row = SeverityChangeRow {
                casualty_id: casualty.id.clone(),
                changed_at: shared::db::now(),
                from_severity: from.as_str().to_owned(),
                to_severity: to.as_str().to_owned(),
                document_reference: document,
                changed_by: by,
            };
            repo::insert_severity_change(conn, &change_row)?;
            if super::bhxh::is_confirmed(view.investigation.as_ref()) {
                super::bhxh::record_change(
                    conn,
                    &[&*casualty],
                    crate::domain::bhxh::FeedReason::SeverityRaised,
                )?;
            }
            view.severity_changes.push(change_row);
            // The escalation goes out with the raise or not at all (same transaction);
            // a case grave at declaration was announced then, so it is not sent again.
            derive(&mut view.accident, &view.casualties)?;
            if !was_grave && view.accident.requires_immediate_declaration {
                publish_case(conn, view, ESCALATED)?;
            }
            Ok(())
        }),
        write,
    )
    .await
}

/// Records or replaces the investigation; the deadline follows its extension.
pub async fn save_investigation(
    db: &Db,
    user: &AuthUser,
    id: String,
    version: i64,
    record: InvestigationRecord,
    write: Write,
) -> Result<Outcome, ApiError> {
    change(
        db,
        user,
        Target {
            operation: "save_investigation",
            id,
            expected_version: version,
        },
        "Cập nhật điều tra (investigation updated)".into(),
        Box::new(move |view, access, conn| {
            let stored_team = view
                .investigation
                .as_ref()
                .and_then(|i| serde_json::from_str::<InvestigationRecord>(&i.record).ok())
                .map(|r| r.team_level);
            access::may_record(
                access,
                case_level(&view.accident)?,
                record.team_level,
                stored_team,
            )?;
            let occurred_on = view
                .accident
                .occurred_at
                .and_utc()
                .with_timezone(&shared::time::vietnam())
                .date_naive();
            let mut errors = investigation::validate(&record, occurred_on);
            if let Some(days) = record.extension_days {
                let severity = parse_stored(
                    "accidents",
                    "case_severity",
                    &view.accident.case_severity,
                    Severity::parse,
                )?;
                if let Err(e) =
                    rules::check_extension(severity, view.accident.investigation_days, days)
                {
                    let (vi, en) = match e {
                        rules::ExtensionError::NotSeriousEnough => (
                            "Chỉ vụ nặng hoặc chết người được gia hạn.",
                            "Only serious or fatal cases may be extended.",
                        ),
                        rules::ExtensionError::TooLong => (
                            "Thời gian gia hạn không được vượt quá thời hạn điều tra.",
                            "An extension cannot exceed the base period.",
                        ),
                        rules::ExtensionError::NotPositive => (
                            "Số ngày gia hạn phải dương.",
                            "The extension must be positive.",
                        ),
                    };
                    errors.push(FieldError::body(
                        "/extension_days",
                        "invalid_extension",
                        Text::new(vi, en),
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            view.accident.extension_days = record.extension_days;
            let row = InvestigationRow {
                accident_id: view.accident.id.clone(),
                record: serde_json::to_string(&record).map_err(anyhow::Error::from)?,
                record_announced_on: record.record_announced_on,
                updated_at: shared::db::now(),
            };
            let was_confirmed = super::bhxh::is_confirmed(view.investigation.as_ref());
            repo::save_investigation(conn, &row)?;
            view.investigation = Some(row);
            super::bhxh::investigation_saved(
                conn,
                &view.casualties,
                was_confirmed,
                record.is_occupational_accident == Some(true),
            )?;
            Ok(())
        }),
        write,
    )
    .await
}
