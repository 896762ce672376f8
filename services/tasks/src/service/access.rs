//! Who may do what in the tasks service: the table ([`POLICY`]) every use-case asks
//! (see `shared::access`).

use shared::access::{Access, Grant, Policy, Scope, all, own, rule};
use shared::auth::{AuthUser, Role};
use shared::error::ApiError;

use Role::{Admin, Agency, HealthAuthority, LaborAuthority, Viewer};

/// The plan, its targets, agencies, KPIs and the compliance board: every authority,
/// agency and viewer.
const READ_PLAN: &[Grant] = &[all(&[
    Admin,
    LaborAuthority,
    HealthAuthority,
    Agency,
    Viewer,
])];

/// Tasks: Sở Nội vụ, Sở Y tế and viewers read all; an agency the tasks assigned to it.
const READ_TASKS: &[Grant] = &[
    all(&[Admin, LaborAuthority, HealthAuthority, Viewer]),
    own(&[Agency]),
];

/// Plan reports, drafts and reminders: Sở Nội vụ all, an agency its own.
const AGENCY_REPORTS: &[Grant] = &[all(&[Admin, LaborAuthority]), own(&[Agency])];

/// Managing the plan: Sở Nội vụ, which follows it for the province.
const MANAGE: &[Grant] = &[all(&[Admin, LaborAuthority])];

/// The tasks service's table, by `operationId` of `openapi/tasks.json`.
pub const POLICY: Policy = Policy {
    service: "tasks",
    rules: &[
        rule("list_plans", "plan", "list", READ_PLAN),
        rule("get_plan", "plan", "read", READ_PLAN),
        rule("list_plan_targets", "plan", "read targets", READ_PLAN),
        rule("get_plan_kpis", "plan", "read KPIs", READ_PLAN),
        // Sở Nội vụ, admin, and viewers (who read the compliance board and the plan).
        rule(
            "get_consolidated_report",
            "plan",
            "consolidated report",
            &[all(&[Admin, LaborAuthority, Viewer])],
        ),
        rule("list_indicators", "indicator", "list", READ_PLAN),
        rule("get_data_set", "data set", "read", READ_PLAN),
        // Sở Nội vụ and the statistics readers; an agency reads its own report.
        rule(
            "get_indicator_values",
            "indicator",
            "totals",
            &[all(&[Admin, LaborAuthority, HealthAuthority, Viewer])],
        ),
        rule("list_code_lists", "code list", "list", READ_PLAN),
        rule("get_code_list", "code list", "read", READ_PLAN),
        rule("list_agencies", "agency", "list", READ_PLAN),
        rule("get_agency", "agency", "read", READ_PLAN),
        rule("create_agency", "agency", "create", MANAGE),
        rule("update_agency", "agency", "update", MANAGE),
        rule(
            "list_agency_revisions",
            "agency",
            "read revisions",
            READ_PLAN,
        ),
        rule("list_tasks", "task", "list", READ_TASKS),
        rule("get_task", "task", "read", READ_TASKS),
        rule("create_task", "task", "create", MANAGE),
        rule("update_task", "task", "update", MANAGE),
        rule("list_task_revisions", "task", "read revisions", READ_TASKS),
        rule("update_target", "target", "update", MANAGE),
        rule(
            "list_target_revisions",
            "target",
            "read revisions",
            READ_PLAN,
        ),
        rule("import_plan", "plan", "import", MANAGE),
        rule(
            "get_compliance",
            "plan report",
            "compliance board",
            READ_PLAN,
        ),
        rule("list_plan_reports", "plan report", "list", AGENCY_REPORTS),
        rule("get_plan_report", "plan report", "read", AGENCY_REPORTS),
        rule(
            "list_plan_report_revisions",
            "plan report",
            "read revisions",
            AGENCY_REPORTS,
        ),
        rule(
            "submit_plan_report",
            "plan report",
            "submit",
            AGENCY_REPORTS,
        ),
        rule(
            "get_plan_report_draft",
            "plan report",
            "draft",
            AGENCY_REPORTS,
        ),
        rule("review_plan_report", "plan report", "review", MANAGE),
        rule("list_reminders", "reminder", "list", AGENCY_REPORTS),
    ],
};

/// What `user` may do with `operation`; 403 when its roles may not use it at all.
pub fn check(operation: &str, user: &AuthUser) -> Result<Access, ApiError> {
    POLICY.check(operation, user)
}

/// Whose records `user` reaches with `operation`: every agency's (`None`) or only its
/// own agency's.
pub fn agency_scope(operation: &str, user: &AuthUser) -> Result<Option<String>, ApiError> {
    match check(operation, user)?.scope {
        Scope::Agency(own) => Ok(Some(own)),
        Scope::All => Ok(None),
        // Nothing in this service belongs to an employer or a commune.
        Scope::TaxCode(_) | Scope::Commune(_) => Err(ApiError::Forbidden),
    }
}
