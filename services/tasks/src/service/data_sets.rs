//! Data sets: loading plan 664's from its seed file, reading indicators and data
//! sets, and the totals of the values agencies reported, with the year before and
//! who has not reported.

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::{Db, DbConnection, parse_stored};
use shared::error::ApiError;
use shared::figures::{self, Completeness};
use shared::period::Period;

use crate::db::data_sets::{self as repo, DataSet};
use crate::db::models::{
    AgencyRow, CategoryOptionRow, CategoryRow, DataSetAssignmentRow, DataSetRow, IndicatorRow,
    IndicatorRuleRow, PlanReportRow,
};
use crate::db::{agencies, plan_reports, plans};
use crate::domain::data_set::{self as domain, DataSetFile, IndicatorSum, ReportedValue};
use crate::domain::schedule;
use crate::domain::status::ReportStatus;

/// Stores `file` unless a data set of its code is stored (a stored data set is never
/// changed here); `kind:<kind>` in an assignment stands for every reporting agency
/// of that kind known now. Returns whether it was added.
pub fn ensure(conn: &mut DbConnection, file: &DataSetFile) -> anyhow::Result<bool> {
    if repo::find(conn, &file.code)?.is_some() {
        return Ok(false);
    }
    let known = agencies::all(conn)?;
    repo::insert_data_set(
        conn,
        &DataSetRow {
            code: file.code.clone(),
            plan_number: file.plan_number.clone(),
            name_vi: file.name_vi.clone(),
            name_en: file.name_en.clone(),
            legal_basis: file.legal_basis.clone(),
        },
    )?;
    for c in &file.categories {
        let options: Vec<CategoryOptionRow> = c
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                Ok(CategoryOptionRow {
                    category_code: c.code.clone(),
                    code: o.code.clone(),
                    name_vi: o.name_vi.clone(),
                    name_en: o.name_en.clone(),
                    position: i32::try_from(i)? + 1,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        repo::insert_category_if_absent(
            conn,
            &CategoryRow {
                code: c.code.clone(),
                name_vi: c.name_vi.clone(),
                name_en: c.name_en.clone(),
                legal_basis: c.legal_basis.clone(),
                unverified: c.unverified,
            },
            &options,
        )?;
    }
    let indicators: Vec<IndicatorRow> = file
        .indicators
        .iter()
        .enumerate()
        .map(|(i, x)| {
            Ok(IndicatorRow {
                code: x.code.clone(),
                data_set_code: file.code.clone(),
                name_vi: x.name_vi.clone(),
                name_en: x.name_en.clone(),
                unit: x.unit.as_string(),
                category_code: x.category.clone(),
                reported_in: x.reported_in.as_string(),
                legal_basis: x.legal_basis.clone(),
                unverified: x.unverified,
                position: i32::try_from(i)? + 1,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    repo::insert_indicators(conn, &indicators)?;
    let rules: Vec<IndicatorRuleRow> = file
        .rules
        .iter()
        .map(|r| IndicatorRuleRow {
            code: r.code.clone(),
            data_set_code: file.code.clone(),
            kind: r.kind.as_string(),
            left_indicator: r.left.clone(),
            right_indicator: r.right.clone(),
            name_vi: r.name_vi.clone(),
            name_en: r.name_en.clone(),
            unverified: r.unverified,
        })
        .collect();
    repo::insert_rules(conn, &rules)?;
    let mut assignments: Vec<DataSetAssignmentRow> = Vec::new();
    for a in &file.assignments {
        let codes: Vec<&str> = a
            .agencies
            .iter()
            .flat_map(|selector| match selector.strip_prefix("kind:") {
                Some(kind) => known
                    .iter()
                    .filter(|k| k.kind == kind && k.reports)
                    .map(|k| k.code.as_str())
                    .collect::<Vec<&str>>(),
                None => vec![selector.as_str()],
            })
            .collect();
        for agency in codes {
            anyhow::ensure!(
                known.iter().any(|k| k.code == agency),
                "data set {}: unknown agency {agency}",
                file.code
            );
            for indicator in &a.indicators {
                // The first plan item that asks for it is the one recorded.
                if !assignments
                    .iter()
                    .any(|x| x.agency_code == agency && x.indicator_code == *indicator)
                {
                    assignments.push(DataSetAssignmentRow {
                        data_set_code: file.code.clone(),
                        indicator_code: indicator.clone(),
                        agency_code: agency.to_owned(),
                        plan_item: a.plan_item,
                    });
                }
            }
        }
    }
    repo::insert_assignments(conn, &assignments)?;
    Ok(true)
}

/// Gives every reporting agency of a kind the rows that `kind:<kind>` assigns in
/// `file`, when the data set is stored: the commune committees added after it was
/// loaded (at start-up on an older database, or registered with `POST /agencies`)
/// report its indicators like those seeded. Idempotent; returns the rows added.
pub fn ensure_kind_assignments(
    conn: &mut DbConnection,
    file: &DataSetFile,
) -> anyhow::Result<usize> {
    if repo::find(conn, &file.code)?.is_none() {
        return Ok(0);
    }
    let known = agencies::all(conn)?;
    let mut added = 0;
    for a in &file.assignments {
        for kind in a.agencies.iter().filter_map(|s| s.strip_prefix("kind:")) {
            for agency in known.iter().filter(|k| k.kind == kind && k.reports) {
                for indicator in &a.indicators {
                    let row = DataSetAssignmentRow {
                        data_set_code: file.code.clone(),
                        indicator_code: indicator.clone(),
                        agency_code: agency.code.clone(),
                        plan_item: a.plan_item,
                    };
                    if repo::insert_assignment_if_absent(conn, &row)? {
                        added += 1;
                    }
                }
            }
        }
    }
    Ok(added)
}

/// The assignments of plan 664's data set for agencies registered or changed since
/// it was loaded (see [`ensure_kind_assignments`]).
pub fn assign_agencies_664(conn: &mut DbConnection) -> anyhow::Result<usize> {
    ensure_kind_assignments(conn, &domain::data_set_664()?)
}

/// Plan 664's data set, loaded in one transaction (after its agencies), and the
/// assignments of the agencies added since.
pub fn ensure_664(conn: &mut DbConnection) -> anyhow::Result<bool> {
    let file = domain::data_set_664()?;
    shared::db::transaction(conn, |conn| {
        let added = ensure(conn, &file)?;
        ensure_kind_assignments(conn, &file)?;
        Ok(added)
    })
}

pub async fn indicators(db: &Db, user: &AuthUser) -> Result<Vec<IndicatorRow>, ApiError> {
    super::access::check("list_indicators", user)?;
    db.run(|conn| Ok::<_, ApiError>(repo::all_indicators(conn)?))
        .await
}

pub async fn data_set(db: &Db, user: &AuthUser, code: String) -> Result<DataSet, ApiError> {
    super::access::check("get_data_set", user)?;
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            repo::load(conn, &code)?.ok_or(ApiError::NotFound {
                resource: "data set",
            })
        })
    })
    .await
}

/// What the totals are asked for.
pub struct TotalsQuery {
    pub plan_id: Option<String>,
    pub period: Period,
    pub indicator: Option<String>,
    pub agency: Option<String>,
    pub as_of: Option<NaiveDate>,
}

/// One indicator's totals for the period and the year before.
pub struct IndicatorTotals {
    pub indicator: IndicatorRow,
    pub current: IndicatorSum,
    pub previous: IndicatorSum,
    /// The agencies expected to report it for the period, by code.
    pub expected: Vec<String>,
}

pub struct Totals {
    pub plan_id: String,
    pub data_set: DataSet,
    pub period: Period,
    pub completeness: Completeness,
    pub items: Vec<IndicatorTotals>,
}

/// The reports of a plan for a period as they stood at the end of `as_of` (the
/// version filed or reviewed by then), each agency's values; a report returned by
/// Sở Nội vụ is not counted, since the agency is to file it again.
fn values_by_agency(
    conn: &mut DbConnection,
    plan_id: &str,
    period: Period,
    as_of: Option<NaiveDate>,
) -> Result<Vec<(String, Vec<ReportedValue>)>, ApiError> {
    let cutoff = as_of.map(|d| shared::time::start_of_day_utc(d + chrono::Days::new(1)));
    let mut out = Vec::new();
    for latest in plan_reports::all_for_period(conn, plan_id, &period.to_string())? {
        let row: PlanReportRow = match cutoff {
            None => latest,
            Some(cutoff) => {
                let then = plan_reports::revisions(conn, &latest.id)?
                    .into_iter()
                    .find(|r| r.changed_at < cutoff);
                match then {
                    Some(r) => serde_json::from_str(&r.snapshot).map_err(anyhow::Error::from)?,
                    None => continue,
                }
            }
        };
        let status = parse_stored("plan_reports", "status", &row.status, ReportStatus::parse)?;
        if status == ReportStatus::Returned {
            continue;
        }
        let values = domain::parse_values(&row.indicator_values).map_err(anyhow::Error::from)?;
        out.push((row.agency_code, values));
    }
    Ok(out)
}

/// Who is expected to report `indicator` for `period`: the agencies assigned it
/// that exist on the period's due date (Sở Nội vụ too, for its own inspections,
/// though it files no compliance-tracked report).
fn expected(
    data_set: &DataSet,
    agencies: &[AgencyRow],
    indicator: &IndicatorRow,
    period: Period,
) -> Result<Vec<String>, ApiError> {
    let reported_in = parse_stored(
        "indicators",
        "reported_in",
        &indicator.reported_in,
        domain::ReportedIn::parse,
    )?;
    let due = match schedule::due_on(period) {
        Some(due) if reported_in.covers(period) => due,
        _ => return Ok(Vec::new()),
    };
    Ok(data_set
        .assignments
        .iter()
        .filter(|a| a.indicator_code == indicator.code)
        .filter(|a| {
            agencies
                .iter()
                .any(|x| x.code == a.agency_code && x.in_force_on(due))
        })
        .map(|a| a.agency_code.clone())
        .collect())
}

/// Totals per indicator (and option) across agencies for a period and the same
/// period a year before, with who was expected to report and who did.
pub async fn totals(db: &Db, user: &AuthUser, query: TotalsQuery) -> Result<Totals, ApiError> {
    super::access::check("get_indicator_values", user)?;
    let today = shared::time::today();
    db.run(move |conn| {
        shared::db::transaction(conn, |conn| {
            let plan = match &query.plan_id {
                Some(id) => plans::find(conn, id)?,
                None => plans::all(conn)?.into_iter().next(),
            }
            .ok_or(ApiError::NotFound { resource: "plan" })?;
            let data_set = repo::for_plan(conn, &plan.number)?.ok_or(ApiError::NotFound {
                resource: "data set",
            })?;
            let agencies = agencies::all(conn)?;
            let keep =
                |rows: Vec<(String, Vec<ReportedValue>)>| -> Vec<(String, Vec<ReportedValue>)> {
                    rows.into_iter()
                        .filter(|(a, _)| query.agency.as_ref().is_none_or(|q| q == a))
                        .collect()
                };
            let current = keep(values_by_agency(conn, &plan.id, query.period, query.as_of)?);
            let previous_period = query.period.previous_year();
            let previous = keep(values_by_agency(
                conn,
                &plan.id,
                previous_period,
                query.as_of,
            )?);
            let items = data_set
                .indicators
                .iter()
                .filter(|i| query.indicator.as_ref().is_none_or(|q| *q == i.code))
                .map(|i| {
                    Ok(IndicatorTotals {
                        indicator: i.clone(),
                        current: domain::sum(&current, &i.code),
                        previous: domain::sum(&previous, &i.code),
                        expected: expected(&data_set, &agencies, i, query.period)?
                            .into_iter()
                            .filter(|a| query.agency.as_ref().is_none_or(|q| q == a))
                            .collect(),
                    })
                })
                .collect::<Result<_, ApiError>>()?;
            Ok::<_, ApiError>(Totals {
                plan_id: plan.id,
                data_set,
                period: query.period,
                completeness: figures::completeness(query.period, today, query.as_of),
                items,
            })
        })
    })
    .await
}

/// The change from the year before, as every published change is computed.
pub fn change(previous: Option<i64>, current: Option<i64>) -> Option<f64> {
    figures::change_percent(figures::count(previous?), figures::count(current?))
}
