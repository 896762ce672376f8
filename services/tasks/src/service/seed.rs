//! Loading a plan seed (plan 664 ships with the service) and making each year's
//! reporting deadlines.

use std::collections::HashSet;

use diesel::QueryResult;
use shared::db::{Db, DbConnection};
use shared::error::Location;
use uuid::Uuid;

use crate::db::models::{
    AgencyRow, AgencySuccessorRow, AssignmentRow, PlanRow, TargetRow, TaskRow,
};
use crate::db::{agencies, plans};
use crate::domain::seed::{self, SeedFile};
use crate::domain::{schedule, succession};

const SEEDED_BY: &str = "seed";

/// Loads `file` in one transaction: agencies not yet known (with their recorded
/// successors), plans whose number is not yet stored, and the tasks that closed
/// agencies pass on. Returns the ids of the plans added. Plan 664 and any other plan
/// in the same format (`atvsld seed plan FILE`, `POST /plan-files`) load alike.
pub fn load(conn: &mut DbConnection, file: &SeedFile) -> anyhow::Result<Vec<String>> {
    shared::db::transaction(conn, |conn| {
        let now = shared::db::now();
        ensure_agencies(conn, file)?;
        let existing: Vec<String> = plans::all(conn)?.into_iter().map(|p| p.number).collect();
        let mut added = Vec::new();
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
                        version: 1,
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
                        valid_from: None,
                        valid_to: None,
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
                        version: 1,
                    },
                    &assigned,
                )?;
            }
            added.push(plan_id);
        }
        pass_on_closed_agencies(conn)?;
        Ok(added)
    })
}

/// Stores the agencies of `file` that are not stored yet and their successors.
/// A database seeded before the commune committees were added gets them here, at
/// start-up or with `atvsld seed plan-664`; a stored agency is never changed.
/// Returns the number of agencies added.
pub fn ensure_agencies(conn: &mut DbConnection, file: &SeedFile) -> anyhow::Result<usize> {
    let now = shared::db::now();
    let mut added = 0;
    for a in &file.agencies {
        let row = AgencyRow {
            code: a.code.clone(),
            name: a.name.clone(),
            kind: a.kind.as_str().to_owned(),
            reports: a.reports,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            successor_code: a.successor.clone(),
            created_at: now,
            version: 1,
        };
        if agencies::insert_if_absent(conn, &row)? {
            added += 1;
        }
    }
    for a in &file.agencies {
        for s in &a.successors {
            agencies::insert_successor_if_absent(
                conn,
                &AgencySuccessorRow {
                    agency_code: a.code.clone(),
                    successor_code: s.clone(),
                },
            )?;
        }
    }
    Ok(added)
}

/// Passes the open tasks of every closed agency to its successors (the recorded
/// ones, else `successor_code`) from the day after it closed
/// (`succession::passed_on`). Idempotent: an agency that holds a task keeps its row
/// as it is. A successor that closes in turn passes on what it took over, hence the
/// passes until nothing moves. Returns the number of assignments added.
pub fn pass_on_closed_agencies(conn: &mut DbConnection) -> QueryResult<usize> {
    // Each pass adds only rows that did not exist, so this ends; the bound is a
    // guard against a cycle of successors in hand-made data.
    const MAX_PASSES: usize = 8;
    let mut total = 0;
    for _ in 0..MAX_PASSES {
        let all = agencies::all(conn)?;
        let recorded = agencies::successors(conn)?;
        let mut held: HashSet<(String, String)> = plans::all_assignments(conn)?
            .into_iter()
            .map(|a| (a.task_id, a.agency_code))
            .collect();
        let mut added = 0;
        for closed in all.iter().filter(|a| a.valid_to.is_some()) {
            let listed: Vec<&str> = recorded
                .iter()
                .filter(|r| r.agency_code == closed.code)
                .map(|r| r.successor_code.as_str())
                .collect();
            let heirs: Vec<&AgencyRow> = all
                .iter()
                .filter(|a| {
                    if listed.is_empty() {
                        closed.successor_code.as_deref() == Some(a.code.as_str())
                    } else {
                        listed.contains(&a.code.as_str())
                    }
                })
                .collect();
            if heirs.is_empty() {
                continue;
            }
            let own = plans::held_by(conn, &closed.code)?;
            let rows = succession::passed_on(closed, &own, &heirs, &|task, agency| {
                held.contains(&(task.to_owned(), agency.to_owned()))
            });
            for row in rows {
                if plans::insert_assignment_if_absent(conn, &row)? {
                    added += 1;
                }
                held.insert((row.task_id, row.agency_code));
            }
        }
        total += added;
        if added == 0 {
            break;
        }
    }
    Ok(total)
}

/// Start-up on a database that holds plans already: the agencies added since it
/// was seeded (the commune committees) and the tasks passed on to them.
pub fn upgrade(conn: &mut DbConnection, file: &SeedFile) -> anyhow::Result<(usize, usize)> {
    shared::db::transaction(conn, |conn| {
        let agencies = ensure_agencies(conn, file)?;
        let passed = pass_on_closed_agencies(conn)?;
        Ok((agencies, passed))
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

/// `atvsld seed plan-664`: loads plan 664 and its data set into a tasks database
/// (migrated first) unless they are there; returns the number of plans added.
pub fn seed_plan_664(db: &Db) -> anyhow::Result<usize> {
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let added = load(&mut conn, &seed::plan_664()?)?;
    super::data_sets::ensure_664(&mut conn)?;
    ensure_deadlines(&mut conn, chrono::Datelike::year(&shared::time::today()))?;
    Ok(added.len())
}

/// `atvsld seed plan FILE`: loads the plans of a seed file in plan 664's format (a
/// yearly implementation plan, say) beside those stored. A plan whose number is
/// stored is left as it is, so loading a file twice adds nothing the second time;
/// returns the number of plans added. Plan 664's data set is not touched.
pub fn seed_plan_file(db: &Db, text: &str) -> anyhow::Result<usize> {
    let file: SeedFile = serde_json::from_str(text)?;
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let known: HashSet<String> = agencies::all(&mut conn)?
        .into_iter()
        .map(|a| a.code)
        .collect();
    let problems = file.problems(&known);
    if !problems.is_empty() {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| match &p.location {
                Location::Body(at) | Location::Parameter(at) | Location::Header(at) => {
                    format!("{at} {}: {}", p.code, p.message.en)
                }
            })
            .collect();
        anyhow::bail!("the plan file does not load: {}", lines.join("; "));
    }
    let added = shared::db::transaction(&mut conn, |conn| {
        let added = load(conn, &file)?;
        ensure_deadlines(conn, chrono::Datelike::year(&shared::time::today()))?;
        Ok::<_, anyhow::Error>(added)
    })?;
    Ok(added.len())
}
