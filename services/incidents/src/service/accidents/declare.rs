//! Declaring an accident (khai báo TNLĐ): the employer it is for, its casualties, its
//! receipt and the event that announces it.

use super::*;

/// The reason of a declaration's first revision (and of its quick report's).
const DECLARED: &str = "Khai báo (declared)";

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
            record_revision(conn, &view, &principal, DECLARED)?;
            crate::service::quick_reports::keep_current(conn, &view, DECLARED)?;
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
