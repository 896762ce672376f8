//! Business time: periods and deadlines are reckoned in Asia/Ho_Chi_Minh, which is
//! UTC+7 all year (Viet Nam keeps no daylight saving time). Also the one fixed text
//! form of an instant that signed and hashed records (receipts, audit events) use.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, Utc};

pub fn vietnam() -> FixedOffset {
    // 7 h is always a valid offset; the fallback is never taken.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Midnight at the start of `day` in Viet Nam, as the UTC time the database stores.
pub fn start_of_day_utc(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) - Duration::seconds(i64::from(vietnam().local_minus_utc()))
}

/// Today's date in Viet Nam.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&vietnam()).date_naive()
}

/// `2026-11-28T03:04:05.123456Z`: UTC, always six fractional digits. Signatures and
/// hashes cover this text, so a third party can rebuild it exactly; the database
/// keeps microseconds on both backends (see [`crate::db::now`]).
pub fn utc_micros(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn signed_timestamps_have_one_form() {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 3, 4, 5).single();
        assert_eq!(
            at.map(utc_micros).as_deref(),
            Some("2026-11-28T03:04:05.000000Z")
        );
    }
}
