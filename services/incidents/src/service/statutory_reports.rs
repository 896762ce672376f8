//! The province's periodic forms (Phụ lục XIV and XV): the accident statistics of the
//! form's sector, in total and by each breakdown the form shows, computed by the one
//! function behind `/accident-statistics` (`statistics::compute`).

use chrono::NaiveDate;
use shared::auth::AuthUser;
use shared::db::Db;
use shared::error::{ApiError, Text};
use shared::period::Period;

use crate::domain::statistics::GroupBy;
use crate::domain::statutory_report::{self as rules, StatutoryForm};
use crate::service::statistics::{self, Query, Statistics};

/// The figures of one form: the totals, then one grouping per breakdown.
pub struct StatutoryFigures {
    pub total: Statistics,
    pub breakdowns: Vec<(GroupBy, Statistics)>,
}

/// The figures of `form` for `period` as they stood at the end of `as_of` (or now).
/// Cells are never hidden: only the authorities read the forms.
pub async fn figures(
    db: &Db,
    user: &AuthUser,
    form: StatutoryForm,
    period: Period,
    as_of: Option<NaiveDate>,
) -> Result<StatutoryFigures, ApiError> {
    crate::access::check("get_statutory_report", user)?;
    if !rules::is_reporting_period(period) {
        return Err(ApiError::bad_parameter(
            "period",
            "invalid_period",
            Text::new(
                "Báo cáo của tỉnh lập cho 6 tháng đầu năm (2025-H1) hoặc cả năm (2025).",
                "The province reports for the first half-year (2025-H1) or the year (2025).",
            ),
        ));
    }
    let query = move |group_by| Query {
        period,
        group_by,
        sector: Some(form.sector().as_str().to_owned()),
        as_of,
    };
    db.run(move |conn| {
        let total = statistics::compute(conn, &query(None), false)?;
        let breakdowns = rules::BREAKDOWNS
            .into_iter()
            .map(|g| Ok((g, statistics::compute(conn, &query(Some(g)), false)?)))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok::<_, ApiError>(StatutoryFigures { total, breakdowns })
    })
    .await
}
