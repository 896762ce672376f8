//! Recording a case's investigation.

use super::*;

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
        Target::new("save_investigation", id, version),
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
            let was_confirmed = crate::service::bhxh::is_confirmed(view.investigation.as_ref());
            repo::save_investigation(conn, &row)?;
            view.investigation = Some(row);
            crate::service::bhxh::investigation_saved(
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
