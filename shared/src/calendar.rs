//! Statutory due dates kept as data: a CSV of rules (`report,period,due_month,due_day,
//! year_offset,source,verified`, `period` = `H1` or `year`), so a changed or newly
//! verified deadline is an edit of a data file, not of code.
//!
//! Deadlines read "before day X": a report received on day X (Viet Nam time) is late.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};

use crate::period::Period;

struct Rule {
    report: String,
    half_year: bool,
    month: u32,
    day: u32,
    year_offset: i32,
}

pub struct DueCalendar {
    rules: Vec<Rule>,
}

impl DueCalendar {
    /// Parses the rules; a malformed row is skipped (each user tests its file parses fully).
    pub fn parse(csv_text: &str) -> DueCalendar {
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let rules = reader
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| {
                Some(Rule {
                    report: r.get(0)?.to_owned(),
                    half_year: match r.get(1)? {
                        "H1" => true,
                        "year" => false,
                        _ => return None,
                    },
                    month: r.get(2)?.parse().ok()?,
                    day: r.get(3)?.parse().ok()?,
                    year_offset: r.get(4)?.parse().ok()?,
                })
            })
            .collect();
        DueCalendar { rules }
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first day on which a `report` for `period` is late; `None` when the calendar
    /// has no rule (for example the second half-year, which has no report of its own).
    pub fn due_date(&self, report: &str, period: Period) -> Option<NaiveDate> {
        let half = match period {
            Period::Year(_) => false,
            Period::Half(_, 1) => true,
            Period::Half(_, _) => return None,
        };
        let rule = self
            .rules
            .iter()
            .find(|r| r.report == report && r.half_year == half)?;
        NaiveDate::from_ymd_opt(period.year() + rule.year_offset, rule.month, rule.day)
    }
}

/// The periods statutory reports are made for: the first half and the whole year.
pub fn is_reporting_period(period: Period) -> bool {
    matches!(period, Period::Year(_) | Period::Half(_, 1))
}

/// On time if received (UTC) before the due day begins in Viet Nam.
pub fn on_time(received_at: NaiveDateTime, due: NaiveDate) -> bool {
    crate::time::vietnam()
        .from_local_datetime(&due.and_time(chrono::NaiveTime::MIN))
        .single()
        .is_some_and(|limit| received_at < limit.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "report,period,due_month,due_day,year_offset,source,verified\nr,H1,7,5,0,s,true\nr,year,1,10,1,s,true\n";

    #[test]
    fn due_dates_follow_the_rules() {
        let calendar = DueCalendar::parse(RULES);
        assert_eq!(calendar.len(), 2);
        assert_eq!(
            calendar.due_date("r", Period::Half(2025, 1)),
            NaiveDate::from_ymd_opt(2025, 7, 5)
        );
        assert_eq!(
            calendar.due_date("r", Period::Year(2025)),
            NaiveDate::from_ymd_opt(2026, 1, 10)
        );
        assert_eq!(calendar.due_date("r", Period::Half(2025, 2)), None);
        assert_eq!(calendar.due_date("other", Period::Year(2025)), None);
    }

    #[test]
    fn before_the_fifth_means_by_the_end_of_the_fourth_in_viet_nam() {
        let due = NaiveDate::from_ymd_opt(2025, 7, 5).unwrap_or_default();
        let utc = |d: u32, h: u32| {
            NaiveDate::from_ymd_opt(2025, 7, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap_or_default()
        };
        assert!(on_time(utc(4, 16), due), "23:00 on 4 July in Viet Nam");
        assert!(!on_time(utc(4, 17), due), "00:00 on 5 July in Viet Nam");
    }
}
