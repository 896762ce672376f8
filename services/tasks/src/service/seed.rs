//! Loading a plan seed (plan 664 ships with the service) and making each year's
//! reporting deadlines.

use diesel::Connection;
use shared::db::{Db, DbConnection};
use uuid::Uuid;

use crate::db::models::{AgencyRow, AssignmentRow, PlanRow, TargetRow, TaskRow};
use crate::db::{agencies, plans};
use crate::domain::schedule;
use crate::domain::seed::{self, SeedFile};

const SEEDED_BY: &str = "seed";

/// Loads `file` in one transaction: agencies not yet known, and plans whose number
/// is not yet stored. Returns the number of plans added.
pub fn load(conn: &mut DbConnection, file: &SeedFile) -> anyhow::Result<usize> {
    conn.transaction(|conn| {
        let now = shared::db::now();
        for a in &file.agencies {
            if agencies::find(conn, &a.code)?.is_none() {
                agencies::insert(
                    conn,
                    &AgencyRow {
                        code: a.code.clone(),
                        name: a.name.clone(),
                        kind: a.kind.as_str().to_owned(),
                        reports: a.reports,
                        valid_from: a.valid_from,
                        valid_to: a.valid_to,
                        successor_code: a.successor.clone(),
                        created_at: now,
                    },
                )?;
            }
        }
        let existing: Vec<String> = plans::all(conn)?.into_iter().map(|p| p.number).collect();
        let mut added = 0;
        for p in file.plans.iter().filter(|p| !existing.contains(&p.number)) {
            let plan_id = Uuid::now_v7().to_string();
            plans::insert(
                conn,
                &PlanRow {
                    id: plan_id.clone(),
                    number: p.number.clone(),
                    title: p.title.clone(),
                    issuer: p.issuer.clone(),
                    signer: p.signer.clone(),
                    issued_on: p.issued_on,
                    effective_on: p.effective_on,
                    legal_bases: serde_json::to_string(&p.legal_bases)?,
                    solution_groups: serde_json::to_string(&p.solution_groups)?,
                    funding: p.funding.clone(),
                    created_at: now,
                },
            )?;
            for (i, t) in p.targets.iter().enumerate() {
                plans::insert_target(
                    conn,
                    &TargetRow {
                        id: Uuid::now_v7().to_string(),
                        plan_id: plan_id.clone(),
                        code: t.code.clone(),
                        indicator: t.indicator.clone(),
                        unit: t.unit.clone(),
                        direction: t.direction.as_str().to_owned(),
                        yearly_change_percent: t.yearly_change_percent,
                        baseline_year: t.baseline_year,
                        source: t.source.clone(),
                        position: i32::try_from(i)? + 1,
                    },
                )?;
            }
            for (i, t) in p.tasks.iter().enumerate() {
                let task_id = Uuid::now_v7().to_string();
                let assigned: Vec<AssignmentRow> = t
                    .assignments
                    .iter()
                    .map(|a| AssignmentRow {
                        task_id: task_id.clone(),
                        agency_code: a.agency.clone(),
                        role: a.role.as_str().to_owned(),
                    })
                    .collect();
                plans::insert_task(
                    conn,
                    &TaskRow {
                        id: task_id,
                        plan_id: plan_id.clone(),
                        item: t.item,
                        section: t.section.clone(),
                        text: t.text.clone(),
                        due_on: t.due_on,
                        recurrence: t.recurrence.map(|r| r.as_str().to_owned()),
                        position: i32::try_from(i)? + 1,
                        created_by: SEEDED_BY.into(),
                        created_at: now,
                        source_ref: None,
                        overdue_since: None,
                    },
                    &assigned,
                )?;
            }
            added += 1;
        }
        Ok(added)
    })
}

/// Records the deadlines of every plan's recurring reports from its first year up
/// to `year` (idempotent; safe on several replicas).
pub fn ensure_deadlines(conn: &mut DbConnection, year: i32) -> anyhow::Result<()> {
    for plan in plans::all(conn)? {
        let first = chrono::Datelike::year(&plan.effective_on);
        for y in first..=year {
            for period in schedule::reporting_periods(y) {
                if let Some(due) = schedule::due_on(period) {
                    plans::ensure_deadline(conn, &plan.id, &period.to_string(), due)?;
                }
            }
        }
    }
    Ok(())
}

/// Start-up: plan 664 on an empty database, this year's deadlines, and the
/// reminders job.
pub fn on_start(db: &Db) -> anyhow::Result<()> {
    {
        let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
        if plans::count(&mut conn)? == 0 {
            let added = load(&mut conn, &seed::plan_664()?)?;
            tracing::info!(plans = added, "plan 664/KH-UBND loaded");
        }
        ensure_deadlines(&mut conn, chrono::Datelike::year(&shared::time::today()))?;
    }
    crate::service::reminders::spawn(db.clone());
    Ok(())
}

/// `atvsld seed plan-664`: loads plan 664 into a tasks database (migrated first)
/// unless it is there; returns the number of plans added.
pub fn seed_plan_664(db: &Db) -> anyhow::Result<usize> {
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let added = load(&mut conn, &seed::plan_664()?)?;
    ensure_deadlines(&mut conn, chrono::Datelike::year(&shared::time::today()))?;
    Ok(added)
}
