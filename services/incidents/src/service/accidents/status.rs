//! Moving a case through its statuses, and raising a casualty's severity (which can
//! escalate the case to a provincial investigation).

use super::*;

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
        Target::new("change_accident_status", id, version),
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
        Target::new("raise_casualty_severity", id, version),
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
            if crate::service::bhxh::is_confirmed(view.investigation.as_ref()) {
                crate::service::bhxh::record_change(
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
