//! Business time: periods and deadlines are reckoned in Asia/Ho_Chi_Minh, which is
//! UTC+7 all year (Viet Nam keeps no daylight saving time).

use chrono::{FixedOffset, NaiveDate, Offset, Utc};

pub fn vietnam() -> FixedOffset {
    // 7 h is always a valid offset; the fallback is never taken.
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Today's date in Viet Nam.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&vietnam()).date_naive()
}
