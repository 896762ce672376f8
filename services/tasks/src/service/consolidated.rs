//! The consolidated report Sở Nội vụ sends to the provincial committee and the
//! ministry: compliance for a period, the agencies' reports, and the plan's KPIs for
//! the period's year (read over HTTP, after the database work, as the KPIs are).

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::config::Upstreams;
use shared::db::Db;
use shared::error::ApiError;
use shared::period::Period;

use crate::db::models::{AgencyRow, PlanReportRow, PlanRow};
use crate::db::{agencies, plan_reports, plans};
use crate::service::compliance::{self, Compliance};
use crate::service::data_sets::{self, Totals, TotalsQuery};
use crate::service::kpis::{self, KpiResult};

pub struct Consolidated {
    pub plan: PlanRow,
    pub period: Period,
    pub compliance: Compliance,
    /// Every report filed on the plan for the period.
    pub reports: Vec<PlanReportRow>,
    /// Every agency, for their names.
    pub agencies: Vec<AgencyRow>,
    pub kpis: Vec<KpiResult>,
    /// The activity indicators' totals; none for a plan without a data set.
    pub indicators: Option<Totals>,
}

#[allow(clippy::too_many_arguments)]
pub async fn consolidated(
    db: &Db,
    user: &AuthUser,
    client: &reqwest::Client,
    upstreams: &Upstreams,
    bearer: Option<String>,
    plan_id: String,
    period: Period,
    today: NaiveDate,
) -> Result<Consolidated, ApiError> {
    super::access::check("get_consolidated_report", user)?;
    let compliance =
        compliance::compliance(db, user, Some(plan_id.clone()), period, None, today).await?;
    let id = plan_id.clone();
    let (plan, reports, agencies) = db
        .run(move |conn| {
            shared::db::transaction(conn, |conn| {
                let plan =
                    plans::find(conn, &id)?.ok_or(ApiError::NotFound { resource: "plan" })?;
                let reports = plan_reports::all_for_period(conn, &id, &period.to_string())?;
                Ok::<_, ApiError>((plan, reports, agencies::all(conn)?))
            })
        })
        .await?;
    let query = TotalsQuery {
        plan_id: Some(plan_id.clone()),
        period,
        indicator: None,
        agency: None,
        as_of: None,
    };
    let indicators = match data_sets::totals(db, user, query).await {
        Ok(t) => Some(t),
        Err(ApiError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    let kpis = kpis::kpis(db, user, client, upstreams, bearer, plan_id, period.year()).await?;
    Ok(Consolidated {
        plan,
        period,
        compliance,
        reports,
        agencies,
        kpis,
        indicators,
    })
}
