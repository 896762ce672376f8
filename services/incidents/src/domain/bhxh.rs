//! The BHXH exchange (docs/domain.md, "BHXH benefit rules"): why a casualty is in the feed. The cursor and
//! the benefit-decision checks are shared with the other service (`shared::bhxh`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use shared::bhxh::*;

/// Why a casualty entered, changed in or left the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedReason {
    /// The investigation concluded it is an occupational accident (kết luận là TNLĐ).
    Confirmed,
    /// The casualty's severity was raised in a confirmed case.
    SeverityRaised,
    /// The accident's facts (date, place) were corrected in a confirmed case.
    Corrected,
    /// The investigation no longer concludes it is an occupational accident: the
    /// casualty leaves the feed.
    Withdrawn,
}

impl FeedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedReason::Confirmed => "confirmed",
            FeedReason::SeverityRaised => "severity_raised",
            FeedReason::Corrected => "corrected",
            FeedReason::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            FeedReason::Confirmed,
            FeedReason::SeverityRaised,
            FeedReason::Corrected,
            FeedReason::Withdrawn,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}
