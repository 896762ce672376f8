//! Reporting periods: `2025` (the year), `2025-H1` (1 Jan–30 Jun) and `2025-H2`
//! (1 Jul–31 Dec), reckoned in Viet Nam time.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};

use crate::error::{ApiError, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    /// The first (1) or second (2) half of a year.
    Half(i32, u8),
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        let (year, half) = match text.split_once('-') {
            Some((y, "H1")) => (y, Some(1)),
            Some((y, "H2")) => (y, Some(2)),
            Some(_) => return None,
            None => (text, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        if !(2000..=2100).contains(&year) {
            return None;
        }
        Some(half.map_or(Period::Year(year), |h| Period::Half(year, h)))
    }

    /// Parses a query parameter, or explains what is expected.
    pub fn parse_parameter(name: &str, text: &str) -> Result<Period, ApiError> {
        Period::parse(text).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                "invalid_period",
                Text::new(
                    "Kỳ báo cáo có dạng 2025 (cả năm), 2025-H1 (6 tháng đầu năm) hoặc 2025-H2.",
                    "A period is 2025 (the year), 2025-H1 or 2025-H2.",
                ),
            )
        })
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Half(y, _) => y,
        }
    }

    /// First day, inclusive.
    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Year(y) | Period::Half(y, 1) => (y, 1),
            Period::Half(y, _) => (y, 7),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default()
    }

    /// The day after the last day (exclusive end).
    pub fn end_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Half(y, 1) => (y, 7),
            Period::Year(y) | Period::Half(y, _) => (y + 1, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default()
    }

    /// The same period a year earlier.
    pub fn previous_year(self) -> Period {
        match self {
            Period::Year(y) => Period::Year(y - 1),
            Period::Half(y, h) => Period::Half(y - 1, h),
        }
    }

    /// `[start, end)` as UTC timestamps: midnight in Viet Nam is 17:00 UTC the day before.
    pub fn utc_bounds(self) -> (NaiveDateTime, NaiveDateTime) {
        let tz = crate::time::vietnam();
        let at = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .single()
                .map(|t| t.naive_utc())
                .unwrap_or_default()
        };
        (at(self.first_day()), at(self.end_day()))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, h) => write!(f, "{y}-H{h}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print() {
        for text in ["2025", "2025-H1", "2025-H2"] {
            assert_eq!(
                Period::parse(text).map(|p| p.to_string()).as_deref(),
                Some(text)
            );
        }
        for bad in ["25", "2025-H3", "2025-Q1", "abcd", "1999"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bounds_are_in_viet_nam_time() {
        let (start, end) = Period::Half(2025, 2).utc_bounds();
        assert_eq!(start.to_string(), "2025-06-30 17:00:00");
        assert_eq!(end.to_string(), "2025-12-31 17:00:00");
        // 23:30 on 14 December in Viet Nam is inside 2025-H2.
        let late = NaiveDate::from_ymd_opt(2025, 12, 14)
            .and_then(|d| d.and_hms_opt(16, 30, 0))
            .unwrap_or_default();
        assert!(start <= late && late < end);
        assert_eq!(Period::Half(2025, 1).previous_year(), Period::Half(2024, 1));
    }
}
