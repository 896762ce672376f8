//! Loading another plan beside plan 664 over the API (`POST /plan-files`): a file in
//! the seed format (`seed/plan-664.json`; an example yearly plan ships as
//! `seed/ke-hoach-2026-example.json`) goes through the same loader as the seed.

use std::collections::HashSet;

use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::{ApiError, Text};
use shared::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};

use super::plans::{PlanView, view};
use crate::db::{agencies, plans};
use crate::domain::seed::SeedFile;

/// The plans a file added, and how many of its agencies were new.
pub struct Imported {
    pub plans: Vec<PlanView>,
    pub agencies_added: usize,
}

pub type RenderImport = fn(&Imported) -> Result<StoredResponse, ApiError>;

/// Loads the plans of `file`. A plan whose number is stored is refused (409
/// `plan_exists`) rather than skipped, so a caller never takes "nothing loaded" for
/// success; the file's agencies that are stored are kept as they are.
#[tracing::instrument(skip_all)]
pub async fn import_plans(
    db: &Db,
    user: &AuthUser,
    file: SeedFile,
    idempotent: Option<IdempotentRequest>,
    dry_run: bool,
    render: RenderImport,
) -> Result<Outcome, ApiError> {
    super::access::check("import_plan", user)?;
    db.run(move |conn| {
        idempotency::execute(conn, idempotent.as_ref(), dry_run, |conn| {
            let stored = plans::all(conn)?;
            if let Some(p) = file
                .plans
                .iter()
                .find(|p| stored.iter().any(|s| s.number == p.number))
            {
                return Err(ApiError::Conflict {
                    code: "plan_exists",
                    detail: Text::new(
                        format!("Kế hoạch số {} đã được nạp.", p.number),
                        format!("Plan {} is loaded already.", p.number),
                    ),
                });
            }
            let known: HashSet<String> = agencies::all(conn)?.into_iter().map(|a| a.code).collect();
            let problems = file.problems(&known);
            if !problems.is_empty() {
                return Err(ApiError::validation(problems));
            }
            let added_ids = super::seed::load(conn, &file)?;
            super::seed::ensure_deadlines(conn, chrono::Datelike::year(&shared::time::today()))?;
            let agencies_added = agencies::all(conn)?.len().saturating_sub(known.len());
            let mut added = Vec::new();
            for id in &added_ids {
                let plan = plans::find(conn, id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
                added.push(view(conn, plan)?);
            }
            render(&Imported {
                plans: added,
                agencies_added,
            })
        })
    })
    .await
}
