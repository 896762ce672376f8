//! Who may do what in the health-stats service: the table ([`POLICY`]) every use-case
//! asks (see `shared::access`).

use shared::access::{Access, Condition, Grant, Policy, STATISTICS_READERS, Scope, all, own, rule};
use shared::auth::{AuthUser, Role};
use shared::error::ApiError;

use Role::{Admin, Enterprise, HealthAuthority, Insurer, LaborAuthority};

/// Health reports and disease cases (health data): the health and labour authorities
/// and admin read all, an employer its own.
const READ_REPORTS: &[Grant] = &[
    all(&[Admin, HealthAuthority, LaborAuthority]),
    own(&[Enterprise]),
];

/// Filed by the employer itself, or by the health authority.
const FILE_REPORTS: &[Grant] = &[all(&[Admin, HealthAuthority]), own(&[Enterprise])];

/// The health-stats service's table, by `operationId` of `openapi/health-stats.json`.
pub const POLICY: Policy = Policy {
    service: "health_stats",
    rules: &[
        rule(
            "list_health_exam_reports",
            "health-exam report",
            "list",
            READ_REPORTS,
        ),
        rule(
            "get_health_exam_report",
            "health-exam report",
            "read",
            READ_REPORTS,
        ),
        rule(
            "submit_health_exam_report",
            "health-exam report",
            "file",
            FILE_REPORTS,
        ),
        rule(
            "import_health_exam_reports",
            "health-exam report",
            "import",
            &[all(&[Admin, HealthAuthority])],
        ),
        rule(
            "list_monitoring_reports",
            "monitoring report",
            "list",
            READ_REPORTS,
        ),
        rule(
            "get_monitoring_report",
            "monitoring report",
            "read",
            READ_REPORTS,
        ),
        rule(
            "list_monitoring_report_revisions",
            "monitoring report",
            "read revisions",
            READ_REPORTS,
        ),
        rule(
            "submit_monitoring_report",
            "monitoring report",
            "file",
            FILE_REPORTS,
        ),
        rule(
            "list_disease_cases",
            "occupational-disease case",
            "list",
            READ_REPORTS,
        ),
        rule(
            "get_disease_case",
            "occupational-disease case",
            "read",
            READ_REPORTS,
        ),
        rule(
            "record_disease_case",
            "occupational-disease case",
            "record",
            &[all(&[Admin, HealthAuthority])],
        ),
        rule(
            "assess_disease_case",
            "occupational-disease case",
            "assess",
            &[all(&[Admin, HealthAuthority])],
        ),
        rule(
            "get_health_statistics",
            "health statistics",
            "read",
            STATISTICS_READERS,
        ),
        rule(
            "get_monitoring_statistics",
            "monitoring statistics",
            "read",
            STATISTICS_READERS,
        ),
        rule(
            "get_bhxh_disease_cases",
            "BHXH disease-case feed",
            "read",
            &[all(&[Insurer])],
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
            &[all(&[Admin, HealthAuthority])],
        ),
        // The labour inspectors read it through incidents' reconciliation too.
        rule(
            "get_bhxh_disease_reconciliation",
            "BHXH reconciliation",
            "read",
            &[all(&[Admin, HealthAuthority, LaborAuthority])],
        ),
        // Code lists name codes, not people: every signed-in role.
        rule("list_code_lists", "code list", "list", &[all(&Role::ALL)]),
        rule("get_code_list", "code list", "read", &[all(&Role::ALL)]),
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

/// Whether `operation` shows `user` aggregates with small cells hidden.
pub fn small_cells_hidden(operation: &str, user: &AuthUser) -> Result<bool, ApiError> {
    Ok(check(operation, user)?.condition == Condition::SmallCellsHidden)
}
