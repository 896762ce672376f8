//! The BHXH exchange (docs/domain.md, "BHXH benefit rules"): why a disease case is in the feed. The cursor and
//! the benefit-decision checks are shared with the other service (`shared::bhxh`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use shared::bhxh::*;

/// Why a case entered or changed in the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedReason {
    /// The case was recorded (chẩn đoán bệnh nghề nghiệp).
    Diagnosed,
    /// Its assessment (status, loss of working capacity) changed.
    Assessed,
}

impl FeedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedReason::Diagnosed => "diagnosed",
            FeedReason::Assessed => "assessed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [FeedReason::Diagnosed, FeedReason::Assessed]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}
