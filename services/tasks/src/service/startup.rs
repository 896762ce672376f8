//! Start-up of the tasks service. It sits apart from `seed` and `reminders` so that
//! neither of them needs the other to start.

use shared::db::Db;

use super::{reminders, seed};
use crate::db::plans;
use crate::domain::seed::plan_664;

/// Start-up: plan 664 on an empty database (else the agencies added since it was
/// seeded), its data set of activity indicators unless stored, this year's
/// deadlines, and the reminders job.
pub fn on_start(db: &Db) -> anyhow::Result<()> {
    {
        let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
        if plans::count(&mut conn)? == 0 {
            let added = seed::load(&mut conn, &plan_664()?)?;
            tracing::info!(plans = added.len(), "plan 664/KH-UBND loaded");
        } else {
            let (agencies, passed) = seed::upgrade(&mut conn, &plan_664()?)?;
            if agencies + passed > 0 {
                tracing::info!(
                    agencies,
                    assignments = passed,
                    "agencies and passed-on tasks added"
                );
            }
        }
        if super::data_sets::ensure_664(&mut conn)? {
            tracing::info!("data set of plan 664/KH-UBND loaded");
        }
        seed::ensure_deadlines(&mut conn, chrono::Datelike::year(&shared::time::today()))?;
    }
    reminders::spawn(db.clone());
    Ok(())
}
