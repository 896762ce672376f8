//! Declaring serious technical incidents, reading them, investigating them, and their
//! figures for the statistics.
//!
//! Who may do what is in the service's access table (`crate::access::POLICY`).

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, Utc};
use shared::access::Scope;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection, parse_stored};
use shared::error::{ApiError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use shared::period::Period;
use shared::receipts::{self, Receipt};
use uuid::Uuid;

use crate::access;
use crate::db::accidents as accidents_repo;
use crate::db::establishments as establishments_repo;
use crate::db::technical_incidents::{
    self as repo, Filter, TechnicalIncidentRevisionRow, TechnicalIncidentRow,
};
use crate::domain::accident::Status;
use crate::domain::technical_incident::{
    self as rules, INVESTIGATION_DAYS, Kind, TechnicalIncidentDeclaration, TechnicalInvestigation,
};
use crate::service::Target;

/// The kind of filing receipt a declaration gets.
pub const RECEIPT_KIND: &str = "technical_incident_declaration";

/// An incident with its filing receipt.
#[derive(Clone, Debug)]
pub struct IncidentView {
    pub incident: TechnicalIncidentRow,
    pub receipt: Option<Receipt>,
}

/// Renders a view into the stored response; `created` for a new declaration.
pub type Render = fn(&IncidentView, bool) -> Result<StoredResponse, ApiError>;

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "technical_incident",
    }
}

fn utc(t: chrono::DateTime<chrono::FixedOffset>) -> NaiveDateTime {
    use chrono::SubsecRound;
    t.to_utc().naive_utc().trunc_subsecs(6)
}

fn record_revision(
    conn: &mut DbConnection,
    row: &TechnicalIncidentRow,
    by: &str,
    reason: &str,
) -> Result<(), ApiError> {
    repo::insert_revision(
        conn,
        &TechnicalIncidentRevisionRow {
            incident_id: row.id.clone(),
            version: row.version,
            changed_at: row.updated_at,
            changed_by: by.to_owned(),
            change_reason: reason.to_owned(),
            snapshot: serde_json::to_string(row).map_err(anyhow::Error::from)?,
        },
    )?;
    Ok(())
}

/// Records a declaration (khai báo sự cố kỹ thuật gây mất ATVSLĐ nghiêm trọng).
#[tracing::instrument(skip_all)]
pub async fn declare(
    db: &Db,
    user: &AuthUser,
    declaration: TechnicalIncidentDeclaration,
    body_sha256: String,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    let scope = access::scope("declare_technical_incident", user)?;
    let errors = rules::validate(&declaration, Utc::now());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let tax_code = shared::validate::parse_tax_code(&declaration.establishment_tax_code)
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    // An employer declares for its own tax code only.
    if let Scope::TaxCode(own) = &scope
        && *own != tax_code
    {
        return Err(ApiError::Forbidden);
    }
    let principal = user.principal();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let d = &declaration;
            let establishment = establishments_repo::find_by_tax_code(
                conn,
                &tax_code,
                &Scope::All,
            )?
            .ok_or_else(|| {
                ApiError::field(
                    "/establishment_tax_code",
                    "unknown_employer",
                    Text::new(
                        "Không tìm thấy cơ sở này trong danh sách cơ sở; hãy đăng ký cơ sở trước.",
                        "No such establishment in the registry; register it first.",
                    ),
                )
            })?;
            check_accidents(conn, &tax_code, &d.accident_ids)?;
            let id = Uuid::now_v7().to_string();
            let now = shared::db::now();
            let notified_at = utc(d.notified_at);
            let days = INVESTIGATION_DAYS.value;
            let incident = TechnicalIncidentRow {
                id: id.clone(),
                kind: d.kind.as_str().to_owned(),
                establishment_id: establishment.id.clone(),
                establishment_tax_code: establishment.tax_code.clone(),
                vsic_section: establishment.vsic_section.clone(),
                ownership_type: establishment.ownership_type,
                commune_code: d.place.commune_code.clone(),
                place: d.place.address.trim().to_owned(),
                occurred_at: utc(d.occurred_at),
                notified_at,
                description: d.description.trim().to_owned(),
                damage_vnd: d.damage_vnd,
                anyone_hurt: d.anyone_hurt,
                accident_ids: d
                    .accident_ids
                    .iter()
                    .map(Uuid::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                investigation_days: days,
                deadline_at: notified_at + chrono::Duration::days(days),
                investigation: None,
                record_announced_on: None,
                status: Status::Declared.as_str().to_owned(),
                created_by: principal.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            repo::insert(conn, &incident)?;
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
            record_revision(conn, &incident, &principal, "Khai báo (declared)")?;
            render(&IncidentView { incident, receipt }, true)
        })
    })
    .await
}

/// The people hurt are declared as accidents of the same employer: each linked id
/// must be one of its accidents.
fn check_accidents(
    conn: &mut DbConnection,
    tax_code: &str,
    accident_ids: &[Uuid],
) -> Result<(), ApiError> {
    let own_accidents = Scope::TaxCode(tax_code.to_owned());
    let mut unknown = Vec::new();
    for (i, id) in accident_ids.iter().enumerate() {
        if accidents_repo::find(conn, &id.to_string(), &own_accidents)?.is_none() {
            unknown.push(shared::error::FieldError::body(
                format!("/accident_ids/{i}"),
                "unknown_accident",
                Text::new(
                    "Không có vụ tai nạn này của cơ sở.",
                    "No such accident of this establishment.",
                ),
            ));
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(unknown))
    }
}

fn load_view(
    conn: &mut DbConnection,
    incident: TechnicalIncidentRow,
) -> Result<IncidentView, ApiError> {
    let receipt = receipts::for_subject(conn, RECEIPT_KIND, &incident.id)?
        .into_iter()
        .next();
    Ok(IncidentView { incident, receipt })
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<IncidentView, ApiError> {
    let visibility = access::scope("get_technical_incident", user)?;
    db.run(move |conn| {
        let incident = repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        load_view(conn, incident)
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    filter: Filter,
    page: Page,
) -> Result<Paged<TechnicalIncidentRow>, ApiError> {
    let visibility = access::scope("list_technical_incidents", user)?;
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
            Ok::<_, ApiError>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}

pub async fn revisions(
    db: &Db,
    user: &AuthUser,
    id: String,
) -> Result<Vec<TechnicalIncidentRevisionRow>, ApiError> {
    let visibility = access::scope("list_technical_incident_revisions", user)?;
    db.run(move |conn| {
        repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(repo::revisions(conn, &id)?)
    })
    .await
}

/// What a change does to the stored incident; `Err` refuses it.
type Change =
    Box<dyn FnOnce(&mut TechnicalIncidentRow, &mut DbConnection) -> Result<(), ApiError> + Send>;

/// How a change is written: under an idempotency key or not, for real or as a dry run.
pub struct Write {
    pub idempotent: Option<IdempotentRequest>,
    pub dry_run: bool,
    pub render: Render,
}

/// Applies `change` to the incident at `expected_version` in one transaction, bumps
/// the version and keeps a revision.
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
    let reason =
        shared::error::change_reason(&reason).map_err(|e| ApiError::validation(vec![e]))?;
    let visibility = access::scope(operation, user)?;
    let principal = user.principal();
    db.run(move |conn| {
        idempotency::execute_once(conn, write.idempotent.as_ref(), write.dry_run, |conn| {
            let mut incident = repo::find(conn, &id, &visibility)?.ok_or_else(not_found)?;
            shared::versioning::check_version(expected_version, incident.version)?;
            change(&mut incident, conn)?;
            incident.version = expected_version + 1;
            incident.updated_at = shared::db::now();
            if !repo::update_if_version(conn, &incident, expected_version)? {
                return Err(ApiError::PreconditionFailed {
                    current_version: expected_version + 1,
                });
            }
            record_revision(conn, &incident, &principal, &reason)?;
            let view = load_view(conn, incident)?;
            (write.render)(&view, false)
        })
    })
    .await
}

/// What a declarer may correct; the establishment and the first notification stay.
pub struct Correction {
    pub kind: Kind,
    pub occurred_at: chrono::DateTime<chrono::FixedOffset>,
    pub place: crate::domain::declaration::Place,
    pub description: String,
    pub damage_vnd: i64,
    pub anyone_hurt: bool,
    pub accident_ids: Vec<Uuid>,
}

/// Corrects an incident's facts, re-checked as a whole declaration would be.
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
        Target::new("correct_technical_incident", id, version),
        reason,
        Box::new(move |incident, conn| {
            let declaration = TechnicalIncidentDeclaration {
                kind: correction.kind,
                establishment_tax_code: incident.establishment_tax_code.clone(),
                occurred_at: correction.occurred_at,
                notified_at: incident
                    .notified_at
                    .and_utc()
                    .with_timezone(&shared::time::vietnam()),
                place: correction.place,
                description: correction.description,
                damage_vnd: correction.damage_vnd,
                anyone_hurt: correction.anyone_hurt,
                accident_ids: correction.accident_ids,
            };
            let errors = rules::validate(&declaration, Utc::now());
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            check_accidents(
                conn,
                &incident.establishment_tax_code,
                &declaration.accident_ids,
            )?;
            let d = declaration;
            incident.kind = d.kind.as_str().to_owned();
            incident.occurred_at = utc(d.occurred_at);
            incident.commune_code = d.place.commune_code;
            incident.place = d.place.address.trim().to_owned();
            incident.description = d.description.trim().to_owned();
            incident.damage_vnd = d.damage_vnd;
            incident.anyone_hurt = d.anyone_hurt;
            incident.accident_ids = d
                .accident_ids
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",");
            Ok(())
        }),
        write,
    )
    .await
}

/// Records or replaces the investigation (điều tra sự cố).
pub async fn save_investigation(
    db: &Db,
    user: &AuthUser,
    id: String,
    version: i64,
    record: TechnicalInvestigation,
    write: Write,
) -> Result<Outcome, ApiError> {
    change(
        db,
        user,
        Target::new("save_technical_incident_investigation", id, version),
        "Cập nhật điều tra (investigation updated)".into(),
        Box::new(move |incident, _conn| {
            let occurred_on = incident
                .occurred_at
                .and_utc()
                .with_timezone(&shared::time::vietnam())
                .date_naive();
            let errors = rules::validate_investigation(&record, occurred_on, shared::time::today());
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            incident.investigation =
                Some(serde_json::to_string(&record).map_err(anyhow::Error::from)?);
            incident.record_announced_on = record.record_announced_on;
            Ok(())
        }),
        write,
    )
    .await
}

/// Moves the status one legal step (as an accident's).
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
        Target::new("change_technical_incident_status", id, version),
        reason,
        Box::new(move |incident, _conn| {
            let from = parse_stored(
                "technical_incidents",
                "status",
                &incident.status,
                Status::parse,
            )?;
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
            if to == Status::RecordAnnounced && incident.record_announced_on.is_none() {
                return Err(ApiError::Conflict {
                    code: "record_not_announced",
                    detail: Text::new(
                        "Chưa có ngày công bố biên bản điều tra.",
                        "The investigation record has no announcement date yet.",
                    ),
                });
            }
            incident.status = to.as_str().to_owned();
            Ok(())
        }),
        write,
    )
    .await
}

/// The incidents of a period, for `/accident-statistics`.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub declared: i64,
    /// Incidents in which someone was hurt.
    pub with_casualties: i64,
    pub without_casualties: i64,
    pub damage_vnd: i64,
    /// Incidents whose investigation record was announced (or closed since).
    pub investigated: i64,
    pub by_kind: BTreeMap<&'static str, i64>,
}

/// Counts the serious technical incidents that occurred in `period` (Viet Nam time),
/// as declared by the end of `as_of` when given. Incidents are not personal data, so
/// nothing is hidden from `viewer`; the roles are those of the accident statistics.
pub async fn figures(
    db: &Db,
    period: Period,
    as_of: Option<chrono::NaiveDate>,
) -> Result<Figures, ApiError> {
    let (from, before) = period.utc_bounds();
    let declared_by = as_of.map(|d| shared::time::start_of_day_utc(d + chrono::Duration::days(1)));
    let rows = db
        .run(move |conn| Ok::<_, ApiError>(repo::for_statistics(conn, from, before, declared_by)?))
        .await?;
    let mut f = Figures::default();
    for (kind, _, _) in rules::KINDS {
        f.by_kind.insert(kind.as_str(), 0);
    }
    for (kind, hurt, damage, status) in rows {
        f.declared += 1;
        if hurt {
            f.with_casualties += 1;
        } else {
            f.without_casualties += 1;
        }
        f.damage_vnd = f.damage_vnd.saturating_add(damage);
        let status = parse_stored("technical_incidents", "status", &status, Status::parse)?;
        if matches!(status, Status::RecordAnnounced | Status::Closed) {
            f.investigated += 1;
        }
        let kind = parse_stored("technical_incidents", "kind", &kind, Kind::parse)?;
        *f.by_kind.entry(kind.as_str()).or_default() += 1;
    }
    Ok(f)
}
