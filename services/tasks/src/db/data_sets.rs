//! Repository functions for data sets: indicators, their breakdowns, validation
//! rules and which agency reports which indicator.

use diesel::prelude::*;
use shared::db::DbConnection;

use super::models::{
    CategoryOptionRow, CategoryRow, DataSetAssignmentRow, DataSetRow, IndicatorRow,
    IndicatorRuleRow,
};
use super::schema::{
    data_set_assignments, data_sets, indicator_categories, indicator_category_options,
    indicator_rules, indicators,
};

/// A data set with everything that defines it, read whole (a few dozen rows).
#[derive(Clone, Debug)]
pub struct DataSet {
    pub data_set: DataSetRow,
    pub indicators: Vec<IndicatorRow>,
    pub categories: Vec<CategoryRow>,
    pub options: Vec<CategoryOptionRow>,
    pub rules: Vec<IndicatorRuleRow>,
    pub assignments: Vec<DataSetAssignmentRow>,
}

pub fn find(conn: &mut DbConnection, code: &str) -> QueryResult<Option<DataSetRow>> {
    data_sets::table
        .find(code)
        .select(DataSetRow::as_select())
        .first(conn)
        .optional()
}

/// The data set of a plan (by its number), whole.
pub fn for_plan(conn: &mut DbConnection, plan_number: &str) -> QueryResult<Option<DataSet>> {
    let code: Option<String> = data_sets::table
        .filter(data_sets::plan_number.eq(plan_number))
        .select(data_sets::code)
        .first(conn)
        .optional()?;
    match code {
        Some(code) => load(conn, &code),
        None => Ok(None),
    }
}

/// A data set by its code, whole.
pub fn load(conn: &mut DbConnection, code: &str) -> QueryResult<Option<DataSet>> {
    let Some(data_set) = find(conn, code)? else {
        return Ok(None);
    };
    let indicators = indicators::table
        .filter(indicators::data_set_code.eq(code))
        .order(indicators::position)
        .select(IndicatorRow::as_select())
        .load(conn)?;
    let used: Vec<String> = indicators
        .iter()
        .filter_map(|i| i.category_code.clone())
        .collect();
    let categories = indicator_categories::table
        .filter(indicator_categories::code.eq_any(&used))
        .order(indicator_categories::code)
        .select(CategoryRow::as_select())
        .load(conn)?;
    let options = indicator_category_options::table
        .filter(indicator_category_options::category_code.eq_any(&used))
        .order((
            indicator_category_options::category_code,
            indicator_category_options::position,
        ))
        .select(CategoryOptionRow::as_select())
        .load(conn)?;
    let rules = indicator_rules::table
        .filter(indicator_rules::data_set_code.eq(code))
        .order(indicator_rules::code)
        .select(IndicatorRuleRow::as_select())
        .load(conn)?;
    let assignments = data_set_assignments::table
        .filter(data_set_assignments::data_set_code.eq(code))
        .order((
            data_set_assignments::indicator_code,
            data_set_assignments::agency_code,
        ))
        .select(DataSetAssignmentRow::as_select())
        .load(conn)?;
    Ok(Some(DataSet {
        data_set,
        indicators,
        categories,
        options,
        rules,
        assignments,
    }))
}

/// Every indicator of every data set, in data-set and form order.
pub fn all_indicators(conn: &mut DbConnection) -> QueryResult<Vec<IndicatorRow>> {
    indicators::table
        .order((indicators::data_set_code, indicators::position))
        .select(IndicatorRow::as_select())
        .load(conn)
}

pub fn insert_data_set(conn: &mut DbConnection, row: &DataSetRow) -> QueryResult<()> {
    diesel::insert_into(data_sets::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Stores a category with its options unless a category of that code is stored.
pub fn insert_category_if_absent(
    conn: &mut DbConnection,
    row: &CategoryRow,
    options: &[CategoryOptionRow],
) -> QueryResult<()> {
    let stored: i64 = indicator_categories::table
        .filter(indicator_categories::code.eq(&row.code))
        .count()
        .get_result(conn)?;
    if stored == 0 {
        diesel::insert_into(indicator_categories::table)
            .values(row)
            .execute(conn)?;
        for option in options {
            diesel::insert_into(indicator_category_options::table)
                .values(option)
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn insert_indicators(conn: &mut DbConnection, rows: &[IndicatorRow]) -> QueryResult<()> {
    // One statement a row: batch inserts are not available on both backends.
    for row in rows {
        diesel::insert_into(indicators::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_rules(conn: &mut DbConnection, rows: &[IndicatorRuleRow]) -> QueryResult<()> {
    // One statement a row: batch inserts are not available on both backends.
    for row in rows {
        diesel::insert_into(indicator_rules::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_assignments(
    conn: &mut DbConnection,
    rows: &[DataSetAssignmentRow],
) -> QueryResult<()> {
    // One statement a row: batch inserts are not available on both backends.
    for row in rows {
        diesel::insert_into(data_set_assignments::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Records that an agency reports an indicator unless it does already (the first
/// plan item to ask keeps the row; safe when replicas race); true when added.
pub fn insert_assignment_if_absent(
    conn: &mut DbConnection,
    row: &DataSetAssignmentRow,
) -> QueryResult<bool> {
    let n = shared::per_backend!(conn, c => diesel::insert_into(data_set_assignments::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}
