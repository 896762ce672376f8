//! Correcting an accident's facts, re-checked as a whole declaration would be.

use super::*;

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
        Target::new("correct_accident", id, version),
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
            if date_changed && crate::service::bhxh::is_confirmed(view.investigation.as_ref()) {
                let all: Vec<&CasualtyRow> = view.casualties.iter().collect();
                crate::service::bhxh::record_change(
                    conn,
                    &all,
                    crate::domain::bhxh::FeedReason::Corrected,
                )?;
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
