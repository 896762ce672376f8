//! Who may do what, as data (issue 11).
//!
//! Each service keeps one table, a [`Policy`]: for every operation of its API (keyed by
//! the `operationId` of its OpenAPI document) the resource, the action, and the
//! [`Grant`]s — which roles may use it, on which records ([`Reach`]), and under which
//! further [`Condition`] on the record. The use-cases ask the table
//! ([`Policy::check`]) and get the caller's [`Scope`], which the repositories filter by;
//! the conditions on a record (an investigation level, a sector) are checked by the
//! service's own `access` module, which reads the condition from the same table. The
//! security matrix (`tests/e2e/security_matrix.rs`) and the "who may do what" table of
//! `docs/integration.md` are derived from these tables, never copied.

use std::fmt::Write as _;

use crate::auth::{AuthUser, Role};
use crate::error::ApiError;

use Role::{Admin, Agency, Commune, Enterprise, HealthAuthority, Insurer, LaborAuthority, Viewer};

/// Whose records a caller reaches; what the repositories filter by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every record.
    All,
    /// An employer: the records of its tax code (normalised as records keep it).
    TaxCode(String),
    /// A commune or ward: the records of its commune code.
    Commune(String),
    /// An agency (sở, ngành, former district): the records of its agency code.
    Agency(String),
}

impl Scope {
    /// The employer's own tax code, when the scope is one employer's.
    pub fn tax_code(&self) -> Option<&str> {
        match self {
            Scope::TaxCode(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The agency's own code, when the scope is one agency's.
    pub fn agency(&self) -> Option<&str> {
        match self {
            Scope::Agency(a) => Some(a.as_str()),
            _ => None,
        }
    }

    /// Whether a record of the employer with `tax_code` is within the scope.
    pub fn allows_tax_code(&self, tax_code: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::TaxCode(own) => own == tax_code,
            Scope::Commune(_) | Scope::Agency(_) => false,
        }
    }

    pub fn is_all(&self) -> bool {
        *self == Scope::All
    }
}

/// Which records a grant reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every record.
    All,
    /// The records of the caller's own organisation (its `org` claim): an employer's
    /// tax code, a commune's code, an agency's code.
    Own,
}

/// A further condition on the record, beyond whose it is. The service that owns the
/// record checks it (the table says which applies, the service knows the record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    None,
    /// The accident's investigation is the caller's to record (ND 39/2016): an
    /// employer's only at level `employer` (minor, or one seriously injured worker), a
    /// commune's only at level `commune` (workers without a labour contract).
    InvestigatesCase,
    /// An employer declares accidents of workers with a labour relation; a commune those
    /// of workers without a labour contract in its own commune.
    OwnSector,
    /// The casualty is in the BHXH feed (its investigation concluded: occupational accident).
    InBhxhFeed,
    /// Aggregates with small cells hidden.
    SmallCellsHidden,
    /// The caller's own jobs (an admin's: every job).
    OwnJobs,
    /// Employer reports for an employer, commune reports for a commune.
    OwnReportKind,
}

impl Condition {
    /// How the "who may do what" table shows the condition ("" for none).
    pub fn describe(self) -> &'static str {
        match self {
            Condition::None => "",
            Condition::InvestigatesCase => "only cases at its investigation level",
            Condition::OwnSector => "only its sector",
            Condition::InBhxhFeed => "only casualties in the BHXH feed",
            Condition::SmallCellsHidden => "small cells hidden",
            Condition::OwnJobs => "own jobs",
            Condition::OwnReportKind => "only its kind of report",
        }
    }
}

/// These roles may use an operation on the records `reach` names, when `condition` holds.
#[derive(Clone, Copy, Debug)]
pub struct Grant {
    pub roles: &'static [Role],
    pub reach: Reach,
    pub condition: Condition,
}

/// Every record, no further condition.
pub const fn all(roles: &'static [Role]) -> Grant {
    Grant {
        roles,
        reach: Reach::All,
        condition: Condition::None,
    }
}

/// The caller's own organisation's records, no further condition.
pub const fn own(roles: &'static [Role]) -> Grant {
    Grant {
        roles,
        reach: Reach::Own,
        condition: Condition::None,
    }
}

impl Grant {
    pub const fn when(self, condition: Condition) -> Grant {
        Grant { condition, ..self }
    }
}

/// Who reads the aggregate statistics in every service: the authorities and agencies
/// all, a viewer with small cells hidden.
pub const STATISTICS_READERS: &[Grant] = &[
    all(&[
        Role::Admin,
        Role::LaborAuthority,
        Role::HealthAuthority,
        Role::Agency,
    ]),
    all(&[Role::Viewer]).when(Condition::SmallCellsHidden),
];

/// One operation: what it does to which resource, and who may.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The `operationId` in the service's OpenAPI document.
    pub operation: &'static str,
    pub resource: &'static str,
    pub action: &'static str,
    /// Most reaching first: a caller holding several roles gets the first that applies.
    pub grants: &'static [Grant],
}

/// What [`Policy::check`] grants a caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The role the grant was made to.
    pub role: Role,
    pub scope: Scope,
    pub condition: Condition,
}

/// One row of a service's table.
pub const fn rule(
    operation: &'static str,
    resource: &'static str,
    action: &'static str,
    grants: &'static [Grant],
) -> Rule {
    Rule {
        operation,
        resource,
        action,
        grants,
    }
}

/// A service's table.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// The service's name, the prefix of its operation ids in the merged spec.
    pub service: &'static str,
    pub rules: &'static [Rule],
}

/// The operations every service has (receipts, audit trail, subscriptions, jobs).
pub const COMMON: &[Rule] = &[
    Rule {
        operation: "list_receipt_keys",
        resource: "receipt",
        action: "read",
        grants: &[all(&Role::ALL)],
    },
    Rule {
        operation: "verify_receipt",
        resource: "receipt",
        action: "verify",
        grants: &[all(&Role::ALL)],
    },
    Rule {
        operation: "list_audit_events",
        resource: "audit trail",
        action: "read",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "verify_audit_chain",
        resource: "audit trail",
        action: "verify",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "list_subscriptions",
        resource: "subscription",
        action: "list",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "create_subscription",
        resource: "subscription",
        action: "create",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "update_subscription",
        resource: "subscription",
        action: "update",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "list_deliveries",
        resource: "subscription",
        action: "read deliveries",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "replay_delivery",
        resource: "subscription",
        action: "replay a delivery",
        grants: &[all(&[Admin])],
    },
    Rule {
        operation: "get_job",
        resource: "job",
        action: "read",
        grants: &[
            all(&[Admin]),
            Grant {
                roles: &[
                    LaborAuthority,
                    HealthAuthority,
                    Agency,
                    Enterprise,
                    Commune,
                    Insurer,
                    Viewer,
                ],
                reach: Reach::All,
                condition: Condition::OwnJobs,
            },
        ],
    },
];

/// The common operations as a policy of their own, for the shared routes.
pub const COMMON_POLICY: Policy = Policy {
    service: "",
    rules: COMMON,
};

impl Policy {
    /// Every rule: the service's own, then the common ones.
    pub fn all_rules(&self) -> impl Iterator<Item = &'static Rule> {
        self.rules
            .iter()
            .chain(COMMON.iter().filter(|_| !self.service.is_empty()))
    }

    /// The rule of `operation`, if the table has one.
    pub fn rule(&self, operation: &str) -> Option<&'static Rule> {
        self.all_rules().find(|r| r.operation == operation)
    }

    /// The roles that may use `operation` on some record.
    pub fn allowed_roles(&self, operation: &str) -> Option<Vec<Role>> {
        let rule = self.rule(operation)?;
        Some(
            Role::ALL
                .into_iter()
                .filter(|role| rule.grants.iter().any(|g| g.roles.contains(role)))
                .collect(),
        )
    }

    /// The roles that may never use `operation` (403 whatever the record).
    pub fn forbidden_roles(&self, operation: &str) -> Option<Vec<Role>> {
        let allowed = self.allowed_roles(operation)?;
        Some(
            Role::ALL
                .into_iter()
                .filter(|r| !allowed.contains(r))
                .collect(),
        )
    }

    /// What the caller may do with `operation`: the first grant (in table order) of a
    /// role it holds, with its scope; 403 when it holds none. An operation missing
    /// from the table is refused too (and the security matrix reports it).
    pub fn check(&self, operation: &str, user: &AuthUser) -> Result<Access, ApiError> {
        let Some(rule) = self.rule(operation) else {
            tracing::error!(operation, "no access rule; refused");
            return Err(ApiError::Forbidden);
        };
        for grant in rule.grants {
            if let Some(role) = grant.roles.iter().find(|r| user.has(**r)) {
                return Ok(Access {
                    role: *role,
                    scope: scope_of(user, *role, grant.reach)?,
                    condition: grant.condition,
                });
            }
        }
        Err(ApiError::Forbidden)
    }

    /// The table in Markdown, one row per operation (the common ones once, by
    /// [`COMMON_POLICY`]): the rendering `docs/integration.md` keeps.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| operation | resource | action | who may (on which records) |"
        );
        let _ = writeln!(out, "|---|---|---|---|");
        for rule in self.rules {
            let who: Vec<String> = rule
                .grants
                .iter()
                .map(|g| {
                    let roles: Vec<String> = g
                        .roles
                        .iter()
                        .map(|r| format!("`{}`", r.as_str()))
                        .collect();
                    let mut text = roles.join(", ");
                    let mut notes = Vec::new();
                    if g.reach == Reach::Own {
                        notes.push("own organisation's");
                    }
                    if g.condition != Condition::None {
                        notes.push(g.condition.describe());
                    }
                    if !notes.is_empty() {
                        let _ = write!(text, " ({})", notes.join("; "));
                    }
                    text
                })
                .collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                rule.operation,
                rule.resource,
                rule.action,
                who.join("; ")
            );
        }
        out
    }
}

/// The scope a grant of `reach` gives `user` through `role`.
pub fn scope_of(user: &AuthUser, role: Role, reach: Reach) -> Result<Scope, ApiError> {
    if reach == Reach::All {
        return Ok(Scope::All);
    }
    match role {
        Enterprise => Ok(Scope::TaxCode(own_tax_code(user))),
        Commune => Ok(Scope::Commune(user.org.clone().unwrap_or_default())),
        // An agency token without its agency code sees nothing rather than everything.
        Agency => user
            .org
            .clone()
            .filter(|o| !o.is_empty())
            .map(Scope::Agency)
            .ok_or(ApiError::Forbidden),
        // These roles have no organisation of their own a record could belong to.
        Admin | LaborAuthority | HealthAuthority | Insurer | Viewer => Err(ApiError::Forbidden),
    }
}

/// An enterprise's own tax code, in the normalised form records are stored in. An
/// organisation claim that is no valid tax code matches nothing.
pub fn own_tax_code(user: &AuthUser) -> String {
    user.org
        .as_deref()
        .and_then(|org| crate::validate::parse_tax_code(org).ok())
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
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

    const POLICY: Policy = Policy {
        service: "test",
        rules: &[Rule {
            operation: "read_thing",
            resource: "thing",
            action: "read",
            grants: &[all(&[Admin]), own(&[Enterprise, Agency])],
        }],
    };

    #[test]
    fn the_first_grant_of_a_held_role_decides_the_scope() {
        assert_eq!(
            POLICY
                .check("read_thing", &user(Admin, None))
                .unwrap()
                .scope,
            Scope::All
        );
        assert_eq!(
            POLICY
                .check("read_thing", &user(Enterprise, Some("0100047516")))
                .unwrap()
                .scope,
            Scope::TaxCode("0100047516".into())
        );
        let mut both = user(Enterprise, Some("0100047516"));
        both.roles.push(Admin);
        assert_eq!(POLICY.check("read_thing", &both).unwrap().scope, Scope::All);
        assert!(POLICY.check("read_thing", &user(Viewer, None)).is_err());
        assert!(POLICY.check("read_thing", &user(Agency, None)).is_err());
        assert!(
            POLICY
                .check("no_such_operation", &user(Admin, None))
                .is_err()
        );
    }

    #[test]
    fn common_operations_belong_to_every_service() {
        assert_eq!(
            POLICY.forbidden_roles("list_audit_events").unwrap().len(),
            Role::ALL.len() - 1
        );
        assert_eq!(POLICY.forbidden_roles("verify_receipt"), Some(vec![]));
        assert_eq!(
            POLICY.forbidden_roles("read_thing").unwrap(),
            vec![LaborAuthority, HealthAuthority, Commune, Insurer, Viewer]
        );
    }
}
