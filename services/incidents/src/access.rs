//! Who may do what in the incidents service: the table ([`POLICY`]) every use-case
//! asks, and the checks of the conditions it names on a record (see `shared::access`).
//!
//! The investigation rules follow ND 39/2016 as `docs/domain.md` ("Who investigates and
//! who may record it") sets them out: an employer records the investigation of its own
//! minor cases and cases with one seriously injured worker (level `employer`); a death,
//! or two or more seriously injured, make a provincial case, which only Sở Nội vụ's team
//! (`labor_authority`) or an administrator records, extends and closes; accidents of
//! workers without a labour contract are the commune's.

use shared::access::{
    Access, Condition, Grant, Policy, Reach, STATISTICS_READERS, Scope, all, own, rule,
};
use shared::auth::{AuthUser, Role};
use shared::error::{ApiError, Text};

use crate::domain::accident::{InvestigationLevel, Sector, Status};
use crate::domain::accident_report::ReportKind;

use Role::{Admin, Agency, Commune, Enterprise, HealthAuthority, Insurer, LaborAuthority, Viewer};

const fn when(roles: &'static [Role], reach: Reach, condition: Condition) -> Grant {
    Grant {
        roles,
        reach,
        condition,
    }
}

/// Reading accidents and their investigation: the authorities all, an employer its own,
/// a commune those that happened in it.
const READ_ACCIDENTS: &[Grant] = &[
    all(&[Admin, LaborAuthority, HealthAuthority]),
    own(&[Enterprise, Commune]),
];

/// Changing an accident's facts: the labour authority all; an employer its own; a
/// commune the no-contract accidents it reported.
const WRITE_ACCIDENTS: &[Grant] = &[all(&[Admin, LaborAuthority]), own(&[Enterprise, Commune])];

/// Recording the investigation and moving the status: only the team that investigates.
const INVESTIGATE: &[Grant] = &[
    all(&[Admin, LaborAuthority]),
    when(
        &[Enterprise, Commune],
        Reach::Own,
        Condition::InvestigatesCase,
    ),
];

const READ_REGISTRY: &[Grant] = &[
    all(&[Admin, LaborAuthority, HealthAuthority, Agency]),
    own(&[Enterprise, Commune]),
];

const READ_REPORTS: &[Grant] = &[
    all(&[Admin, LaborAuthority, HealthAuthority]),
    own(&[Enterprise, Commune]),
];

/// The province's periodic forms: Sở Nội vụ issues them; admin and the authorities
/// that read statistics may read them. `viewer` may not: the forms hide no small cell.
const STATUTORY_READERS: &[Grant] = &[all(&[Admin, LaborAuthority, HealthAuthority, Agency])];

const OPEN: &[Grant] = &[all(&Role::ALL)];

/// Serious technical incidents: Sở Nội vụ all; an employer its own establishment's; a
/// commune reads those that happened in it.
const TECHNICAL_READ: &[Grant] = &[all(&[Admin, LaborAuthority]), own(&[Enterprise, Commune])];

/// Declaring and investigating a serious technical incident: the employer (its own),
/// Sở Nội vụ and admin.
const TECHNICAL_WRITE: &[Grant] = &[all(&[Admin, LaborAuthority]), own(&[Enterprise])];

/// The incidents service's table, by `operationId` of `openapi/incidents.json`.
pub const POLICY: Policy = Policy {
    service: "incidents",
    rules: &[
        rule(
            "list_establishments",
            "establishment",
            "list",
            READ_REGISTRY,
        ),
        rule("get_establishment", "establishment", "read", READ_REGISTRY),
        rule(
            "list_establishment_revisions",
            "establishment",
            "read revisions",
            READ_REGISTRY,
        ),
        rule(
            "create_establishment",
            "establishment",
            "register",
            &[all(&[Admin, LaborAuthority]), own(&[Enterprise])],
        ),
        rule(
            "update_establishment",
            "establishment",
            "update",
            &[all(&[Admin, LaborAuthority]), own(&[Enterprise])],
        ),
        rule(
            "import_establishments",
            "establishment",
            "import",
            &[all(&[Admin, LaborAuthority])],
        ),
        rule("list_accidents", "accident", "list", READ_ACCIDENTS),
        rule("get_accident", "accident", "read", READ_ACCIDENTS),
        rule(
            "list_accident_revisions",
            "accident",
            "read revisions",
            READ_ACCIDENTS,
        ),
        rule(
            "declare_accident",
            "accident",
            "declare",
            &[
                all(&[Admin, LaborAuthority]),
                when(&[Enterprise, Commune], Reach::Own, Condition::OwnSector),
            ],
        ),
        rule("correct_accident", "accident", "correct", WRITE_ACCIDENTS),
        rule(
            "raise_casualty_severity",
            "accident",
            "raise a casualty's severity",
            WRITE_ACCIDENTS,
        ),
        rule("get_investigation", "investigation", "read", READ_ACCIDENTS),
        rule(
            "save_investigation",
            "investigation",
            "record, extend, conclude",
            INVESTIGATE,
        ),
        rule(
            "change_accident_status",
            "accident",
            "change status",
            INVESTIGATE,
        ),
        rule(
            "list_accident_reports",
            "accident report",
            "list",
            READ_REPORTS,
        ),
        rule(
            "get_accident_report",
            "accident report",
            "read",
            READ_REPORTS,
        ),
        rule(
            "list_accident_report_revisions",
            "accident report",
            "read revisions",
            READ_REPORTS,
        ),
        rule(
            "submit_accident_report",
            "accident report",
            "submit",
            &[
                all(&[Admin, LaborAuthority]),
                when(&[Enterprise, Commune], Reach::Own, Condition::OwnReportKind),
            ],
        ),
        rule(
            "get_report_compliance",
            "accident report",
            "compliance board",
            &[all(&[
                Admin,
                LaborAuthority,
                HealthAuthority,
                Agency,
                Viewer,
            ])],
        ),
        rule(
            "get_accident_statistics",
            "accident statistics",
            "read",
            STATISTICS_READERS,
        ),
        rule(
            "get_statutory_report",
            "statutory report (Phụ lục XIV, XV)",
            "read",
            STATUTORY_READERS,
        ),
        rule(
            "get_accident_quick_report",
            "quick report (Phụ lục XIII)",
            "read",
            READ_ACCIDENTS,
        ),
        rule(
            "get_bhxh_accident_cases",
            "BHXH accident-case feed",
            "read",
            &[all(&[Insurer])],
        ),
        rule(
            "get_bhxh_accident_case_dossier",
            "BHXH claim dossier",
            "read",
            &[
                all(&[Admin, LaborAuthority]),
                when(&[Insurer], Reach::All, Condition::InBhxhFeed),
            ],
        ),
        rule(
            "receive_bhxh_benefit_decisions",
            "BHXH benefit decision",
            "send",
            &[all(&[Insurer])],
        ),
        rule(
            "list_bhxh_benefit_decisions",
            "BHXH benefit decision",
            "list",
            &[all(&[Admin, LaborAuthority])],
        ),
        rule(
            "get_bhxh_reconciliation",
            "BHXH reconciliation",
            "read",
            &[all(&[Admin, LaborAuthority])],
        ),
        rule("list_code_lists", "code list", "list", OPEN),
        rule("get_code_list", "code list", "read", OPEN),
        rule(
            "declare_technical_incident",
            "technical incident",
            "declare",
            TECHNICAL_WRITE,
        ),
        rule(
            "list_technical_incidents",
            "technical incident",
            "list",
            TECHNICAL_READ,
        ),
        rule(
            "get_technical_incident",
            "technical incident",
            "read",
            TECHNICAL_READ,
        ),
        rule(
            "list_technical_incident_revisions",
            "technical incident",
            "read revisions",
            TECHNICAL_READ,
        ),
        rule(
            "correct_technical_incident",
            "technical incident",
            "correct",
            TECHNICAL_WRITE,
        ),
        rule(
            "change_technical_incident_status",
            "technical incident",
            "change status",
            TECHNICAL_WRITE,
        ),
        rule(
            "save_technical_incident_investigation",
            "technical incident",
            "record the investigation",
            TECHNICAL_WRITE,
        ),
    ],
};

/// What `user` may do with `operation`; 403 when its roles may not use it at all.
pub fn check(operation: &str, user: &AuthUser) -> Result<Access, ApiError> {
    POLICY.check(operation, user)
}

/// The scope of `user` for `operation`.
pub fn scope(operation: &str, user: &AuthUser) -> Result<Scope, ApiError> {
    check(operation, user).map(|a| a.scope)
}

fn refuse(code: &'static str, vi: &str, en: &str) -> ApiError {
    ApiError::ForbiddenRecord {
        code,
        detail: Text::new(vi.to_owned(), en.to_owned()),
    }
}

/// The investigation level whose team `role` is (none for the authorities, who may
/// record any level).
fn team_of(role: Role) -> Option<InvestigationLevel> {
    match role {
        Enterprise => Some(InvestigationLevel::Employer),
        Commune => Some(InvestigationLevel::Commune),
        _ => None,
    }
}

/// The case is the caller's to investigate: refused with `investigation_not_yours`
/// when the condition [`Condition::InvestigatesCase`] holds and the case's level is
/// another team's. The authorities' grants carry no condition.
pub fn may_investigate(access: &Access, case_level: InvestigationLevel) -> Result<(), ApiError> {
    if access.condition != Condition::InvestigatesCase {
        return Ok(());
    }
    if team_of(access.role) == Some(case_level) {
        return Ok(());
    }
    Err(refuse(
        "investigation_not_yours",
        "Vụ tai nạn này do Đoàn điều tra cấp tỉnh (Sở Nội vụ) điều tra: chỉ Sở Nội vụ ghi biên bản, gia hạn, kết luận và chuyển trạng thái.",
        "This case is investigated by the provincial team (Sở Nội vụ): only it records, extends, concludes and moves it.",
    ))
}

/// An investigation record sent by `access`'s holder for a case at `case_level`, whose
/// stored record (if any) was made by a team at `stored_team`: the caller records only
/// its own team's investigation, and never replaces the record of a higher team.
pub fn may_record(
    access: &Access,
    case_level: InvestigationLevel,
    team_level: InvestigationLevel,
    stored_team: Option<InvestigationLevel>,
) -> Result<(), ApiError> {
    may_investigate(access, case_level)?;
    let Some(own_team) = team_of(access.role) else {
        return Ok(());
    };
    if team_level != own_team || stored_team.is_some_and(|t| t != own_team) {
        return Err(refuse(
            "investigation_team_not_yours",
            "Chỉ được ghi biên bản của đoàn điều tra của chính đơn vị mình; biên bản của đoàn cấp trên không được thay thế.",
            "You may record only your own team's investigation, and never replace a higher team's record.",
        ));
    }
    Ok(())
}

/// A status change by `access`'s holder on a case at `case_level`.
pub fn may_move(
    access: &Access,
    case_level: InvestigationLevel,
    _to: Status,
) -> Result<(), ApiError> {
    // The team that investigates moves the case through every step; no other team does.
    may_investigate(access, case_level)
}

/// A declaration in `sector` at `place_commune` by `access`'s holder.
pub fn may_declare(access: &Access, sector: Sector, place_commune: &str) -> Result<(), ApiError> {
    if access.condition != Condition::OwnSector {
        return Ok(());
    }
    let ok = match (&access.scope, sector) {
        (Scope::TaxCode(_), Sector::WithLabourRelation) => true,
        (Scope::Commune(code), Sector::WithoutLabourContract) => code == place_commune,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "sector_not_yours",
            "Doanh nghiệp khai báo tai nạn của người lao động có quan hệ lao động; xã/phường khai báo tai nạn của người lao động không có hợp đồng lao động xảy ra trên địa bàn mình.",
            "An employer declares accidents of workers with a labour relation; a commune those of workers without a labour contract in its own commune.",
        ))
    }
}

/// A report of `kind` (for `commune_code`) submitted by `access`'s holder: an employer
/// its employer report, a commune its own commune's report.
pub fn may_submit_report(
    access: &Access,
    kind: ReportKind,
    commune_code: Option<&str>,
) -> Result<(), ApiError> {
    let ok = match (&access.scope, kind) {
        (Scope::All, _) | (Scope::TaxCode(_), ReportKind::Employer) => true,
        (Scope::Commune(code), ReportKind::Commune) => commune_code == Some(code.as_str()),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "report_not_yours",
            "Doanh nghiệp nộp báo cáo của doanh nghiệp mình; xã/phường nộp báo cáo của xã/phường mình.",
            "An employer submits its own employer report; a commune its own commune report.",
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn user(role: Role, org: Option<&str>) -> AuthUser {
        AuthUser {
            subject: "t".into(),
            issuer: "t".into(),
            roles: vec![role],
            org: org.map(str::to_owned),
        }
    }

    fn code(e: ApiError) -> &'static str {
        e.code()
    }

    #[test]
    fn an_employer_investigates_only_employer_level_cases() {
        let employer = check("save_investigation", &user(Enterprise, Some("0100047516"))).unwrap();
        assert!(may_investigate(&employer, InvestigationLevel::Employer).is_ok());
        assert_eq!(
            code(may_investigate(&employer, InvestigationLevel::Provincial).unwrap_err()),
            "investigation_not_yours"
        );
        assert_eq!(
            code(
                may_record(
                    &employer,
                    InvestigationLevel::Employer,
                    InvestigationLevel::Provincial,
                    None
                )
                .unwrap_err()
            ),
            "investigation_team_not_yours"
        );
        assert_eq!(
            code(
                may_record(
                    &employer,
                    InvestigationLevel::Employer,
                    InvestigationLevel::Employer,
                    Some(InvestigationLevel::Provincial)
                )
                .unwrap_err()
            ),
            "investigation_team_not_yours"
        );
        let labour = check("save_investigation", &user(LaborAuthority, Some("SNV"))).unwrap();
        assert!(may_investigate(&labour, InvestigationLevel::Provincial).is_ok());
        assert!(
            may_record(
                &labour,
                InvestigationLevel::Employer,
                InvestigationLevel::Provincial,
                Some(InvestigationLevel::Employer)
            )
            .is_ok()
        );
        let commune = check("change_accident_status", &user(Commune, Some("01273"))).unwrap();
        assert!(may_move(&commune, InvestigationLevel::Commune, Status::Closed).is_ok());
        assert!(may_move(&commune, InvestigationLevel::Employer, Status::Closed).is_err());
    }

    #[test]
    fn declarations_follow_the_sector() {
        let employer = check("declare_accident", &user(Enterprise, Some("0100047516"))).unwrap();
        assert!(may_declare(&employer, Sector::WithLabourRelation, "01273").is_ok());
        assert!(may_declare(&employer, Sector::WithoutLabourContract, "01273").is_err());
        let commune = check("declare_accident", &user(Commune, Some("01273"))).unwrap();
        assert!(may_declare(&commune, Sector::WithoutLabourContract, "01273").is_ok());
        assert!(may_declare(&commune, Sector::WithoutLabourContract, "01279").is_err());
        assert!(may_declare(&commune, Sector::WithLabourRelation, "01273").is_err());
    }
}
