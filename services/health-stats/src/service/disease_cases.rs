//! Recording occupational-disease cases and reading them. Every read and write of a
//! case is audited (who, which case, when), without its values.

use shared::auth::AuthUser;
use shared::db::{Db, DbConnection};
use shared::error::{ApiError, FieldError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use uuid::Uuid;

use super::access;
use crate::db::establishments::{self as establishments_repo, EstablishmentRow};
use crate::db::models::{DiseaseCaseRevisionRow, DiseaseCaseRow};
use crate::db::{disease_cases as repo, health_statistics as stats_repo};
use crate::domain::bhxh::FeedReason;
use crate::domain::disease_case::{self as rules, CaseStatus, NewCase};
use crate::domain::health_statistics::{self as stats, Dims};

/// Turns a stored case into the response (kept by the route layer); `created` is
/// always true today, as a second record of the same case is refused.
pub type Render = fn(&DiseaseCaseRow, bool) -> Result<StoredResponse, ApiError>;

fn not_found() -> ApiError {
    ApiError::NotFound {
        resource: "occupational disease case",
    }
}

fn audit(
    conn: &mut DbConnection,
    user: &AuthUser,
    action: &str,
    rows: &[&DiseaseCaseRow],
) -> Result<(), ApiError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    shared::audit::record(conn, user, action, "occupational_disease_case", &ids)
}

fn contributions(row: &DiseaseCaseRow) -> Vec<(stats::StatKey, stats::Counters)> {
    let dims = Dims {
        commune: row.commune_code.as_deref(),
        vsic_section: row.vsic_section.as_deref(),
        ownership_type: row.ownership_type.as_deref(),
    };
    stats::case_contributions(row.diagnosed_on, &row.disease_code, &dims)
}

fn revision(
    conn: &mut DbConnection,
    row: &DiseaseCaseRow,
    by: &str,
    reason: &str,
) -> Result<(), ApiError> {
    let snapshot = serde_json::json!({
        "status": row.status,
        "capacity_loss_percent": row.capacity_loss_percent,
        "assessed_on": row.assessed_on,
    });
    repo::insert_revision(
        conn,
        &DiseaseCaseRevisionRow {
            case_id: row.id.clone(),
            version: row.version,
            changed_at: row.updated_at,
            changed_by: by.to_owned(),
            change_reason: reason.to_owned(),
            snapshot: snapshot.to_string(),
        },
    )?;
    Ok(())
}

/// 409 `duplicate_case`, naming the case that exists.
fn duplicate_case(existing: &str) -> ApiError {
    ApiError::Conflict {
        code: "duplicate_case",
        detail: Text::new(
            format!(
                "Người lao động này đã có hồ sơ bệnh nghề nghiệp {existing} cho bệnh này; hãy cập nhật hồ sơ đó."
            ),
            format!("This worker already has case {existing} for this disease; update that case."),
        ),
    }
}

/// Records a case. The same person and disease is one case: a second one is 409
/// `duplicate_case`, naming the case that exists.
#[tracing::instrument(skip_all)]
pub async fn record(
    db: &Db,
    user: &AuthUser,
    case: NewCase,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    access::check("record_disease_case", user)?;
    let valid = rules::validate(case, shared::time::today()).map_err(ApiError::validation)?;
    let user = user.clone();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let c = &valid.case;
            if let Some(existing) = repo::find_same(conn, &c.personal_id, &c.disease_code)? {
                return Err(duplicate_case(&existing.id));
            }
            let now = shared::db::now();
            let e = &valid.establishment;
            establishments_repo::upsert(
                conn,
                &EstablishmentRow {
                    tax_code: e.tax_code.clone(),
                    name: e.name.clone(),
                    commune_code: e.commune_code.clone(),
                    vsic_section: e.vsic_section.clone(),
                    ownership_type: e.ownership_type.clone(),
                    updated_at: now,
                },
            )?;
            let status = if c.capacity_loss_percent.is_some() {
                CaseStatus::Assessed
            } else {
                CaseStatus::Diagnosed
            };
            let row = DiseaseCaseRow {
                id: Uuid::now_v7().to_string(),
                personal_id: c.personal_id.clone(),
                full_name: c.full_name.trim().to_owned(),
                gender: serde_json::to_value(c.gender)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                birth_date: c.birth_date,
                tax_code: e.tax_code.clone(),
                commune_code: e.commune_code.clone(),
                vsic_section: e.vsic_section.clone(),
                ownership_type: e.ownership_type.clone(),
                disease_code: c.disease_code.clone(),
                exposure_factor: c.exposure_factor.clone(),
                diagnosed_on: c.diagnosed_on,
                diagnosis_facility: c.diagnosis_facility.trim().to_owned(),
                capacity_loss_percent: c.capacity_loss_percent.map(i64::from),
                assessed_on: c.assessed_on,
                status: status.as_str().to_owned(),
                created_by: user.principal(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            // Two recordings of one case racing on PostgreSQL: the loser's insert fails
            // on the unique index once the winner has committed, and it names the
            // winner's case like any duplicate. The savepoint keeps this transaction usable.
            if let Err(e) = shared::db::transaction(conn, |c| repo::insert(c, &row)) {
                let winner = match &e {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => repo::find_same(conn, &c.personal_id, &c.disease_code)?,
                    _ => None,
                };
                return Err(winner.map_or_else(|| e.into(), |w| duplicate_case(&w.id)));
            }
            stats_repo::apply(
                conn,
                shared::time::today(),
                &stats::delta(&[], &contributions(&row)),
            )?;
            revision(conn, &row, &user.principal(), "Ghi nhận (recorded)")?;
            super::bhxh::record_change(conn, &row.id, FeedReason::Diagnosed)?;
            audit(conn, &user, "create", &[&row])?;
            render(&row, true)
        })
    })
    .await
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<DiseaseCaseRow, ApiError> {
    let scope = access::scope("get_disease_case", user)?;
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let row = repo::find(conn, &id, scope.tax_code())?.ok_or_else(not_found)?;
            audit(conn, &user, "read", &[&row])?;
            Ok::<_, ApiError>(row)
        })
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    disease_code: Option<String>,
    page: Page,
) -> Result<Paged<DiseaseCaseRow>, ApiError> {
    let scope = access::scope("list_disease_cases", user)?;
    let user = user.clone();
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            shared::db::transaction(conn, |conn| {
                let total =
                    fetch.total(|| repo::count(conn, scope.tax_code(), disease_code.as_deref()))?;
                let rows = repo::list(
                    conn,
                    scope.tax_code(),
                    disease_code.as_deref(),
                    fetch.before.as_deref(),
                    fetch.fetch_limit(),
                )?;
                let shown: Vec<&DiseaseCaseRow> = rows
                    .iter()
                    .take(usize::try_from(fetch.limit).unwrap_or(0))
                    .collect();
                audit(conn, &user, "list", &shown)?;
                Ok::<_, ApiError>((rows, total))
            })
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}

/// What may change in a case after it is recorded.
pub struct Assessment {
    pub status: CaseStatus,
    pub capacity_loss_percent: Option<u8>,
    pub assessed_on: Option<chrono::NaiveDate>,
    pub change_reason: String,
}

pub async fn assess(
    db: &Db,
    user: &AuthUser,
    id: String,
    expected_version: i64,
    change: Assessment,
) -> Result<DiseaseCaseRow, ApiError> {
    access::check("assess_disease_case", user)?;
    let reason = change.change_reason.trim().to_owned();
    let user = user.clone();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let current = repo::find(conn, &id, None)?.ok_or_else(not_found)?;
            shared::versioning::check_version(expected_version, current.version)?;
            let mut errors = Vec::new();
            if reason.is_empty() {
                errors.push(FieldError::body(
                    "/change_reason",
                    "change_reason_required",
                    Text::new("Cần nêu lý do thay đổi.", "A change reason is required."),
                ));
            }
            rules::check_assessment(
                change.capacity_loss_percent,
                change.assessed_on,
                current.diagnosed_on,
                &mut errors,
            );
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            let next = DiseaseCaseRow {
                status: change.status.as_str().to_owned(),
                capacity_loss_percent: change.capacity_loss_percent.map(i64::from),
                assessed_on: change.assessed_on,
                version: current.version + 1,
                updated_at: shared::db::now(),
                ..current.clone()
            };
            if !repo::update_if_version(conn, &next, current.version)? {
                return Err(ApiError::PreconditionFailed {
                    current_version: current.version + 1,
                });
            }
            revision(conn, &next, &user.principal(), &reason)?;
            super::bhxh::record_change(conn, &next.id, FeedReason::Assessed)?;
            audit(conn, &user, "update", &[&next])?;
            Ok::<_, ApiError>(next)
        })
    })
    .await
}
