//! The plan's targets as data, and how they relate to the published figures: the
//! change of an indicator and whether it meets the target are computed once, by the
//! service that owns the figure (`shared::figures::trend`); a KPI takes that trend.
//! The plan's targets (`seed/plan-664.json`) must say what `shared::figures::Indicator`
//! says, which a test checks.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which way an indicator should move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Decrease,
    Increase,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Decrease => "decrease",
            Direction::Increase => "increase",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "decrease" => Some(Direction::Decrease),
            "increase" => Some(Direction::Increase),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::figures::{self, Indicator};

    use super::*;

    #[test]
    fn the_seeded_targets_are_the_ones_the_figures_are_judged_by() {
        let seed = crate::domain::seed::plan_664().unwrap_or_else(|e| panic!("{e}"));
        let targets: Vec<_> = seed.plans.iter().flat_map(|p| p.targets.iter()).collect();
        assert_eq!(targets.len(), Indicator::ALL.len());
        for t in targets {
            let indicator = Indicator::parse(&t.code).unwrap_or_else(|| panic!("{}", t.code));
            let direction = match indicator.direction() {
                figures::Direction::Decrease => Direction::Decrease,
                figures::Direction::Increase => Direction::Increase,
            };
            assert_eq!(t.direction, direction, "{}", t.code);
            let signed = match direction {
                Direction::Decrease => -t.yearly_change_percent,
                Direction::Increase => t.yearly_change_percent,
            };
            #[allow(clippy::cast_precision_loss)] // a small percentage
            let signed = signed as f64;
            assert!(
                (signed - indicator.target_percent()).abs() < f64::EPSILON,
                "{}",
                t.code
            );
        }
    }
}
