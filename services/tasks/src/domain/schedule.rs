//! The plan's reporting regime (Kế hoạch 664, "Chế độ báo cáo"): a six-month report
//! before 15 June and an annual report before 15 December of every year, judged by
//! the server time of receipt in Viet Nam, and the reminders about them.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use shared::period::Period;
use utoipa::ToSchema;

/// The periods the plan asks reports for: `YYYY-H1` and `YYYY`; not `YYYY-H2`.
pub fn is_reporting_period(period: Period) -> bool {
    matches!(period, Period::Year(_) | Period::Half(_, 1))
}

/// The periods reported in `year`, in order of their deadlines.
pub fn reporting_periods(year: i32) -> [Period; 2] {
    [Period::Half(year, 1), Period::Year(year)]
}

/// The first day on which a report for `period` is late: "trước ngày 15 tháng 6"
/// makes 15 June itself late.
pub fn due_on(period: Period) -> Option<NaiveDate> {
    match period {
        Period::Half(y, 1) => NaiveDate::from_ymd_opt(y, 6, 15),
        Period::Year(y) => NaiveDate::from_ymd_opt(y, 12, 15),
        Period::Half(..) => None,
    }
}

/// Whether a report received at `received_at` (UTC) came before the start of
/// `due_on` in Viet Nam.
pub fn on_time(received_at: NaiveDateTime, due_on: NaiveDate) -> bool {
    let start_of_due = shared::time::vietnam()
        .from_local_datetime(&due_on.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.naive_utc());
    start_of_due.is_some_and(|limit| received_at < limit)
}

/// How many days late a missed reminder is still sent.
pub const CATCH_UP_DAYS: i64 = 7;

/// What a reminder says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// Seven days before the due date.
    #[serde(rename = "due_in_7_days")]
    DueIn7Days,
    /// The day before the due date: the last day to file on time.
    #[serde(rename = "due_in_1_day")]
    DueIn1Day,
    /// The day after the due date, for a report still missing.
    Overdue,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 3] = [
        ReminderKind::DueIn7Days,
        ReminderKind::DueIn1Day,
        ReminderKind::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DueIn7Days => "due_in_7_days",
            ReminderKind::DueIn1Day => "due_in_1_day",
            ReminderKind::Overdue => "overdue",
        }
    }

    pub fn parse(text: &str) -> Option<ReminderKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The day this reminder is due to go out.
    pub fn remind_on(self, due_on: NaiveDate) -> NaiveDate {
        match self {
            ReminderKind::DueIn7Days => due_on - Duration::days(7),
            ReminderKind::DueIn1Day => due_on - Duration::days(1),
            ReminderKind::Overdue => due_on + Duration::days(1),
        }
    }

    /// Whether the reminder should exist on `today` for an agency that has (or has
    /// not) filed. A job that missed a few days (a restart, an outage) catches up
    /// within [`CATCH_UP_DAYS`], but never sends a "due soon" reminder once the due
    /// date has come, nor floods a new installation with reminders of past years.
    pub fn applies(self, today: NaiveDate, due_on: NaiveDate, filed: bool) -> bool {
        let remind_on = self.remind_on(due_on);
        if filed || today < remind_on || today > remind_on + Duration::days(CATCH_UP_DAYS) {
            return false;
        }
        match self {
            ReminderKind::DueIn7Days | ReminderKind::DueIn1Day => today < due_on,
            ReminderKind::Overdue => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// `hh:mm` on a day in Viet Nam, as UTC.
    fn vietnam(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        day(y, m, d)
            .and_hms_opt(h, min, 0)
            .and_then(|t| t.and_local_timezone(shared::time::vietnam()).single())
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn the_plan_reports_are_due_before_15_june_and_15_december() {
        assert_eq!(due_on(Period::Half(2025, 1)), Some(day(2025, 6, 15)));
        assert_eq!(due_on(Period::Year(2025)), Some(day(2025, 12, 15)));
        assert_eq!(due_on(Period::Half(2025, 2)), None);
        assert!(!is_reporting_period(Period::Half(2025, 2)));
    }

    #[test]
    fn a_report_received_on_the_due_day_in_viet_nam_is_late() {
        let due = day(2025, 6, 15);
        assert!(on_time(vietnam(2025, 6, 14, 9, 0), due), "14 June");
        assert!(
            on_time(vietnam(2025, 6, 14, 23, 59), due),
            "late on 14 June"
        );
        // 00:30 on 15 June in Viet Nam is still 14 June in UTC.
        assert!(!on_time(vietnam(2025, 6, 15, 0, 30), due), "15 June");
        assert!(!on_time(vietnam(2025, 6, 16, 9, 0), due), "16 June");
    }

    #[test]
    fn reminders_go_out_7_days_and_1_day_before_and_the_day_after() {
        let due = day(2025, 6, 15);
        assert_eq!(ReminderKind::DueIn7Days.remind_on(due), day(2025, 6, 8));
        assert_eq!(ReminderKind::DueIn1Day.remind_on(due), day(2025, 6, 14));
        assert_eq!(ReminderKind::Overdue.remind_on(due), day(2025, 6, 16));
        assert!(!ReminderKind::DueIn7Days.applies(day(2025, 6, 7), due, false));
        assert!(ReminderKind::DueIn7Days.applies(day(2025, 6, 8), due, false));
        assert!(!ReminderKind::DueIn7Days.applies(day(2025, 6, 8), due, true));
        assert!(!ReminderKind::DueIn1Day.applies(day(2025, 6, 15), due, false));
        assert!(!ReminderKind::Overdue.applies(day(2025, 6, 15), due, false));
        assert!(ReminderKind::Overdue.applies(day(2025, 6, 20), due, false));
        assert!(
            !ReminderKind::Overdue.applies(day(2025, 7, 30), due, false),
            "too old"
        );
        for kind in ReminderKind::ALL {
            let json = serde_json::to_value(kind).unwrap_or_default();
            assert_eq!(json.as_str(), Some(kind.as_str()));
        }
    }
}
