//! The statistics counters' fold: health and monitoring deltas into their totals, so
//! that a statistics request sums one row per group and period plus the deltas of the
//! last days (`shared::db::fold`).

use chrono::NaiveDate;
use shared::db::DbConnection;
use shared::error::ApiError;

use crate::db::{health_statistics, monitoring};

/// Folds the health and the monitoring counters' deltas changed on or before
/// `through` into their totals (the background task passes
/// `shared::db::fold::safe_through()`); returns the totals rows written, 0 when both
/// were already folded that far. Each table folds in its own transaction with its own
/// marker: their reads never mix the two. Reads give the same figures before and after.
pub fn fold_counters(conn: &mut DbConnection, through: NaiveDate) -> Result<usize, ApiError> {
    let health = health_statistics::fold(conn, through)?;
    let monitoring = monitoring::fold(conn, through)?;
    Ok(health + monitoring)
}
