//! Registering, reading and changing establishments.

pub mod import;

use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::{ApiError, FieldError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use shared::pagination::{Page, Paged};
use uuid::Uuid;

use crate::access;
use crate::db::establishments::{self as repo, Filter};
use crate::db::models::{EstablishmentRow, RevisionRow};
use crate::domain::establishment::{self as rules, EstablishmentInput, ValidEstablishment};

/// Turns a stored row into the response a caller gets (kept by the route layer);
/// `created` is false when the establishment was already registered.
pub type Render = fn(&EstablishmentRow, bool) -> Result<StoredResponse, ApiError>;

pub struct Registration {
    pub tax_code: String,
    pub input: EstablishmentInput,
    pub external_ref: Option<String>,
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::validation(errors)
}

/// Registers an establishment; an enterprise may register only its own tax code.
#[tracing::instrument(skip_all)]
pub async fn register(
    db: &Db,
    user: &AuthUser,
    registration: Registration,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: Render,
) -> Result<Outcome, ApiError> {
    let scope = access::scope("create_establishment", user)?;
    let tax_code = rules::check_tax_code(&registration.tax_code, "/tax_code");
    let valid = rules::validate(&registration.input, shared::time::today());
    let external_ref = registration
        .external_ref
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let mut errors = Vec::new();
    if external_ref
        .as_ref()
        .is_some_and(|r| r.chars().count() > 100)
    {
        errors.push(FieldError::body(
            "/external_ref",
            "invalid_external_ref",
            Text::new(
                "external_ref dài tối đa 100 ký tự.",
                "external_ref is at most 100 characters.",
            ),
        ));
    }
    let (tax_code, valid) = match (tax_code, valid) {
        (Ok(t), Ok(v)) if errors.is_empty() => (t, v),
        (t, v) => {
            errors.splice(0..0, t.err());
            errors.extend(v.err().unwrap_or_default());
            return Err(invalid(errors));
        }
    };
    if !scope.allows_tax_code(tax_code.as_str()) {
        return Err(ApiError::Forbidden);
    }
    let principal = user.principal();
    let tax_code = tax_code.as_str().to_owned();
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            if let Some(existing) = external_ref.as_deref().map(|r| repo::find_by_external_ref(conn, &principal, r)).transpose()?.flatten() {
                return render(&existing, false);
            }
            if repo::tax_code_taken(conn, &tax_code)? {
                return Err(ApiError::Conflict {
                    code: "duplicate_tax_code",
                    detail: Text::new(
                        "Đã có cơ sở với mã số thuế này; hãy tìm và cập nhật cơ sở đó.",
                        "An establishment with this tax code already exists; find and update it instead.",
                    ),
                });
            }
            let now = shared::db::now();
            let row = row_of(Uuid::now_v7().to_string(), &tax_code, &valid, external_ref.clone(), &principal, 1, now, now);
            repo::insert(conn, &row)?;
            record_revision(conn, &row, &principal, "Đăng ký mới (created)")?;
            render(&row, true)
        })
    })
    .await
}

pub async fn get(db: &Db, user: &AuthUser, id: String) -> Result<EstablishmentRow, ApiError> {
    let visible = access::scope("get_establishment", user)?;
    db.run(move |conn| repo::find(conn, &id, &visible))
        .await?
        .ok_or(ApiError::NotFound {
            resource: "establishment",
        })
}

pub async fn list(
    db: &Db,
    user: &AuthUser,
    filter: Filter,
    page: Page,
) -> Result<Paged<EstablishmentRow>, ApiError> {
    let visible = access::scope("list_establishments", user)?;
    let fetch = page.clone();
    let (rows, total) = db
        .run(move |conn| {
            let total = fetch.total(|| repo::count(conn, &visible, &filter))?;
            let rows = repo::list(
                conn,
                &visible,
                &filter,
                fetch.before.as_deref(),
                fetch.fetch_limit(),
            )?;
            Ok::<_, diesel::result::Error>((rows, total))
        })
        .await?;
    Ok(page.finish_counted(rows, total, |r| r.id.as_str()))
}

pub async fn revisions(db: &Db, user: &AuthUser, id: String) -> Result<Vec<RevisionRow>, ApiError> {
    let visible = access::scope("list_establishment_revisions", user)?;
    db.run(move |conn| {
        if repo::find(conn, &id, &visible)?.is_none() {
            return Err(ApiError::NotFound {
                resource: "establishment",
            });
        }
        Ok(repo::revisions(conn, &id)?)
    })
    .await
}

/// Changes an establishment at `expected_version`, keeping the old one as a revision.
#[tracing::instrument(skip_all, fields(establishment.id = %id))]
pub async fn update(
    db: &Db,
    user: &AuthUser,
    id: String,
    expected_version: i64,
    input: EstablishmentInput,
    change_reason: String,
) -> Result<EstablishmentRow, ApiError> {
    let visible = access::scope("update_establishment", user)?;
    let mut errors = Vec::new();
    let reason = shared::error::change_reason(&change_reason).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let valid = match rules::validate(&input, shared::time::today()) {
        Ok(v) if errors.is_empty() => v,
        result => {
            errors.extend(result.err().unwrap_or_default());
            return Err(invalid(errors));
        }
    };
    let principal = user.principal();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let current = repo::find(conn, &id, &visible)?.ok_or(ApiError::NotFound {
                resource: "establishment",
            })?;
            shared::versioning::check_version(expected_version, current.version)?;
            let next = row_of(
                current.id.clone(),
                &current.tax_code,
                &valid,
                current.external_ref.clone(),
                &current.created_by,
                current.version + 1,
                current.created_at,
                shared::db::now(),
            );
            if same_facts(&current, &next) {
                return Ok(current);
            }
            if !repo::update_if_version(conn, &next, current.version)? {
                return Err(ApiError::PreconditionFailed {
                    current_version: current.version + 1,
                });
            }
            record_revision(conn, &next, &principal, &reason)?;
            Ok(next)
        })
    })
    .await
}

fn same_facts(a: &EstablishmentRow, b: &EstablishmentRow) -> bool {
    (
        &a.name,
        &a.vsic_code,
        &a.ownership_type,
        &a.commune_code,
        &a.address,
        &a.bhxh_unit_code,
    ) == (
        &b.name,
        &b.vsic_code,
        &b.ownership_type,
        &b.commune_code,
        &b.address,
        &b.bhxh_unit_code,
    ) && (a.workers_total, a.workers_female, a.workers_hazardous)
        == (b.workers_total, b.workers_female, b.workers_hazardous)
}

#[allow(clippy::too_many_arguments)]
fn row_of(
    id: String,
    tax_code: &str,
    valid: &ValidEstablishment,
    external_ref: Option<String>,
    owner: &str,
    version: i64,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
) -> EstablishmentRow {
    EstablishmentRow {
        id,
        tax_code: tax_code.to_owned(),
        name: valid.name.clone(),
        vsic_code: valid.vsic_code.clone(),
        vsic_section: valid.vsic_section.clone(),
        ownership_type: valid.ownership_type.clone(),
        commune_code: valid.commune_code.clone(),
        address: valid.address.clone(),
        workers_total: i64::from(valid.workers_total),
        workers_female: i64::from(valid.workers_female),
        workers_hazardous: i64::from(valid.workers_hazardous),
        bhxh_unit_code: valid.bhxh_unit_code.clone(),
        external_ref_owner: external_ref.as_ref().map(|_| owner.to_owned()),
        external_ref,
        created_by: owner.to_owned(),
        version,
        created_at,
        updated_at,
    }
}

fn record_revision(
    conn: &mut shared::db::DbConnection,
    row: &EstablishmentRow,
    by: &str,
    reason: &str,
) -> Result<(), ApiError> {
    repo::insert_revision(conn, &revision_of(row, by, reason)?)?;
    // Every change is announced, in the same transaction, to the services that keep a
    // copy of the registry (health-stats) and to subscribers.
    shared::events::outbox::publish(
        conn,
        crate::SERVICE.name,
        "establishment.upserted",
        &row.id,
        &event_data(row),
    )?;
    Ok(())
}

/// The revision that keeps `row` as it now is.
fn revision_of(row: &EstablishmentRow, by: &str, reason: &str) -> Result<RevisionRow, ApiError> {
    Ok(RevisionRow {
        establishment_id: row.id.clone(),
        version: row.version,
        changed_at: row.updated_at,
        changed_by: by.to_owned(),
        change_reason: reason.to_owned(),
        snapshot: serde_json::to_string(row).map_err(anyhow::Error::from)?,
    })
}

/// What an event tells of an establishment (docs/integration.md, "10. Webhooks").
fn event_data(row: &EstablishmentRow) -> serde_json::Value {
    serde_json::json!({
        "tax_code": row.tax_code,
        "name": row.name,
        "commune_code": row.commune_code,
        "vsic_code": row.vsic_code,
        "vsic_section": row.vsic_section,
        "ownership_type": row.ownership_type,
        "version": row.version,
    })
}
