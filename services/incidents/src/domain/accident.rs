//! Occupational accidents (tai nạn lao động, TNLĐ): how a case is classified, who
//! must be told, who investigates and by when, and how its status may move.
//!
//! Rules from Nghị định 39/2016/NĐ-CP art. 9 (severity), the Law on OSH art. 34–35
//! (declaration, investigation levels and deadlines); see docs/domain.md, "Severity of an
//! accident" to "Investigation levels and deadlines".
//! Deadlines are counted in calendar days from the first notification (`notified_at`);
//! whether the law means calendar days is not verified (docs/domain.md tags it [M?]), so the
//! day counts live in [`DeadlineRules`] and can be replaced.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Severity of one casualty (ND 39 art. 9). Ordered: a case is as severe as its worst casualty.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// TNLĐ làm bị thương nhẹ.
    Minor,
    /// TNLĐ làm bị thương nặng: an injury in Phụ lục II of ND 39.
    Serious,
    /// TNLĐ làm chết người.
    Fatal,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Serious => "serious",
            Severity::Fatal => "fatal",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Minor, Severity::Serious, Severity::Fatal]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The two statistical sectors every accident report is split by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Khu vực có quan hệ lao động: the employer declares.
    WithLabourRelation,
    /// Khu vực người lao động làm việc không theo hợp đồng lao động: the commune reports.
    WithoutLabourContract,
}

impl Sector {
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::WithLabourRelation => "with_labour_relation",
            Sector::WithoutLabourContract => "without_labour_contract",
        }
    }

    pub fn parse(s: &str) -> Option<Sector> {
        [Sector::WithLabourRelation, Sector::WithoutLabourContract]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Who investigates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestigationLevel {
    /// Đoàn điều tra TNLĐ cấp cơ sở, formed by the employer.
    Employer,
    /// Đoàn điều tra TNLĐ cấp tỉnh, formed by Sở Nội vụ since July 2025.
    Provincial,
    /// The commune people's committee records accidents of workers without a contract.
    Commune,
}

impl InvestigationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            InvestigationLevel::Employer => "employer",
            InvestigationLevel::Provincial => "provincial",
            InvestigationLevel::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Employer, Self::Provincial, Self::Commune]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Where a declaration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Declared,
    UnderInvestigation,
    /// The investigation record was announced (công bố biên bản điều tra).
    RecordAnnounced,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Declared,
        Status::UnderInvestigation,
        Status::RecordAnnounced,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Declared => "declared",
            Status::UnderInvestigation => "under_investigation",
            Status::RecordAnnounced => "record_announced",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Only one step forward at a time: declared → under investigation → record
    /// announced → closed.
    pub fn can_move_to(self, next: Status) -> bool {
        matches!(
            (self, next),
            (Status::Declared, Status::UnderInvestigation)
                | (Status::UnderInvestigation, Status::RecordAnnounced)
                | (Status::RecordAnnounced, Status::Closed)
        )
    }

    /// Whether the investigation clock still runs.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Declared | Status::UnderInvestigation)
    }
}

/// Maximum investigation periods in days (Law art. 35(6)), kept as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlineRules {
    pub minor: i64,
    pub serious_one: i64,
    pub serious_several: i64,
    pub fatal: i64,
    /// When technical or forensic examination is needed (giám định kỹ thuật, pháp y).
    pub with_examination: i64,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        Self {
            minor: 4,
            serious_one: 7,
            serious_several: 20,
            fatal: 30,
            with_examination: 60,
        }
    }
}

/// What follows from a case's casualties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub case_severity: Severity,
    pub fatal: usize,
    pub serious: usize,
    /// Any death, or two or more seriously injured: declare at once to Sở Nội vụ.
    pub requires_immediate_declaration: bool,
    /// Any death: the police must be told too.
    pub requires_police_notice: bool,
    pub investigation_level: InvestigationLevel,
    /// The base investigation period in days.
    pub investigation_days: i64,
}

/// Classifies a case from its casualties' severities. A case has at least one casualty;
/// with none it counts as minor.
pub fn classify(
    sector: Sector,
    severities: &[Severity],
    needs_examination: bool,
    rules: &DeadlineRules,
) -> Classification {
    let fatal = severities.iter().filter(|s| **s == Severity::Fatal).count();
    let serious = severities
        .iter()
        .filter(|s| **s == Severity::Serious)
        .count();
    let case_severity = severities.iter().copied().max().unwrap_or(Severity::Minor);
    let grave = fatal > 0 || serious >= 2;
    let investigation_level = match sector {
        Sector::WithoutLabourContract => InvestigationLevel::Commune,
        Sector::WithLabourRelation if grave => InvestigationLevel::Provincial,
        Sector::WithLabourRelation => InvestigationLevel::Employer,
    };
    let investigation_days = if needs_examination {
        rules.with_examination
    } else if fatal > 0 {
        rules.fatal
    } else if serious >= 2 {
        rules.serious_several
    } else if serious == 1 {
        rules.serious_one
    } else {
        rules.minor
    };
    Classification {
        case_severity,
        fatal,
        serious,
        requires_immediate_declaration: grave,
        requires_police_notice: fatal > 0,
        investigation_level,
        investigation_days,
    }
}

/// The investigation deadline: `notified_at` plus the base period plus the one
/// extension, if granted.
pub fn deadline(
    notified_at: DateTime<Utc>,
    base_days: i64,
    extension_days: Option<i64>,
) -> DateTime<Utc> {
    notified_at + Duration::days(base_days + extension_days.unwrap_or(0))
}

/// Why an extension is refused, if it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtensionError {
    /// Only serious or fatal cases may be extended.
    NotSeriousEnough,
    /// An extension may not exceed the base period.
    TooLong,
    /// Zero or negative.
    NotPositive,
}

/// One extension at most (a new value replaces the old, never adds to it), for serious
/// or fatal cases, no longer than the base period.
pub fn check_extension(
    case_severity: Severity,
    base_days: i64,
    extension_days: i64,
) -> Result<(), ExtensionError> {
    if extension_days <= 0 {
        Err(ExtensionError::NotPositive)
    } else if case_severity == Severity::Minor {
        Err(ExtensionError::NotSeriousEnough)
    } else if extension_days > base_days {
        Err(ExtensionError::TooLong)
    } else {
        Ok(())
    }
}

/// Overdue: the deadline passed while the investigation was still open.
pub fn is_overdue(status: Status, deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status.is_open() && now > deadline
}

/// A casualty's severity may only be raised (minor → serious → fatal), as when a
/// death follows a relapse.
pub fn can_raise(from: Severity, to: Severity) -> bool {
    to > from
}

#[cfg(test)]
mod tests {
    use super::Severity::{Fatal, Minor, Serious};
    use super::*;

    fn classify_lr(severities: &[Severity]) -> Classification {
        classify(
            Sector::WithLabourRelation,
            severities,
            false,
            &DeadlineRules::default(),
        )
    }

    #[test]
    fn a_fatal_case_with_a_serious_casualty() {
        let c = classify_lr(&[Fatal, Serious]);
        assert_eq!(c.case_severity, Fatal);
        assert!(c.requires_immediate_declaration);
        assert!(c.requires_police_notice);
        assert_eq!(c.investigation_level, InvestigationLevel::Provincial);
        assert_eq!(c.investigation_days, 30);
    }

    #[test]
    fn two_seriously_injured_go_to_the_province_in_20_days() {
        let c = classify_lr(&[Serious, Serious, Minor]);
        assert_eq!(c.case_severity, Serious);
        assert!(c.requires_immediate_declaration);
        assert!(!c.requires_police_notice);
        assert_eq!(c.investigation_level, InvestigationLevel::Provincial);
        assert_eq!(c.investigation_days, 20);
    }

    #[test]
    fn one_seriously_injured_stays_with_the_employer_for_7_days() {
        let c = classify_lr(&[Serious, Minor]);
        assert!(!c.requires_immediate_declaration);
        assert_eq!(c.investigation_level, InvestigationLevel::Employer);
        assert_eq!(c.investigation_days, 7);
    }

    #[test]
    fn minor_cases_have_4_days() {
        let c = classify_lr(&[Minor, Minor]);
        assert_eq!(c.case_severity, Minor);
        assert!(!c.requires_immediate_declaration && !c.requires_police_notice);
        assert_eq!(c.investigation_days, 4);
        assert_eq!(classify_lr(&[]).case_severity, Minor);
    }

    #[test]
    fn examination_takes_60_days_whatever_the_severity() {
        let c = classify(
            Sector::WithLabourRelation,
            &[Minor],
            true,
            &DeadlineRules::default(),
        );
        assert_eq!(c.investigation_days, 60);
    }

    #[test]
    fn workers_without_a_contract_take_the_commune_path() {
        let c = classify(
            Sector::WithoutLabourContract,
            &[Fatal],
            false,
            &DeadlineRules::default(),
        );
        assert_eq!(c.investigation_level, InvestigationLevel::Commune);
        assert!(c.requires_immediate_declaration && c.requires_police_notice);
        assert_eq!(c.investigation_days, 30);
    }

    #[test]
    fn deadlines_count_from_notification_with_one_bounded_extension() {
        let notified = DateTime::parse_from_rfc3339("2026-03-01T09:00:00+07:00")
            .map(|d| d.to_utc())
            .unwrap_or_default();
        assert_eq!(deadline(notified, 30, None), notified + Duration::days(30));
        assert_eq!(
            deadline(notified, 30, Some(30)),
            notified + Duration::days(60)
        );
        assert_eq!(check_extension(Fatal, 30, 30), Ok(()));
        assert_eq!(check_extension(Fatal, 30, 31), Err(ExtensionError::TooLong));
        assert_eq!(
            check_extension(Minor, 4, 2),
            Err(ExtensionError::NotSeriousEnough)
        );
        assert_eq!(
            check_extension(Serious, 7, 0),
            Err(ExtensionError::NotPositive)
        );
    }

    #[test]
    fn status_moves_one_step_forward_only() {
        use Status::*;
        assert!(Declared.can_move_to(UnderInvestigation));
        assert!(UnderInvestigation.can_move_to(RecordAnnounced));
        assert!(RecordAnnounced.can_move_to(Closed));
        assert!(!Declared.can_move_to(Closed));
        assert!(!Declared.can_move_to(RecordAnnounced));
        assert!(!Closed.can_move_to(Declared));
        assert!(!UnderInvestigation.can_move_to(Declared));
        assert!(!Declared.can_move_to(Declared));
    }

    #[test]
    fn overdue_only_while_open() {
        let deadline = Utc::now() - Duration::days(1);
        assert!(is_overdue(Status::Declared, deadline, Utc::now()));
        assert!(is_overdue(Status::UnderInvestigation, deadline, Utc::now()));
        assert!(!is_overdue(Status::RecordAnnounced, deadline, Utc::now()));
        assert!(!is_overdue(
            Status::Declared,
            Utc::now() + Duration::days(1),
            Utc::now()
        ));
    }

    #[test]
    fn severity_is_only_ever_raised() {
        assert!(can_raise(Minor, Serious));
        assert!(can_raise(Minor, Fatal));
        assert!(can_raise(Serious, Fatal));
        assert!(!can_raise(Fatal, Serious));
        assert!(!can_raise(Serious, Serious));
    }
}
