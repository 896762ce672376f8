//! Repository functions for plans, their targets, tasks, assignments and the
//! deadlines of their recurring reports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::{AssignmentRow, PlanRow, TargetRow, TaskRow};
use super::schema::{assignments, plans, report_deadlines, targets, tasks};

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<PlanRow>> {
    plans::table
        .order(plans::id.desc())
        .select(PlanRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    plans::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PlanRow>> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &PlanRow) -> QueryResult<()> {
    diesel::insert_into(plans::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn insert_target(conn: &mut DbConnection, row: &TargetRow) -> QueryResult<()> {
    diesel::insert_into(targets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn targets(conn: &mut DbConnection, plan_id: &str) -> QueryResult<Vec<TargetRow>> {
    targets::table
        .filter(targets::plan_id.eq(plan_id))
        .order(targets::position.asc())
        .select(TargetRow::as_select())
        .load(conn)
}

pub fn insert_task(
    conn: &mut DbConnection,
    row: &TaskRow,
    assigned: &[AssignmentRow],
) -> QueryResult<()> {
    diesel::insert_into(tasks::table)
        .values(row)
        .execute(conn)?;
    for a in assigned {
        diesel::insert_into(assignments::table)
            .values(a)
            .execute(conn)?;
    }
    Ok(())
}

/// Holds plan `id`'s row until the transaction ends, so that transactions adding tasks
/// to it (an accident follow-up, a task created over the API) read and take the next
/// position one after the other. PostgreSQL (read committed) would otherwise let two of
/// them read the same largest position; on SQLite a writing transaction holds the
/// database's write lock from its start (`BEGIN IMMEDIATE`), which serialises them
/// already. Call it inside a transaction.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => plans::table
            .find(id)
            .select(plans::id)
            .for_update()
            .first::<String>(c)
            .optional()
            .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// The position after the plan's last task, with the plan locked ([`lock`]) so that no
/// concurrent transaction takes the same one; call it in the transaction that inserts
/// the task.
pub fn next_position(conn: &mut DbConnection, plan_id: &str) -> QueryResult<i32> {
    lock(conn, plan_id)?;
    let max: Option<i32> = tasks::table
        .filter(tasks::plan_id.eq(plan_id))
        .select(diesel::dsl::max(tasks::position))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Tasks in plan order, optionally of one plan or assigned to one agency.
pub fn tasks(
    conn: &mut DbConnection,
    plan_id: Option<&str>,
    agency: Option<&str>,
) -> QueryResult<Vec<TaskRow>> {
    let mut query = tasks::table.into_boxed();
    if let Some(p) = plan_id {
        query = query.filter(tasks::plan_id.eq(p.to_owned()));
    }
    if let Some(a) = agency {
        let ids = assignments::table
            .filter(assignments::agency_code.eq(a.to_owned()))
            .select(assignments::task_id);
        query = query.filter(tasks::id.eq_any(ids));
    }
    query
        .order((tasks::plan_id.asc(), tasks::position.asc()))
        .select(TaskRow::as_select())
        .load(conn)
}

pub fn find_task(conn: &mut DbConnection, id: &str) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .first(conn)
        .optional()
}

/// The assignments of the given tasks.
pub fn assignments_of(
    conn: &mut DbConnection,
    task_ids: &[String],
) -> QueryResult<Vec<AssignmentRow>> {
    let mut rows = Vec::new();
    // Chunks keep the bind count well under SQLite's limit.
    for chunk in task_ids.chunks(500) {
        rows.extend(
            assignments::table
                .filter(assignments::task_id.eq_any(chunk))
                .order((assignments::task_id.asc(), assignments::agency_code.asc()))
                .select(AssignmentRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// Every assignment of every plan.
pub fn all_assignments(conn: &mut DbConnection) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .select(AssignmentRow::as_select())
        .load(conn)
}

/// Every assignment of a plan.
pub fn plan_assignments(conn: &mut DbConnection, plan_id: &str) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .inner_join(tasks::table)
        .filter(tasks::plan_id.eq(plan_id))
        .select(AssignmentRow::as_select())
        .load(conn)
}

/// The assignments of `agency` with their task's due date, in every plan.
pub fn held_by(
    conn: &mut DbConnection,
    agency: &str,
) -> QueryResult<Vec<(AssignmentRow, Option<NaiveDate>)>> {
    assignments::table
        .inner_join(tasks::table)
        .filter(assignments::agency_code.eq(agency))
        .order(assignments::task_id.asc())
        .select((AssignmentRow::as_select(), tasks::due_on))
        .load(conn)
}

/// Adds an assignment unless the agency holds the task already (safe when
/// replicas race); true when this call added it.
pub fn insert_assignment_if_absent(
    conn: &mut DbConnection,
    row: &AssignmentRow,
) -> QueryResult<bool> {
    let n = shared::per_backend!(conn, c => diesel::insert_into(assignments::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Records a deadline unless it exists (safe when replicas race).
pub fn ensure_deadline(
    conn: &mut DbConnection,
    plan_id: &str,
    period: &str,
    due_on: NaiveDate,
) -> QueryResult<()> {
    let row = (
        report_deadlines::plan_id.eq(plan_id),
        report_deadlines::period.eq(period),
        report_deadlines::due_on.eq(due_on),
    );
    shared::per_backend!(conn, c => diesel::insert_into(report_deadlines::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The recorded deadlines of a plan, oldest first.
pub fn deadlines(conn: &mut DbConnection, plan_id: &str) -> QueryResult<Vec<(String, NaiveDate)>> {
    report_deadlines::table
        .filter(report_deadlines::plan_id.eq(plan_id))
        .order(report_deadlines::due_on.asc())
        .select((report_deadlines::period, report_deadlines::due_on))
        .load(conn)
}

/// The task that follows up `source_ref` (a record of another service), if any.
pub fn find_task_by_source(
    conn: &mut DbConnection,
    source_ref: &str,
) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .filter(tasks::source_ref.eq(source_ref))
        .select(TaskRow::as_select())
        .first(conn)
        .optional()
}

pub fn mark_task_overdue(
    conn: &mut DbConnection,
    id: &str,
    since: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(tasks::table.find(id))
        .set(tasks::overdue_since.eq(since))
        .execute(conn)
        .map(|_| ())
}

pub fn find_target(
    conn: &mut DbConnection,
    plan_id: &str,
    code: &str,
) -> QueryResult<Option<TargetRow>> {
    targets::table
        .filter(targets::plan_id.eq(plan_id))
        .filter(targets::code.eq(code))
        .select(TargetRow::as_select())
        .first(conn)
        .optional()
}

/// Writes `row` (its new version) if the stored target is still at `expected`;
/// false when another change came first.
pub fn update_target_if_version(
    conn: &mut DbConnection,
    row: &TargetRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        targets::table
            .find(&row.id)
            .filter(targets::version.eq(expected)),
    )
    .set((
        targets::indicator.eq(&row.indicator),
        targets::unit.eq(&row.unit),
        targets::direction.eq(&row.direction),
        targets::yearly_change_percent.eq(row.yearly_change_percent),
        targets::baseline_year.eq(row.baseline_year),
        targets::source.eq(&row.source),
        targets::version.eq(row.version),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Writes `row` (its new version) if the stored task is still at `expected`;
/// false when another change came first. Assignments are not touched.
pub fn update_task_if_version(
    conn: &mut DbConnection,
    row: &TaskRow,
    expected: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        tasks::table
            .find(&row.id)
            .filter(tasks::version.eq(expected)),
    )
    .set((
        tasks::item.eq(row.item),
        tasks::section.eq(&row.section),
        tasks::text.eq(&row.text),
        tasks::due_on.eq(row.due_on),
        tasks::recurrence.eq(&row.recurrence),
        tasks::version.eq(row.version),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
